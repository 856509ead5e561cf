"""The cited-answer engine: retrieve (llama-index retriever over ragqa search, speaker boost),
fit the passages into the model's context (node postprocessor), grow them into the stretches of
talk around them (`context`), one LLM call (response synthesizer with our prompt files), then check
every citation and number against the passages. A refusal or an answer that adds nothing to the
question is asked again on the best passages alone, then answered from them extractively when they
clearly hold it (`fallback`).
"""
from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from llama_index.core.llms import LLM
from llama_index.core.schema import NodeWithScore

from ..language import detect_language, language_name
from ..lexical import strip_markup
from ..llm import make_llm
from ..query_analysis import analyse
from ..settings import Settings
from ..types import Answer, Hit
from .citations import CheckedAnswer, make_citations, verify
from .context import Neighbours, Passage, TurnsFn, expand, question_reach
from .copying import copies_passages
from .extractive import confident_extract, extractive_answer
from .postprocessors import ContextBudget, estimate_tokens
from .prompts import NO_ANSWER, PromptTemplates, load_prompts
from .repetition import cut_repetition
from .retriever import SearchFn, TranscriptRetriever, hit_to_node, node_to_hit
from .stream import AnswerStream
from .support import NO_NAMES, EmbedFn, Similarity, SpeakerNames, says_nothing_new
from .synthesizer import CitedAnswerSynthesizer

DEFAULT_K = 5  # passages given to the model when the caller does not say (k=3/5/8 in bench/answer_latency.py)
_QUESTION_ALLOWANCE = 64  # tokens for the question and the message framing
FOCUS_PASSAGES = 2  # the best hits a refused or empty answer is asked again on


class AnswerEngine:
    """Answers questions over anything with a `search_fn`; one instance can serve many questions."""

    def __init__(self, search_fn: SearchFn, settings: Settings, embed_fn: EmbedFn | None = None,
                 query_embed_fn: EmbedFn | None = None, speakers: Sequence[str] = (),
                 llm: LLM | None = None, prompts: PromptTemplates | None = None,
                 turns_fn: TurnsFn | None = None) -> None:
        """`embed_fn(texts)` / `query_embed_fn(texts)` return L2-normalised vectors (passage / query
        side of the index's encoder); `speakers` are the known speaker labels; `llm` defaults to
        `make_llm(settings)` (None for the extractive `none` backend); `turns_fn(transcript_id)` gives
        a transcript's turns, for the talk around each hit (without it the model reads the hits alone)."""
        self.search_fn = search_fn
        self.turns_fn = turns_fn
        self.settings = settings
        self.similarity = Similarity(embed_fn, query_embed_fn) if embed_fn is not None else None
        self.speakers = list(speakers)
        self.prompts = prompts or load_prompts()
        self.llm = llm if llm is not None else make_llm(settings)

    def retrieve(self, question: str, k: int, filters: dict[str, str | None]) -> list[NodeWithScore]:
        """Passages for the question, speaker-boosted, trimmed to the model's context budget."""
        boost = analyse(question, self.speakers).speakers if not filters.get("speaker") else ()
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
        language = detect_language(question)
        refusal = self.prompts.refusal(language)
        filters = {"speaker": speaker, "transcript": transcript, "date_from": date_from, "date_to": date_to}
        nodes = self.retrieve(question, k or DEFAULT_K, filters)
        hits = [node_to_hit(n) for n in nodes]
        if not hits or self.llm is None:
            names = SpeakerNames.of(sorted({h.speaker for h in hits}))
            checked = extractive_answer(question, hits, self.similarity, names) if hits else None
            answer = self._answer(checked, hits, refusal)
            return AnswerStream.of(answer, hits) if stream else answer
        neighbours = Neighbours(self.turns_fn, self.settings.chunking) if self.turns_fn is not None else None
        reach = question_reach(analyse(question, self.speakers))
        reach = dataclasses.replace(reach, tokens=min(reach.tokens, self._passage_budget(question)))
        passages = expand(hits, neighbours, reach, speaker=speaker)
        units = [p.hit for p in passages]
        names = SpeakerNames.of(sorted({h.speaker for h in units}))
        synthesizer = CitedAnswerSynthesizer(self.llm, self.prompts, streaming=stream)
        response = synthesizer.synthesize(question, [hit_to_node(h) for h in units],
                                          language=language_name(language), headers=_headers(passages))

        def finish(raw: str) -> Answer:
            checked = self.check(raw, units, names)
            if not _useful(checked, question, names):
                return self._focused(question, hits, language, refusal)
            if _copied(checked, units):  # asked again; a copy still beats a refusal
                focused = self._focused(question, hits, language, refusal)
                return focused if not focused.refused else self._answer(checked, units, refusal)
            return self._answer(checked, units, refusal)

        if stream:
            return AnswerStream(response.response_gen, finish, refusal, hits)  # type: ignore[attr-defined]
        return finish(str(response.response or ""))

    def _focused(self, question: str, hits: Sequence[Hit], language: str, refusal: str) -> Answer:
        """The answer from the best passages alone (asked again), else from their own sentences when
        they clearly hold it, else the passages as the model copied them (cited), else the refusal."""
        best = [dataclasses.replace(h, text=strip_markup(h.text)) for h in hits[:FOCUS_PASSAGES]]
        names = SpeakerNames.of(sorted({h.speaker for h in best}))
        synthesizer = CitedAnswerSynthesizer(self.llm, self.prompts)
        raw = synthesizer.synthesize(question, [hit_to_node(h) for h in best], language=language_name(language))
        checked = self.check(str(raw.response or ""), best, names)
        copy = None
        if _useful(checked, question, names):
            if not _copied(checked, best):
                return self._answer(checked, best, refusal)
            copy = checked
        extract = confident_extract(question, best, self.similarity, names)
        return self._answer(extract if extract is not None else copy, best, refusal)

    def check(self, raw: str, hits: Sequence[Hit], names: SpeakerNames = NO_NAMES) -> CheckedAnswer | None:
        """The model's text with citations verified and renumbered; None for a refusal."""
        text = cut_repetition(raw.strip())
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


def _useful(checked: CheckedAnswer | None, question: str, names: SpeakerNames) -> bool:
    """An answer that cites something and says more than the question already does."""
    return checked is not None and bool(checked.passages) and not says_nothing_new(checked.text, question, names)


def _copied(checked: CheckedAnswer | None, hits: Sequence[Hit]) -> bool:
    """The checked answer reproduces the passages rather than answering (`copying`)."""
    return checked is not None and copies_passages(checked.text, [h.text for h in hits])


def _headers(passages: Sequence[Passage]) -> list[str | None]:
    """The stretch heading ("title, date") before the first passage of each stretch."""
    headers: list[str | None] = []
    for i, passage in enumerate(passages):
        starts = i == 0 or passage.stretch != passages[i - 1].stretch
        hit = passage.hit
        headers.append(", ".join(x for x in (hit.title or hit.transcript_id, hit.date) if x) if starts else None)
    return headers


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
                          query_embed_fn=embedder.embed_queries, speakers=index.speakers(), turns_fn=index.turns)
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
