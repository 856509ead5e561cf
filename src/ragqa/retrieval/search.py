"""Search a local snapshot: gather the candidates, rank them, read the hits."""
from __future__ import annotations

from ..embedding import Embedder
from ..ranking.rank import rank_candidates
from ..settings import RetrievalSettings
from ..snapshot import Snapshot
from ..types import Filters, Hit
from .candidates import gather_candidates


def search(snapshot: Snapshot, embedder: Embedder, query: str, k: int, filters: Filters,
           settings: RetrievalSettings) -> list[Hit]:
    """The k best chunks of a local snapshot for `query` under `filters` (measured in docs/quality.md)."""
    if snapshot.size == 0 or k <= 0 or not query.strip():
        return []
    candidates = gather_candidates(snapshot, embedder, query, filters, settings)
    ranked = rank_candidates(candidates, query, k, filters.transcript is not None, settings)
    return [make_hit(snapshot, row, score) for row, score in ranked]


def make_hit(snapshot: Snapshot, row: int, score: float) -> Hit:
    chunk = snapshot.chunk(row)
    record = snapshot.manifest.transcripts[chunk["transcript_id"]]
    return Hit(
        chunk_id=chunk["id"], transcript_id=record.id, title=record.title, speaker=chunk["speaker"],
        turns=list(chunk["turns"]), text=chunk["text"], score=float(score), date=record.date,
        start=chunk["start"], end=chunk["end"],
    )
