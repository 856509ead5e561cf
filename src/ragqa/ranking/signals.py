"""What the ranking adds to gathered candidates from their store: the query terms' counts (the learned ranker,
inside one transcript) and the stored vectors' cosines with the question, where `gates` says they apply."""
from __future__ import annotations

from dataclasses import replace

from ..backends.base import CandidateSource
from ..embedding import Embedder
from ..embedding.ranker_encoder import load_ranker_encoder
from ..language import query_language
from ..query_analysis import clause_topics
from ..retrieval.candidates import Candidates, ClauseTerms
from ..settings import RetrievalSettings
from .gates import adapter_for, wants_adapter, wants_encoder


def with_ranker_signals(c: Candidates, source: CandidateSource, embedder: Embedder, query: str,
                        one_transcript: bool, settings: RetrievalSettings) -> Candidates:
    """`c` with the term counts of the question and of its clauses (inside one transcript, learned ranker, both
    sides on) and the ranker encoder's and query adapter's cosines where ranking uses them."""
    rows, terms, clauses = c.rows, None, None
    if (c.lexical_query is not None and c.query_vector is not None and one_transcript
            and settings.ranker == "learned"):
        lang = query_language(query)
        terms = source.term_counts(c.lexical_query, rows)
        topics = clause_topics(query, lang, set(c.named))
        if topics is not None:
            main, context = (source.term_counts(source.lexical_query(t, lang), rows) for t in topics)
            clauses = ClauseTerms(main=main, context=context)
    encoder_cosines = adapter_cosines = None
    stored = source.ranker_encoder
    if wants_encoder(stored, query, c.langs, one_transcript, settings):
        encoder_cosines = source.encoder_cosines(load_ranker_encoder(str(stored)).encode_query(query), rows)
    adapter = adapter_for(embedder)
    if c.query_vector is not None and wants_adapter(adapter, query, c.langs, one_transcript,
                                                    encoder_cosines is not None, settings):
        adapter_cosines = source.dense_scores(adapter.adapt(c.query_vector), rows)
    return replace(c, terms=terms, clauses=clauses, encoder_cosines=encoder_cosines, adapter_cosines=adapter_cosines)
