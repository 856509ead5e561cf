"""What the chat UI does with the index, free of any widget code: filter choices, asking, uploads."""
from __future__ import annotations

import copy
import html
import itertools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RagqaError
from ..index import Index
from ..parsing import SUPPORTED_SUFFIXES
from ..types import Answer, Filters, Hit
from .render import SourceGroup, retrieved_group, source_group

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_LLM_NAMES = {"none": "extractive quotes (no LLM)", "ollama": "Ollama", "openai": "OpenAI-compatible API"}


@dataclass
class UploadResult:
    """What an upload did, with problems named by the file the user picked (not a temp path)."""

    added: list[str] = field(default_factory=list)  # titles of new transcripts
    updated: list[str] = field(default_factory=list)  # titles of transcripts replaced by new content
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def message(self) -> str:
        """A short Markdown summary for the upload status line."""
        lines = []
        if self.added:
            lines.append(f"**Added {len(self.added)}:** " + ", ".join(_quoted(self.added)))
        if self.updated:
            lines.append(f"**Updated {len(self.updated)}:** " + ", ".join(_quoted(self.updated)))
        if self.unchanged:
            lines.append("**Already indexed, unchanged:** " + ", ".join(_quoted(self.unchanged)))
        for problem in self.problems:
            lines.append(f"**Not added:** {_md(problem)}")
        return "\n\n".join(lines) or "Nothing to add."


def _md(text: str) -> str:
    """Text safe inside Markdown: HTML escaped, Markdown punctuation backslashed."""
    return re.sub(r"([\\`*_{}\[\]()#+!|~>])", r"\\\1", html.escape(text, quote=False))


def _quoted(titles: Sequence[str]) -> list[str]:
    return [f"“{_md(t)}”" for t in titles]


def parse_date(value: str | None, label: str) -> str | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or None for an empty field; anything else is a RagqaError."""
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.fullmatch(value):
        raise RagqaError(f"{label}: '{value}' is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)")
    return value


def llm_label(settings_llm: Any) -> str:
    """Human name of the configured answer writer."""
    if settings_llm.backend == "llamacpp":
        return Path(settings_llm.model).stem if settings_llm.model else "Qwen2.5 1.5B (local)"
    name = _LLM_NAMES[settings_llm.backend]
    return f"{name}: {settings_llm.model}" if settings_llm.model else name


class ChatService:
    """The shared, thread-safe state behind every browser session: one Index, serialized writes."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._write_lock = threading.Lock()
        self._answer_ids = itertools.count(1)

    # -- what the index holds ------------------------------------------------------------------
    def speakers(self) -> list[str]:
        return self.index.speakers()

    def transcript_choices(self) -> list[tuple[str, str]]:
        """(label, id) per transcript, newest first, for the transcript filter."""
        infos = sorted(self.index.transcripts(), key=lambda t: (t.date or "", t.title), reverse=True)
        return [(f"{t.date} · {t.title}" if t.date else t.title, t.id) for t in infos]

    def date_range(self) -> tuple[str, str] | None:
        """Earliest and latest known transcript date, or None when no transcript has one."""
        dates = sorted(t.date for t in self.index.transcripts() if t.date)
        return (dates[0], dates[-1]) if dates else None

    def stats(self) -> dict[str, Any]:
        self.index.reload()
        return self.index.stats()

    def embedder_label(self) -> str:
        return self.index.settings.embedder.model

    def backends(self) -> list[tuple[str, str]]:
        """(label, backend) the user may pick: the configured one, and extractive answers."""
        configured = self.index.settings.llm
        extractive = ("Extractive — quotes only, no LLM", "none")
        if configured.backend == "none":
            return [extractive]
        return [(f"Generated — {llm_label(configured)}", configured.backend), extractive]

    def default_k(self) -> int:
        """Passages an answer reads unless the user changes it (the answering layer's default)."""
        from ..answering import DEFAULT_K

        return DEFAULT_K

    def warm_up(self) -> str | None:
        """Load the query encoders (a search inside one transcript loads the passage ranker's too) and the
        configured LLM now, so the first question does not wait for them. Returns the reason when the LLM
        cannot be loaded (answers will then fail with it)."""
        from ..llm import make_llm

        transcripts = self.index.manifest.transcripts
        if transcripts:
            self.index.search("What was said about the warm-up?", k=1, transcript=min(transcripts))
        else:
            self.index.embedder.embed_queries(["warm up"])
        try:
            llm = make_llm(self.index.settings)
            load = getattr(llm, "load", None)
            if load is not None:
                load()
        except RagqaError as exc:
            return str(exc)
        return None

    # -- asking --------------------------------------------------------------------------------
    def filters(self, speaker: str | None, transcript: str | None, date_from: str | None,
                date_to: str | None) -> Filters:
        """Validated filters from raw widget values (empty = no restriction)."""
        start, end = parse_date(date_from, "From date"), parse_date(date_to, "To date")
        if start and end and start > end:
            raise RagqaError(f"From date {start} is after To date {end}")
        return Filters(speaker=speaker or None, transcript=transcript or None, date_from=start, date_to=end)

    def ask(self, question: str, k: int | None, filters: Filters, backend: str | None = None,
            stream: bool = False) -> Any:
        """`Index.ask` with the chosen backend: an Answer, or an AnswerStream when `stream`. What another
        process (`ragqa add`, another server) committed since the last question is served first."""
        index = self._index_for(backend)
        return index.ask(question, k=k, stream=stream, **asdict(filters))

    def chat(self, messages: Sequence[dict[str, Any]], k: int | None, filters: Filters,
             backend: str | None = None, stream: bool = False) -> Any:
        """`Index.chat` with the chosen backend: the answer to the conversation's last question."""
        index = self._index_for(backend)
        return index.chat(messages, k=k, stream=stream, **asdict(filters))

    def summarize(self, transcript_id: str, backend: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Any:
        """`Index.summarize(stream=True)` of one transcript with the chosen backend."""
        return self._index_for(backend).summarize(transcript_id, stream=True, progress=progress)

    def transcript_title(self, transcript_id: str) -> str:
        return next((t.title for t in self.index.transcripts() if t.id == transcript_id), transcript_id)

    def _index_for(self, backend: str | None) -> Index:
        """The index as another process last committed it (one small manifest read when nothing
        changed), seen with the chosen answer backend."""
        self.index.reload()
        if not backend or backend == self.index.settings.llm.backend:
            return self.index
        if backend not in {b for _, b in self.backends()}:
            raise RagqaError(f"answer backend '{backend}' is not available here")
        self.index.embedder  # load it once, so views share it
        # a view for one question: the current snapshot and encoder, other LLM settings
        view = copy.copy(self.index)
        view.settings = self.index.settings.merged(llm={"backend": backend})
        return view

    def new_answer_id(self) -> str:
        return f"a{next(self._answer_ids)}"

    def sources(self, answer: Answer, answer_id: str, question: str) -> SourceGroup:
        """The cards of the passages `answer` cites."""
        n_turns, urls = self._card_facts()
        return source_group(answer, answer_id, question, n_turns, urls)

    def reading(self, hits: Sequence[Hit], answer_id: str, question: str) -> SourceGroup:
        """The cards of the passages an answer is being written from."""
        n_turns, urls = self._card_facts()
        return retrieved_group(hits, answer_id, question, n_turns, urls)

    def _card_facts(self) -> tuple[dict[str, int], dict[str, str | None]]:
        infos = self.index.transcripts()
        return {t.id: t.n_turns for t in infos}, {t.id: t.url for t in infos}

    # -- uploads -------------------------------------------------------------------------------
    def add_files(self, paths: Sequence[str | Path],
                  progress: Callable[[int, int], None] | None = None) -> UploadResult:
        """Parse and index uploaded files. Bad files are reported by name; the index stays usable."""
        result = UploadResult()
        names = {str(Path(p)): Path(p).name for p in paths}
        accepted = []
        for path in paths:
            if Path(path).suffix.lower() in SUPPORTED_SUFFIXES:
                accepted.append(path)
            else:
                result.problems.append(f"{Path(path).name}: unsupported file type; use "
                                       + ", ".join(SUPPORTED_SUFFIXES))
        if not accepted:
            return result
        with self._write_lock:
            before = {t.id for t in self.index.transcripts()}
            try:
                report = self.index.add(accepted, progress=progress)
            except (RagqaError, OSError) as exc:  # nothing was committed; the index is as before
                result.problems.append(_display(str(exc), names))
                return result
        titles = {t.id: t.title for t in self.index.transcripts()}
        for tid in report.added:
            (result.updated if tid in before else result.added).append(titles.get(tid, tid))
        result.unchanged = [titles.get(tid, tid) for tid in report.unchanged]
        result.problems += [_display(str(p), names) for p in report.problems]
        return result


def _display(message: str, names: dict[str, str]) -> str:
    """`message` with temporary upload paths replaced by the file names the user knows."""
    for path, name in sorted(names.items(), key=lambda item: -len(item[0])):
        message = message.replace(path, name)
    return message

