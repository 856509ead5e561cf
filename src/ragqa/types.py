"""Plain data types shared by every stage: turns, transcripts, chunks, search filters, hits and answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NARRATION = ""  # speaker value of a narration turn (a dateline, a stage direction)


@dataclass(frozen=True)
class Turn:
    """One speaker turn; `index` is its 0-based position in the source's turn list."""

    index: int
    speaker: str
    text: str
    start: float | None = None  # seconds from the start of the recording (subtitles)
    end: float | None = None
    char_start: int | None = None  # offsets into the decoded source text (plain text)
    char_end: int | None = None


@dataclass
class Transcript:
    """A parsed transcript: metadata plus its turns in source order."""

    id: str
    turns: list[Turn]
    title: str = ""
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) where known
    place: str | None = None
    url: str | None = None
    source: str | None = None  # attribution, e.g. "www.kremlin.ru"
    path: str | None = None  # file it was read from
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance (narration excluded)."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker != NARRATION:
                seen.setdefault(turn.speaker, None)
        return list(seen)


@dataclass(frozen=True)
class SourceProblem:
    """A file (or one line of it) that could not be read; the rest of the batch goes on."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Chunk:
    """The retrieval unit: text that covers one or more turns of one transcript.

    `text` is what a user sees and what is cited; `embed_text` is what the encoder reads
    (it may carry neighbouring context).
    """

    id: str
    transcript_id: str
    turns: tuple[int, ...]
    speaker: str  # the speaker whose words the chunk is about (primary speaker)
    text: str
    embed_text: str
    start: float | None = None
    end: float | None = None
    lang: str | None = None  # language of the transcript (ISO 639-1), for stemming and the BM25 gate


@dataclass(frozen=True)
class Filters:
    """Exact, case-insensitive metadata filters of a search; dates are ISO strings compared as such."""

    speaker: str | None = None
    transcript: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.speaker, self.transcript, self.date_from, self.date_to))


@dataclass(frozen=True)
class TermCounts:
    """How often each of a query's terms occurs in each candidate chunk, and the terms' BM25 idf."""

    counts: np.ndarray  # (terms, candidates) float64
    idf: np.ndarray  # (terms,) float64: ln(1 + (N - df + 0.5) / (df + 0.5)) over the store's N live chunks


@dataclass(frozen=True)
class Hit:
    """One search result."""

    chunk_id: str
    transcript_id: str
    title: str
    speaker: str
    turns: list[int]
    text: str
    score: float
    date: str | None = None
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript_id": self.transcript_id,
            "title": self.title,
            "speaker": self.speaker,
            "turns": list(self.turns),
            "text": self.text,
            "score": round(float(self.score), 6),
            "date": self.date,
            "start": self.start,
            "end": self.end,
        }

    def cited_as(self, n: int) -> "Citation":
        """This passage as the answer's citation `[n]`."""
        return Citation(n=n, transcript_id=self.transcript_id, title=self.title, speaker=self.speaker,
                        turns=list(self.turns), quote=self.text, score=self.score, date=self.date,
                        start=self.start, end=self.end)


@dataclass(frozen=True)
class Citation:
    """A passage the answer cites as `[n]`."""

    n: int
    transcript_id: str
    title: str
    speaker: str
    turns: list[int]
    quote: str
    score: float
    date: str | None = None
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "transcript_id": self.transcript_id,
            "title": self.title,
            "speaker": self.speaker,
            "turns": list(self.turns),
            "quote": self.quote,
            "score": round(float(self.score), 6),
            "date": self.date,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Answer:
    """An answer with the citations its text actually uses."""

    text: str
    citations: list[Citation]
    refused: bool = False  # True when the passages did not contain the answer
    flagged: list[int] = field(default_factory=list)  # [n] markers removed as unsupported
    standalone_question: str | None = None  # in a conversation: the question as it was searched

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"answer": self.text, "citations": [c.to_dict() for c in self.citations]}
        if self.standalone_question is not None:
            data["standalone_question"] = self.standalone_question
        return data
