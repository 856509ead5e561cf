"""The stretch of talk around the best hits: each hit grows to its neighbouring chunks of the same
transcript (the index's own chunks, rebuilt from the turns), overlapping stretches merge, and the
whole fits a token budget. A discussion runs over many turns, so a question about one reads more
of them than a look-up of a name or a number does.

Each chunk of a stretch stays its own numbered passage (the turn, or a sentence-bounded piece of a
long turn, with the short turns riding along), so a citation still names the turns it comes from.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..chunking import chunk_transcript
from ..lexical import strip_markup
from ..query_analysis import Question
from ..settings import ChunkSettings
from ..types import Chunk, Hit, Transcript, Turn
from .postprocessors import estimate_tokens

TurnsFn = Callable[[str], Sequence[Turn]]  # transcript id -> all its turns, in order

@dataclass(frozen=True)
class Reach:
    """How far stretches grow: chunks on each side of a hit, and the tokens all passages may take."""

    chunks: int
    tokens: int


DISCUSSION = Reach(chunks=2, tokens=700)
LOOKUP = Reach(chunks=0, tokens=400)


def question_reach(question: Question) -> Reach:
    """LOOKUP for a question after a fact (`Question.lookup`), else DISCUSSION."""
    return LOOKUP if question.lookup else DISCUSSION


@dataclass(frozen=True)
class Passage:
    """One numbered passage of the prompt; `stretch` groups consecutive passages of one stretch."""

    hit: Hit
    stretch: int


def chunk_hit(chunk: Chunk, like: Hit) -> Hit:
    """A chunk as a hit of `like`'s transcript (markup such as `{disfmarker}` removed)."""
    return Hit(chunk_id=chunk.id, transcript_id=chunk.transcript_id, title=like.title, speaker=chunk.speaker,
               turns=list(chunk.turns), text=strip_markup(chunk.text), score=0.0, date=like.date,
               start=chunk.start, end=chunk.end)


class Neighbours:
    """The index's chunks of each transcript, in order, rebuilt from its turns (kept per transcript
    for the life of this object: one question)."""

    def __init__(self, turns_fn: TurnsFn, chunking: ChunkSettings) -> None:
        self._turns_fn = turns_fn
        self._chunking = chunking
        self._chunks: dict[str, tuple[list[Chunk], dict[str, int]]] = {}

    def of(self, transcript_id: str) -> tuple[list[Chunk], dict[str, int]]:
        """The chunks of a transcript and each chunk id's position."""
        if transcript_id not in self._chunks:
            turns = list(self._turns_fn(transcript_id))
            chunks = chunk_transcript(Transcript(id=transcript_id, turns=turns), self._chunking)
            self._chunks[transcript_id] = (chunks, {c.id: i for i, c in enumerate(chunks)})
        return self._chunks[transcript_id]


def _cost(hit: Hit) -> int:
    return estimate_tokens(hit.text) + 4  # "[n] " and the line break


def expand(hits: Sequence[Hit], neighbours: Neighbours | None, reach: Reach,
           speaker: str | None = None) -> list[Passage]:
    """The hits grown into stretches of neighbouring chunks within `reach`, stretches in the order of
    their best hit, chunks in transcript order. Growth goes round the hits in rank order, one chunk at a
    time (after, then before), while the passages fit `reach.tokens` (the hits themselves always stay);
    with a `speaker` filter only that speaker's chunks are added. A hit whose chunk is not among the
    transcript's chunks (or without `neighbours`) stays a stretch of its own."""
    windows: list[tuple[str, int, int] | None] = []  # (transcript, first, last) per hit
    used = 0
    for hit in hits:
        used += _cost(hit)
        position = neighbours.of(hit.transcript_id)[1].get(hit.chunk_id) if neighbours is not None else None
        windows.append(None if position is None else (hit.transcript_id, position, position))
    taken = {(w[0], w[1]) for w in windows if w is not None}
    for _step in range(reach.chunks):
        for side in (1, -1):
            for i, window in enumerate(windows):
                if window is None or neighbours is None:
                    continue
                transcript_id, first, last = window
                chunks = neighbours.of(transcript_id)[0]
                position = last + 1 if side > 0 else first - 1
                if not 0 <= position < len(chunks) or (transcript_id, position) in taken:
                    continue
                chunk = chunks[position]
                if speaker and chunk.speaker.casefold() != speaker.casefold():
                    continue
                cost = _cost(chunk_hit(chunk, hits[i]))
                if used + cost > reach.tokens:
                    continue
                used += cost
                taken.add((transcript_id, position))
                windows[i] = (transcript_id, min(first, position), max(last, position))
    return _stretches(hits, windows, neighbours)


def _stretches(hits: Sequence[Hit], windows: Sequence[tuple[str, int, int] | None],
               neighbours: Neighbours | None) -> list[Passage]:
    """Merge windows that overlap or touch (same transcript); lay out passages stretch by stretch."""
    merged: list[tuple[str, int, int, list[int]]] = []  # transcript, first, last, hit ranks inside
    alone: list[int] = []
    for rank, window in enumerate(windows):
        if window is None:
            alone.append(rank)
            merged.append(("", -1, -1, [rank]))
            continue
        transcript_id, first, last = window
        for j, (t, a, b, ranks) in enumerate(merged):
            if t == transcript_id and a <= last + 1 and first <= b + 1:
                merged[j] = (t, min(a, first), max(b, last), ranks + [rank])
                break
        else:
            merged.append((transcript_id, first, last, [rank]))
    changed = True
    while changed:  # a grown stretch may now touch a later one
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                t, a, b, ranks = merged[i]
                u, c, d, more = merged[j]
                if t and t == u and a <= d + 1 and c <= b + 1:
                    merged[i] = (t, min(a, c), max(b, d), ranks + more)
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    passages: list[Passage] = []
    for s, (transcript_id, first, last, ranks) in enumerate(merged):
        if not transcript_id:
            passages.append(Passage(hit=hits[ranks[0]], stretch=s))
            continue
        assert neighbours is not None
        chunks = neighbours.of(transcript_id)[0]
        by_id = {hits[r].chunk_id: hits[r] for r in ranks}
        for chunk in chunks[first:last + 1]:
            hit = by_id.get(chunk.id)
            own = chunk_hit(chunk, hits[ranks[0]])
            passages.append(Passage(hit=replace(own, score=hit.score) if hit else own, stretch=s))
    return passages
