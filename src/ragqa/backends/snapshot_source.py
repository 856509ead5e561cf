"""The local store's chunks as a `CandidateSource`: one snapshot (FAISS, the hashed BM25, the segment columns)
under one search's filters."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..lexical import FULL_SCORING_MAX, LexicalQuery
from ..snapshot import Snapshot, filter_mask
from ..types import Filters, Hit, TermCounts
from .base import ChunkInfo


class SnapshotSource:
    """`CandidateSource` over a snapshot; the filters' mask is computed once."""

    def __init__(self, snapshot: Snapshot, filters: Filters) -> None:
        self.snapshot = snapshot
        self._mask = filter_mask(snapshot, filters)

    @property
    def size(self) -> int:
        return self.snapshot.size

    @property
    def ranker_encoder(self) -> str | None:
        return self.snapshot.ranker_encoder if self.snapshot.ranker_vectors is not None else None

    def speakers(self) -> Sequence[str]:
        return list(self.snapshot.speaker_table)

    def filtered(self, limit: int) -> np.ndarray | None:
        if self._mask is None or int(self._mask.sum()) > limit:
            return None
        return np.flatnonzero(self._mask)

    def dense_top(self, query_vector: np.ndarray, n: int) -> np.ndarray:
        return self.snapshot.dense.search(query_vector, n, self._mask)

    def lexical_query(self, text: str, lang: str | None) -> LexicalQuery:
        return self.snapshot.lexical.query(text, lang)

    def lexical_top(self, query: LexicalQuery, n: int) -> np.ndarray:
        return self.snapshot.lexical.top(query, n, self._mask)

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.snapshot.vectors.scores(query_vector, rows), dtype=np.float64)

    def lexical_scores(self, query: LexicalQuery, rows: np.ndarray) -> np.ndarray:
        return self.snapshot.lexical.scores_of(query, rows).astype(np.float64)

    def term_counts(self, query: LexicalQuery, rows: np.ndarray) -> TermCounts:
        return self.snapshot.lexical.term_counts(query, rows)

    def transcript_lexical(self, query: LexicalQuery, rows: np.ndarray) -> np.ndarray | None:
        if self.snapshot.size > FULL_SCORING_MAX:  # it reads every posting of the query's terms
            return None
        s = self.snapshot
        return s.lexical.group_scores(query, s.transcript_codes, len(s.transcript_order))[
            s.transcript_codes[rows]].astype(np.float64)

    def encoder_cosines(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        vectors = self.snapshot.ranker_vectors
        if vectors is None:
            return np.zeros(len(rows))
        return vectors.scores(query_vector, rows).astype(np.float64)  # stored as 0 outside its language

    def chunks(self, rows: np.ndarray) -> ChunkInfo:
        s = self.snapshot
        return ChunkInfo(langs=s.langs_of(rows), speakers=s.speakers_of(rows), owner=s.transcript_codes[rows],
                         word_counts=s.word_counts[rows], turn_counts=s.turn_counts[rows])

    def hits(self, ranked: Sequence[tuple[int, float]]) -> list[Hit]:
        return [self._hit(row, score) for row, score in ranked]

    def _hit(self, row: int, score: float) -> Hit:
        chunk = self.snapshot.chunk(row)
        record = self.snapshot.manifest.transcripts[chunk["transcript_id"]]
        return Hit(chunk_id=chunk["id"], transcript_id=record.id, title=record.title, speaker=chunk["speaker"],
                   turns=list(chunk["turns"]), text=chunk["text"], score=float(score), date=record.date,
                   start=chunk["start"], end=chunk["end"])
