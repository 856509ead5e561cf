"""What an index store does for `Index`: hold the committed generation, serve its chunks to a search as a
`CandidateSource`, and commit changes."""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import numpy as np

from ..changes import ChangePlan, PreparedBatch
from ..embedding import Embedder
from ..settings import Settings
from ..store.manifest import Manifest
from ..types import Filters, Hit, TermCounts, Turn
from .summaries import SummaryStore


@dataclass(frozen=True)
class ChunkInfo:
    """What ranking knows of candidate chunks besides their scores, aligned with the rows asked for."""

    langs: np.ndarray  # object array: each chunk's language code ("en", "ru", ...; None if unknown)
    speakers: list[str]
    owner: np.ndarray  # int per chunk: equal for chunks of one transcript, different otherwise
    word_counts: np.ndarray  # float64 words per chunk
    turn_counts: np.ndarray  # int turns each chunk cites (>= 1)


class CandidateSource(Protocol):
    """One search's view of a store: its live chunks, restricted to the search's filters where a method says so.

    A row is a store position (int64); rows increase in source order (a transcript's chunks are adjacent and in
    turn order). Methods that take `rows` get them sorted ascending and return arrays aligned with them.
    Lexical scores are BM25 with k1 = `lexical.K1`, b = `lexical.B` over the store's live chunks as documents:
    score = sum over the query's terms t of idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen)),
    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) (`lexical.bm25_idf`), N live chunks, df live chunks holding t,
    tf and len the term's count and the chunk's term count (stemmed, stopwords out), avglen their mean over N.
    The query's terms are `text` stemmed under every stemmer the store uses (a short question's language is
    uncertain), each distinct term once."""

    @property
    def size(self) -> int:
        """Live chunks in the store, filters not applied (BM25's N)."""

    @property
    def ranker_encoder(self) -> str | None:
        """The ranker encoder every live chunk stores a vector of (`embedding.ranker_encoder`), else None."""

    def speakers(self) -> Sequence[str]:
        """Every speaker of the store (to recognise the ones a question names)."""

    def filtered(self, limit: int) -> np.ndarray | None:
        """Every row passing the filters, ascending, when filters are set and at most `limit` rows pass; else None."""

    def dense_top(self, query_vector: np.ndarray, n: int) -> np.ndarray:
        """Rows of (about) the n largest inner products with `query_vector` (float32, the embedder's dim) among
        the rows passing the filters (approximate search allowed), any order."""

    def lexical_query(self, text: str, lang: str | None) -> Any:
        """`text`'s terms prepared for this store (`lang`: the question's language if known, for stopwords);
        passed back to `lexical_top`, `lexical_scores`, `term_counts` and `transcript_lexical`."""

    def lexical_top(self, query: Any, n: int) -> np.ndarray:
        """Rows of (about) the n best BM25 scores > 0 among the rows passing the filters, any order. A big store
        may leave its most common terms out of the selection (not out of `lexical_scores`)."""

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """float64 inner product of `query_vector` with each row's stored embedder vector."""

    def lexical_scores(self, query: Any, rows: np.ndarray) -> np.ndarray:
        """float64 exact BM25 of each row (0 where no term occurs)."""

    def term_counts(self, query: Any, rows: np.ndarray) -> TermCounts:
        """Per query term found in the store (any fixed order), its count in each row (terms x rows, float64)
        and its idf (the `bm25_idf` of the class docstring, float64)."""

    def transcript_lexical(self, query: Any, rows: np.ndarray) -> np.ndarray | None:
        """float64 BM25 of each row's transcript as one document: counts and lengths summed over its live chunks,
        N and df counted over transcripts, the same k1 and b. None where the store cannot afford it."""

    def encoder_cosines(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """float64 inner product of the ranker encoder's `query_vector` with each row's stored ranker vector
        (0 for a chunk without one: not in the encoder's language)."""

    def chunks(self, rows: np.ndarray) -> ChunkInfo:
        """What ranking needs to know of the rows besides their scores."""

    def hits(self, ranked: Sequence[tuple[int, float]]) -> list[Hit]:
        """The hits of (row, score) pairs, in that order."""


class IndexBackend(Protocol):
    """A store of one index. Readers see one committed generation at a time (`manifest`); `commit`
    replaces it in one atomic step (a crash mid-way leaves the previous generation)."""

    location: str  # where the index lives, for messages (a folder, or a database URL without password)
    summaries: SummaryStore  # stored summaries; `commit` drops those of the transcripts it replaces or removes

    @property
    def manifest(self) -> Manifest:
        """The generation this backend currently serves."""

    @property
    def size(self) -> int:
        """Number of live chunks in that generation."""

    @property
    def ranker_encoder(self) -> str | None:
        """The passage ranker's encoder every live chunk has a vector of (None: not every chunk has one)."""

    def candidates(self, filters: Filters) -> AbstractContextManager[CandidateSource]:
        """The committed generation's chunks for one search under `filters` (one consistent read while held)."""

    def turns(self, transcript_id: str) -> list[Turn]:
        """All turns of an indexed transcript, in source order."""

    def reload(self) -> bool:
        """Switch to the newest committed generation if another process committed one; True if it did."""

    def write_lock(self) -> AbstractContextManager[None]:
        """Held while a writer reads the committed state, plans and commits (one writer at a time)."""

    def committed(self, repair: bool = False) -> Manifest | None:
        """The committed manifest as stored now (None for a new, empty store). With `repair`, transcripts
        whose stored data is damaged are marked changed so that the next commit re-embeds them."""

    def commit(self, plan: ChangePlan, batch: PreparedBatch | None, settings: Settings,
               embedder: Embedder) -> None:
        """Apply `plan` (drop `plan.removed`, add `batch`'s chunks for `plan.incoming`) as one new
        generation and start serving it. Caller holds `write_lock`."""

    def tidy(self) -> None:
        """Remove what interrupted writes left behind. Caller holds `write_lock`."""

    def diagnose(self) -> list[str]:
        """What is wrong with the stored data (empty when nothing is)."""
