"""What the ranking adds to gathered candidates from their store: the query terms' counts (the learned ranker,
inside one transcript) and the stored vectors' cosines with the question, where `gates` says they apply."""
from __future__ import annotations

from dataclasses import replace

from ..backends.base import CandidateSource
from ..embedding import Embedder
from ..embedding.ranker_encoder import load_ranker_encoder
from ..retrieval.candidates import Candidates, ClauseTerms
from ..settings import RetrievalSettings
from .gates import adapter_for, wants_adapter, wants_encoder


def with_ranker_signals(c: Candidates, source: CandidateSource, embedder: Embedder, one_transcript: bool,
                        settings: RetrievalSettings) -> Candidates:
    """`c` with the term counts of the question and of its clauses (inside one transcript, learned ranker, both
    sides on) and the ranker encoder's and query adapter's cosines where ranking uses them."""
    rows, terms, clauses, question = c.rows, None, None, c.question
    if (c.lexical_query is not None and c.query_vector is not None and one_transcript
            and settings.ranker == "learned"):
        terms = source.term_counts(c.lexical_query, rows)
        if question.clauses is not None:
            main, context = (source.term_counts(source.lexical_query(topic, question.lang), rows)
                             for topic in question.clauses)
            clauses = ClauseTerms(main=main, context=context)
    encoder_cosines = adapter_cosines = None
    stored = source.ranker_encoder
    if wants_encoder(stored, question.lang, c.langs, one_transcript, settings):
        encoder_cosines = source.encoder_cosines(load_ranker_encoder(str(stored)).encode_query(question.text), rows)
    adapter = adapter_for(embedder)
    if c.query_vector is not None and wants_adapter(adapter, question.lang, c.langs, one_transcript,
                                                    encoder_cosines is not None, settings):
        adapter_cosines = source.dense_scores(adapter.adapt(c.query_vector), rows)
    return replace(c, terms=terms, clauses=clauses, encoder_cosines=encoder_cosines, adapter_cosines=adapter_cosines)
