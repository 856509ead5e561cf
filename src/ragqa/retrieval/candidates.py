"""The candidate chunks of a question: dense and BM25 top-n under the filters (or every chunk a filter leaves
when that is few), with what ranking needs to know of each."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embedding import Embedder
from ..embedding.ranker_encoder import load_ranker_encoder
from ..language import query_language
from ..lexical import FULL_SCORING_MAX
from ..query_analysis import clause_topics, speakers_named, topic_text, without_speakers
from ..ranking.gates import adapter_for, wants_adapter, wants_encoder
from ..settings import RetrievalSettings
from ..snapshot import Snapshot, filter_mask
from ..types import Filters, TermCounts

ALL_ROWS_MAX = 20_000  # a filter that keeps this few chunks scores all of them (no candidate cut)


@dataclass(frozen=True)
class ClauseTerms:
    """The term counts of a question's main and of its context clause (`query_analysis.context_clause`)."""

    main: TermCounts
    context: TermCounts


@dataclass(frozen=True)
class Candidates:
    """Chunks that may answer a query and what ranking needs to know of each. `rows` are the store's
    chunk positions, increasing in source order (a transcript's chunks are adjacent and in order)."""

    rows: np.ndarray
    dense: np.ndarray | None  # inner product with the query vector (None: dense side off)
    lexical: np.ndarray | None  # lexical score, 0 where no term matches (None: lexical side off)
    langs: np.ndarray  # object array: language of each chunk (None if unknown)
    speakers: list[str]
    owner: np.ndarray  # int code of each chunk's transcript
    word_counts: np.ndarray  # float64 words per chunk
    turn_counts: np.ndarray  # turns each chunk cites
    transcript_lexical: np.ndarray | None = None  # BM25 of each chunk's transcript as one document
    terms: TermCounts | None = None  # the query terms' counts per chunk (one transcript, learned ranker)
    clauses: ClauseTerms | None = None  # ... of its main and context clauses, when it has a context clause
    encoder_cosines: np.ndarray | None = None  # the ranker encoder's cosine with the question when ranking
    # uses it (`wants_encoder`); 0 for chunks not in its language (`encoder_language_ok` False)
    adapter_cosines: np.ndarray | None = None  # the adapted question's cosine with each chunk's own vector
    # (`embedding.query_adapter`) when ranking uses it (`wants_adapter`)


def gather_candidates(snapshot: Snapshot, embedder: Embedder, query: str, filters: Filters,
                      settings: RetrievalSettings) -> Candidates:
    """The chunks of a local (FAISS + segment files) snapshot that may answer `query` under `filters`, with
    what ranking needs: BM25 (question framing words dropped) and dense candidates, or every chunk a
    filter leaves when that is few."""
    mask = filter_mask(snapshot, filters)
    lang = query_language(query)
    use_dense = settings.mode in ("hybrid", "dense")
    use_lexical = settings.mode in ("hybrid", "lexical")
    qv = embedder.embed_queries([query])[0] if use_dense else None
    topic = topic_text(query, lang)
    named = speakers_named(query, list(snapshot.speaker_table)) if settings.speaker_boost else set()
    topic = without_speakers(topic, named)  # the boost, not the "Speaker:" labels in the chunk text, handles them
    lexical = snapshot.lexical.query(topic, lang) if use_lexical else None
    if mask is not None and int(mask.sum()) <= ALL_ROWS_MAX:
        rows = np.flatnonzero(mask)
    else:
        parts = []
        if qv is not None:
            parts.append(snapshot.dense.search(qv, settings.candidates, mask))
        if lexical is not None:
            parts.append(snapshot.lexical.top(lexical, settings.candidates, mask))
        rows = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    owner = snapshot.transcript_codes[rows]
    transcript_lexical = None
    if (lexical is not None and filters.transcript is None and settings.transcript_lexical_weight
            and snapshot.size <= FULL_SCORING_MAX):  # it reads every posting of the query's terms
        transcript_lexical = snapshot.lexical.group_scores(lexical, snapshot.transcript_codes,
                                                           len(snapshot.transcript_order))[owner]
    terms = clauses = None
    if lexical is not None and qv is not None and filters.transcript is not None and settings.ranker == "learned":
        terms = snapshot.lexical.term_counts(lexical, rows)
        topics = clause_topics(query, lang, named)
        if topics is not None:
            main, context = (snapshot.lexical.term_counts(snapshot.lexical.query(t, lang), rows) for t in topics)
            clauses = ClauseTerms(main=main, context=context)
    langs = snapshot.langs_of(rows)
    encoder_cosines = None
    stored, vectors = snapshot.ranker_encoder, snapshot.ranker_vectors
    if vectors is not None and wants_encoder(stored, query, langs, filters.transcript is not None, settings):
        query_vector = load_ranker_encoder(str(stored)).encode_query(query)
        encoder_cosines = vectors.scores(query_vector, rows).astype(np.float64)  # stored as 0 outside its language
    adapter, adapter_cosines = adapter_for(embedder, settings), None
    if qv is not None and wants_adapter(adapter, query, langs, filters.transcript is not None,
                                        encoder_cosines is not None, settings):
        adapter_cosines = snapshot.vectors.scores(adapter.adapt(qv), rows).astype(np.float64)
    return Candidates(
        rows=rows,
        dense=np.asarray(snapshot.vectors.scores(qv, rows), dtype=np.float64) if qv is not None else None,
        lexical=snapshot.lexical.scores_of(lexical, rows).astype(np.float64) if lexical is not None else None,
        langs=langs, speakers=snapshot.speakers_of(rows),
        owner=owner, word_counts=snapshot.word_counts[rows], turn_counts=snapshot.turn_counts[rows],
        transcript_lexical=transcript_lexical, terms=terms, clauses=clauses, encoder_cosines=encoder_cosines,
        adapter_cosines=adapter_cosines)
