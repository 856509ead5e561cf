"""The candidate chunks of a question: dense and BM25 top-n under the filters (or every chunk a filter leaves
when that is few), with what ranking needs to know of each."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backends.base import CandidateSource
from ..embedding import Embedder
from ..query_analysis import Question, analyse
from ..settings import RetrievalSettings
from ..types import TermCounts

ALL_ROWS_MAX = 20_000  # a filter that keeps this few chunks scores all of them (no candidate cut)


@dataclass(frozen=True)
class ClauseTerms:
    """The term counts of a question's main and of its context clause (`Question.clauses`)."""

    main: TermCounts
    context: TermCounts


@dataclass(frozen=True)
class Candidates:
    """Chunks that may answer a query and what ranking needs to know of each. `rows` are the store's
    chunk positions, increasing in source order (a transcript's chunks are adjacent and in order)."""

    question: Question  # the reading of the question against the store's speakers
    rows: np.ndarray
    dense: np.ndarray | None  # inner product with the query vector (None: dense side off)
    lexical: np.ndarray | None  # BM25, 0 where no term matches (None: lexical side off)
    langs: np.ndarray  # object array: language of each chunk (None if unknown)
    speakers: list[str]
    owner: np.ndarray  # int code of each chunk's transcript
    word_counts: np.ndarray  # float64 words per chunk
    turn_counts: np.ndarray  # turns each chunk cites
    transcript_lexical: np.ndarray | None = None  # BM25 of each chunk's transcript as one document
    query_vector: np.ndarray | None = None  # the embedder's vector of the question (dense side on)
    lexical_query: Any = None  # the store's prepared terms of the question's topic (lexical side on)
    terms: TermCounts | None = None  # the query terms' counts per chunk (`ranking.signals`, learned ranker)
    clauses: ClauseTerms | None = None  # ... of its main and context clauses, when it has a context clause
    encoder_cosines: np.ndarray | None = None  # the ranker encoder's cosine with the question when ranking
    # uses it (`ranking.gates.wants_encoder`); 0 for chunks not in its language
    adapter_cosines: np.ndarray | None = None  # the adapted question's cosine with each chunk's own vector
    # (`embedding.query_adapter`) when ranking uses it (`ranking.gates.wants_adapter`)


def gather_candidates(source: CandidateSource, embedder: Embedder, query: str, one_transcript: bool,
                      settings: RetrievalSettings) -> Candidates:
    """The chunks of `source` (a store under one search's filters) that may answer `query`: the union of the
    dense and BM25 top `settings.candidates` (question framing words and named speakers' names out of the BM25
    query), or every chunk the filters leave when that is at most ALL_ROWS_MAX; with their scores and, across
    transcripts (not `one_transcript`), each one's transcript BM25."""
    question = analyse(query, source.speakers())
    use_dense = settings.mode in ("hybrid", "dense")
    use_lexical = settings.mode in ("hybrid", "lexical")
    qv = embedder.embed_queries([query])[0] if use_dense else None
    lexical = source.lexical_query(question.topic, question.lang) if use_lexical else None
    rows = source.filtered(ALL_ROWS_MAX)
    if rows is None:
        parts = []
        if qv is not None:
            parts.append(source.dense_top(qv, settings.candidates))
        if lexical is not None:
            parts.append(source.lexical_top(lexical, settings.candidates))
        rows = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    info = source.chunks(rows)
    transcript_lexical = None
    if lexical is not None and not one_transcript:
        transcript_lexical = source.transcript_lexical(lexical, rows)
    return Candidates(
        question=question, rows=rows, dense=source.dense_scores(qv, rows) if qv is not None else None,
        lexical=source.lexical_scores(lexical, rows) if lexical is not None else None,
        langs=info.langs, speakers=info.speakers, owner=info.owner, word_counts=info.word_counts,
        turn_counts=info.turn_counts, transcript_lexical=transcript_lexical, query_vector=qv, lexical_query=lexical)
