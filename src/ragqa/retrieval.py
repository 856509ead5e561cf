"""Hybrid search over a snapshot: dense (FAISS) + BM25, fused by rank, with exact metadata filters."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .settings import RetrievalSettings
from .snapshot import Snapshot
from .types import Hit


@dataclass(frozen=True)
class Filters:
    """Exact, case-insensitive metadata filters; dates are ISO strings compared as such."""

    speaker: str | None = None
    transcript: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.speaker, self.transcript, self.date_from, self.date_to))


def filter_mask(snapshot: Snapshot, filters: Filters) -> np.ndarray | None:
    """Boolean mask of chunks passing the filters, or None when no filter is set."""
    if not filters.active():
        return None
    mask = np.ones(snapshot.size, dtype=bool)
    if filters.speaker is not None:
        mask &= snapshot.speaker_keys == filters.speaker.strip().casefold()
    allowed = []
    for i, tid in enumerate(snapshot.transcript_order):
        record = snapshot.manifest.transcripts[tid]
        if filters.transcript is not None and tid.casefold() != filters.transcript.strip().casefold():
            continue
        if filters.date_from is not None and (record.date is None or record.date < filters.date_from):
            continue
        if filters.date_to is not None and (record.date is None or record.date[:len(filters.date_to)] > filters.date_to):
            continue
        allowed.append(i)
    if filters.transcript is not None or filters.date_from is not None or filters.date_to is not None:
        mask &= np.isin(snapshot.transcript_codes, np.asarray(allowed, dtype=np.int32))
    return mask


def _top(scores: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n best scores, best first; ties broken by row (stable, deterministic)."""
    if len(rows) == 0:
        return rows
    n = min(n, len(rows))
    part = np.argpartition(-scores, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
    order = np.lexsort((rows[part], -scores[part]))
    return rows[part][order]


def dense_candidates(snapshot: Snapshot, query_vector: np.ndarray, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Best chunk rows by inner product with the query (exact or HNSW, see `ragqa.dense_index`)."""
    return snapshot.dense.search(query_vector, n, mask)


def lexical_candidates(scores: np.ndarray, mask: np.ndarray | None, n: int) -> np.ndarray:
    rows = np.flatnonzero(scores > 0) if mask is None else np.flatnonzero((scores > 0) & mask)
    return _top(scores[rows], rows, n)


def search(snapshot: Snapshot, embedder: Embedder, query: str, k: int, filters: Filters,
           settings: RetrievalSettings) -> list[Hit]:
    """The k best chunks for `query` under `filters`, fused by reciprocal rank."""
    if snapshot.size == 0 or k <= 0 or not query.strip():
        return []
    mask = filter_mask(snapshot, filters)
    fused: dict[int, float] = {}
    if settings.mode in ("hybrid", "dense"):
        qv = embedder.embed_queries([query])[0]
        for rank, row in enumerate(dense_candidates(snapshot, qv, mask, settings.candidates)):
            fused[int(row)] = fused.get(int(row), 0.0) + settings.dense_weight / (settings.rrf_k + rank + 1)
    if settings.mode in ("hybrid", "lexical"):
        scores = snapshot.lexical.scores(query)
        for rank, row in enumerate(lexical_candidates(scores, mask, settings.candidates)):
            fused[int(row)] = fused.get(int(row), 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [make_hit(snapshot, row, score) for row, score in best]


def make_hit(snapshot: Snapshot, row: int, score: float) -> Hit:
    record = snapshot.manifest.transcripts[snapshot.transcript_ids[row]]
    return Hit(
        chunk_id=snapshot.chunk_ids[row], transcript_id=record.id, title=record.title,
        speaker=snapshot.speakers[row], turns=list(snapshot.turns[row]), text=snapshot.texts[row],
        score=float(score), date=record.date, start=snapshot.starts[row], end=snapshot.ends[row],
    )
