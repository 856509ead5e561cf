"""Search, the same for every store: gather the candidates from the store's `CandidateSource`, add what the
ranking needs, rank them, read the hits."""
from __future__ import annotations

from ..backends.base import CandidateSource, IndexBackend
from ..embedding import Embedder
from ..retrieval.candidates import Candidates, gather_candidates
from ..settings import RetrievalSettings
from ..types import Filters, Hit
from .rank import rank_candidates
from .signals import with_ranker_signals


def candidates_for(source: CandidateSource, embedder: Embedder, query: str, one_transcript: bool,
                   settings: RetrievalSettings) -> Candidates:
    """The candidates of `query` with everything ranking uses (`gather_candidates` + `with_ranker_signals`)."""
    c = gather_candidates(source, embedder, query, one_transcript, settings)
    return with_ranker_signals(c, source, embedder, one_transcript, settings)


def search(backend: IndexBackend, embedder: Embedder, query: str, k: int, filters: Filters,
           settings: RetrievalSettings) -> list[Hit]:
    """The k best chunks of the store for `query` under `filters` (measured in docs/quality.md)."""
    if k <= 0 or not query.strip():
        return []
    one_transcript = filters.transcript is not None
    with backend.candidates(filters) as source:
        if source.size == 0:
            return []
        c = candidates_for(source, embedder, query, one_transcript, settings)
        return source.hits(rank_candidates(c, k, one_transcript, settings))
