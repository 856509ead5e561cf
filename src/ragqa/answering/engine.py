"""The cited-answer engine: retrieve (llama-index retriever over ragqa search, speaker boost),
fit the passages into the model's context (node postprocessor), one LLM call (response
synthesizer with our prompt files), then check every citation and number against the passages.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from llama_index.core.llms import LLM
from llama_index.core.schema import NodeWithScore

from ..llm import make_llm
from ..settings import Settings
from ..types import Answer, Hit
from .citations import CheckedAnswer, make_citations, verify
from .extractive import extractive_answer
from .language import language_name, question_language
from .postprocessors import ContextBudget, estimate_tokens
from .prompts import NO_ANSWER, PromptTemplates, load_prompts
from .retriever import SearchFn, TranscriptRetriever, node_to_hit
from .speakers import detect_speakers
from .stream import AnswerStream
from .support import NO_NAMES, EmbedFn, Similarity, SpeakerNames
from .synthesizer import CitedAnswerSynthesizer

DEFAULT_K = 5  # passages given to the model when the caller does not say (k=3/5/8 in bench/answer_latency.py)
_QUESTION_ALLOWANCE = 64  # tokens for the question and the message framing


class AnswerEngine:
    """Answers questions over anything with a `search_fn`; one instance can serve many questions."""

    def __init__(self, search_fn: SearchFn, settings: Settings, embed_fn: EmbedFn | None = None,
                 query_embed_fn: EmbedFn | None = None, speakers: Sequence[str] = (),
                 llm: LLM | None = None, prompts: PromptTemplates | None = None) -> None:
        """`embed_fn(texts)` / `query_embed_fn(texts)` return L2-normalised vectors (passage / query
        side of the index's encoder); `speakers` are the known speaker labels; `llm` defaults to
        `make_llm(settings)` (None for the extractive `none` backend)."""
        self.search_fn = search_fn
        self.settings = settings
        self.similarity = Similarity(embed_fn, query_embed_fn) if embed_fn is not None else None
        self.speakers = list(speakers)
        self.prompts = prompts or load_prompts()
        self.llm = llm if llm is not None else make_llm(settings)

    def retrieve(self, question: str, k: int, filters: dict[str, str | None]) -> list[NodeWithScore]:
        """Passages for the question, speaker-boosted, trimmed to the model's context budget."""
        boost = detect_speakers(question, self.speakers) if not filters.get("speaker") else []
        nodes = TranscriptRetriever(self.search_fn, k, filters, boost).retrieve(question)
        return ContextBudget(max_tokens=self._passage_budget(question)).postprocess_nodes(nodes, query_str=question)

    def _passage_budget(self, question: str) -> int:
        llm = self.settings.llm
        fixed = sum(estimate_tokens(t) for t in (self.prompts.system, self.prompts.qa, question))
        return max(64, llm.context_window - llm.max_tokens - fixed - _QUESTION_ALLOWANCE)

    def ask(self, question: str, k: int | None = None, speaker: str | None = None,
            transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
            stream: bool = False) -> Answer | AnswerStream:
        """A cited answer, or with `stream=True` an AnswerStream (see `ragqa.answering.ask`)."""
        language = question_language(question)
        refusal = self.prompts.refusal(language)
        filters = {"speaker": speaker, "transcript": transcript, "date_from": date_from, "date_to": date_to}
        nodes = self.retrieve(question, k or DEFAULT_K, filters)
        hits = [node_to_hit(n) for n in nodes]
        names = SpeakerNames.of(sorted({h.speaker for h in hits}))
        if not hits or self.llm is None:
            checked = extractive_answer(question, hits, self.similarity, names) if hits else None
            answer = self._answer(checked, hits, refusal)
            return AnswerStream.of(answer, hits) if stream else answer
        synthesizer = CitedAnswerSynthesizer(self.llm, self.prompts, streaming=stream)
        response = synthesizer.synthesize(question, nodes, language=language_name(language))

        def finish(raw: str) -> Answer:
            return self._answer(self.check(raw, hits, names), hits, refusal)

        if stream:
            return AnswerStream(response.response_gen, finish, refusal, hits)  # type: ignore[attr-defined]
        return finish(str(response.response or ""))

    def check(self, raw: str, hits: Sequence[Hit], names: SpeakerNames = NO_NAMES) -> CheckedAnswer | None:
        """The model's text with citations verified and renumbered; None for a refusal."""
        text = raw.strip()
        if not text or text.startswith(NO_ANSWER):
            return None
        text = text.replace(NO_ANSWER, "").strip()
        checked = verify(text, [h.text for h in hits], self.similarity, names)
        return checked if checked.passages else CheckedAnswer(text="", passages=[], flagged=checked.flagged)

    @staticmethod
    def _answer(checked: CheckedAnswer | None, hits: Sequence[Hit], refusal: str) -> Answer:
        if checked is None or not checked.passages:
            return Answer(text=refusal, citations=[], refused=True, flagged=checked.flagged if checked else [])
        return Answer(text=checked.text, citations=make_citations(checked, hits), flagged=checked.flagged)


_ENGINES: "weakref.WeakKeyDictionary[Any, tuple[Any, AnswerEngine]]" = weakref.WeakKeyDictionary()
_ENGINES_LOCK = threading.Lock()


def engine_for(index: Any) -> AnswerEngine:
    """The answer engine of a ragqa Index (its search, encoder, speakers and settings), kept while the
    index is unchanged so the encoder's background vectors and speaker list are computed once."""
    version = (index.manifest.generation, id(index.settings))
    with _ENGINES_LOCK:
        cached = _ENGINES.get(index)
        if cached is not None and cached[0] == version:
            return cached[1]
    embedder = index.embedder
    engine = AnswerEngine(index.search, index.settings, embed_fn=embedder.embed_passages,
                          query_embed_fn=embedder.embed_queries, speakers=index.speakers())
    with _ENGINES_LOCK:
        _ENGINES[index] = (version, engine)
    return engine


def ask(index: Any, question: str, k: int | None = None, speaker: str | None = None,
        transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
        stream: bool = False) -> Answer | AnswerStream:
    """Answer `question` from `index` (a ragqa Index).

    Returns an Answer whose `.citations` are only the passages its text cites, numbered as in the
    text; or, with `stream=True`, an AnswerStream to iterate for text pieces whose `.answer` is the
    final checked Answer. When the passages do not contain the answer, the answer is a refusal in
    the question's language (`Answer.refused`)."""
    return engine_for(index).ask(question, k=k, speaker=speaker, transcript=transcript, date_from=date_from,
                                 date_to=date_to, stream=stream)
