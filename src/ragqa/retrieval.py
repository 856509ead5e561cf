"""Hybrid search over a snapshot: dense (FAISS) + BM25 candidates, ranked by a learned passage ranker inside
one transcript and by z-score fusion with a transcript prior across many, with exact metadata filters."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .embedding.query_adapter import QueryAdapter, query_adapter_for
from .embedding.ranker_encoder import applies_to, load_ranker_encoder
from .language import query_language
from .lexical import FULL_SCORING_MAX
from .passage_features import (ClauseTerms, TermCounts, adapter_features, encoder_features, passage_features, zscore,
                               zscore_where)
from .passage_ranker import PassageRanker, load_ranker, per_turn
from .query_analysis import clause_topics, speakers_named, topic_text, without_speakers
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
        mask &= snapshot.speaker_mask(filters.speaker)
    if filters.transcript is None and filters.date_from is None and filters.date_to is None:
        return mask
    allowed = np.ones(len(snapshot.transcript_order), dtype=bool)  # per transcript, in transcript_order
    if filters.transcript is not None:
        allowed &= snapshot.transcript_keys == filters.transcript.strip().casefold()
    dates = snapshot.transcript_dates  # "" where unknown: an unknown date never passes a date filter
    if filters.date_from is not None:
        allowed &= (dates != "") & (dates >= filters.date_from)
    if filters.date_to is not None:  # a prefix compares as its whole period: date_to "2025-10" keeps October
        allowed &= (dates != "") & (dates.astype(f"<U{len(filters.date_to)}") <= filters.date_to)
    mask &= allowed[snapshot.transcript_codes]
    return mask


def dense_candidates(snapshot: Snapshot, query_vector: np.ndarray, mask: np.ndarray | None, n: int) -> np.ndarray:
    """Best chunk rows by inner product with the query (exact or HNSW, see `ragqa.dense_index`)."""
    return snapshot.dense.search(query_vector, n, mask)


def fuse(lexical: np.ndarray, dense: np.ndarray, lexical_weight: float, lexical_ok: np.ndarray) -> np.ndarray:
    """Weighted sum of z-normalised BM25 and dense scores. Where the chunk's language is not the
    question's (`lexical_ok` False), BM25 is noise and the dense score stands alone (language gate)."""
    d = zscore(dense)
    if not lexical_ok.any():
        return d
    b = zscore_where(lexical, lexical_ok)
    return np.where(lexical_ok, lexical_weight * b + (1 - lexical_weight) * d, d)


def smooth(scores: np.ndarray, words: np.ndarray, owner: np.ndarray, settings: RetrievalSettings,
           max_neighbours: int = 10) -> np.ndarray:
    """Add the scores of nearby chunks of the same transcript (chunks in source order), weighted by
    their distance in words: talk about a topic comes in stretches, so a chunk inside a relevant
    stretch outranks an isolated keyword hit."""
    centre = np.cumsum(words) - words / 2.0
    out = settings.smoothing_self_weight * scores
    for j in range(1, min(max_neighbours, len(scores) - 1) + 1):
        dist = centre[j:] - centre[:-j]
        near = (owner[j:] == owner[:-j]) & (dist <= settings.smoothing_reach_words)
        w = np.where(near, 0.5 ** (dist / settings.smoothing_half_words), 0.0)
        out[j:] += w * scores[:-j]
        out[:-j] += w * scores[j:]
    return out


def transcript_prior(scores: np.ndarray, owner: np.ndarray, top: int, weight: float = 1.0,
                     lexical: np.ndarray | None = None, lexical_ok: np.ndarray | None = None,
                     lexical_weight: float = 0.0) -> np.ndarray:
    """Per candidate: how well its transcript matches as a whole: `weight` times the sum of the
    transcript's `top` best candidate scores, z-normalised across transcripts, plus `lexical_weight` times
    the z-normalised BM25 of the transcript as one document (`lexical`, per candidate; only transcripts
    in the question's language, `lexical_ok`, take part: the language gate)."""
    codes, local = np.unique(owner, return_inverse=True)
    order = np.lexsort((-scores, local))
    grouped = local[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = rank < top
    totals = np.bincount(grouped[keep], weights=scores[order][keep], minlength=len(codes))
    prior = weight * zscore(totals)
    if lexical is not None and lexical_weight:
        ok = np.ones(len(scores), dtype=bool) if lexical_ok is None else lexical_ok
        per_transcript = np.zeros(len(codes))
        per_transcript[local[ok]] = lexical[ok]
        ok_transcripts = np.zeros(len(codes), dtype=bool)
        ok_transcripts[local[ok]] = True
        if ok_transcripts.any():
            prior = prior + lexical_weight * zscore_where(per_transcript, ok_transcripts)
    return prior[local]


ALL_ROWS_MAX = 20_000  # a filter that keeps this few chunks scores all of them (no candidate cut)


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


def language_ok(c: Candidates, query: str) -> np.ndarray:
    """Chunks whose language is the question's (or unknown, or the question's is): BM25 counts there."""
    lang = query_language(query)
    return np.ones(len(c.rows), dtype=bool) if lang is None else np.array([lg in (None, lang) for lg in c.langs])


def encoder_language_ok(langs: np.ndarray) -> np.ndarray:
    """Chunks in the ranker encoder's language (or of unknown language): its cosine means something there."""
    return np.fromiter((applies_to(lg) for lg in langs), dtype=bool, count=len(langs))


def wants_english_signal(query: str, langs: np.ndarray, one_transcript: bool, fusion_weight: float,
                         settings: RetrievalSettings) -> bool:
    """Whether `rank_candidates` will use a signal trained on English questions and talk (the ranker encoder's
    or the query adapter's cosines) for candidates of languages `langs`: the question is English, and the
    learned ranker inside a transcript (`one_transcript`) has an English chunk, or the fusion gives the signal
    `fusion_weight` and every candidate is English. Else the question is not encoded for it."""
    if not applies_to(query_language(query)):
        return False
    ok = encoder_language_ok(langs)
    if one_transcript and settings.ranker == "learned" and ok.any():
        return True
    return bool(fusion_weight) and bool(ok.all())


def wants_encoder(stored: str | None, query: str, langs: np.ndarray, one_transcript: bool,
                  settings: RetrievalSettings) -> bool:
    """Whether ranking will use the cosines of the ranker encoder whose vectors the index stores (`stored`):
    the settings name it and `wants_english_signal` holds for its fusion weight."""
    return (stored is not None and settings.ranker_encoder == stored
            and wants_english_signal(query, langs, one_transcript, settings.encoder_weight, settings))


def adapter_for(embedder: Embedder, settings: RetrievalSettings) -> QueryAdapter | None:
    """The bundled query adapter of the index's embedder when the settings use one (e5-small has one)."""
    return query_adapter_for(embedder.model_id) if settings.query_adapter else None


def wants_adapter(adapter: QueryAdapter | None, query: str, langs: np.ndarray, one_transcript: bool,
                  with_encoder: bool, settings: RetrievalSettings) -> bool:
    """Whether ranking will use the query adapter's cosines: `wants_english_signal` for its fusion weight, where
    inside a transcript the learned ranker weighs them only next to the ranker encoder's (`with_encoder`)."""
    return adapter is not None and wants_english_signal(query, langs, one_transcript and with_encoder,
                                                        settings.adapter_weight, settings)


def named_speaker_mask(query: str, speakers: list[str]) -> np.ndarray:
    """1.0 for chunks of a speaker the question names ("What did the Marketing expert say..."), else 0."""
    named = speakers_named(query, sorted(set(speakers)))
    return np.fromiter((s in named for s in speakers), dtype=float, count=len(speakers))


def learned_features(c: Candidates, query: str) -> np.ndarray | None:
    """The passage ranker's features of the candidates (one transcript, both sides on, term counts known)."""
    if c.dense is None or c.lexical is None or c.terms is None or len(c.rows) == 0:
        return None
    return passage_features(c.lexical, c.dense, named_speaker_mask(query, c.speakers), c.word_counts, c.owner,
                            c.terms, language_ok(c, query), c.clauses)


def learned_scores(c: Candidates, query: str, ranker: PassageRanker) -> np.ndarray | None:
    """The learned ranker's scores of the candidates: with the ranker encoder's features where the candidates
    carry its cosines (some chunk in its language) and the ranker file has weights for them, plus the query
    adapter's feature where they carry its cosines too and the file has weights for it; else without."""
    features = learned_features(c, query)
    if features is None:
        return None
    if c.encoder_cosines is not None and ranker.with_encoder is not None:
        ok = encoder_language_ok(c.langs)
        if ok.any():
            extra = encoder_features(c.encoder_cosines, c.word_counts, c.owner, ok)
            if c.adapter_cosines is not None and ranker.with_adapter is not None:
                adapted = adapter_features(c.adapter_cosines, ok)
                return ranker.with_adapter.score(np.hstack([features, extra, adapted]))
            return ranker.with_encoder.score(np.hstack([features, extra]))
    return ranker.score(features)


def rank_candidates(c: Candidates, query: str, k: int, one_transcript: bool,
                    settings: RetrievalSettings) -> list[tuple[int, float]]:
    """The k best (row, score) among the candidates, best first (ties by row), same for every store.
    Inside one transcript with term counts known: the learned passage ranker (`ragqa.passage_ranker`), its
    scores per cited turn (`per_turn`, unless `settings.per_turn` is off).
    Otherwise z-score fusion with a language gate (plus the ranker encoder's and the query adapter's cosines
    where every candidate is in their language), a boost for speakers the question names, then neighbour
    smoothing inside one transcript (`one_transcript`) or a transcript prior across many."""
    rows = c.rows
    if len(rows) == 0:
        return []
    if one_transcript and settings.ranker == "learned":
        learned = learned_scores(c, query, load_ranker(settings.ranker_weights))
        if learned is not None:
            return _best(rows, per_turn(learned, c.turn_counts) if settings.per_turn else learned, k)
    ok = language_ok(c, query)
    if c.dense is not None and c.lexical is not None:
        scores = fuse(c.lexical.astype(np.float64), c.dense.astype(np.float64), settings.lexical_weight, ok)
        keep = None
    elif c.dense is not None:
        scores, keep = zscore(c.dense), None
    elif c.lexical is not None:
        keep = c.lexical > 0  # lexical-only search returns only chunks that share a term
        scores = zscore(c.lexical)
    else:
        return []
    if settings.encoder_weight and c.encoder_cosines is not None and encoder_language_ok(c.langs).all():
        # only where every candidate is in the encoder's language: else it would tilt an English question
        # towards English passages over the Italian or Russian ones the dense side found
        scores = scores + settings.encoder_weight * zscore(c.encoder_cosines)
    if settings.adapter_weight and c.adapter_cosines is not None and encoder_language_ok(c.langs).all():
        scores = scores + settings.adapter_weight * zscore(c.adapter_cosines)  # the same gate
    speakers, owner, words, transcript_lexical = c.speakers, c.owner, c.word_counts, c.transcript_lexical
    if keep is not None and not keep.all():
        idx = np.flatnonzero(keep)
        rows, scores, owner, words, ok = rows[idx], scores[idx], owner[idx], words[idx], ok[idx]
        transcript_lexical = transcript_lexical[idx] if transcript_lexical is not None else None
        speakers = [speakers[i] for i in idx]
        if len(rows) == 0:
            return []
    if settings.speaker_boost:
        scores = scores + settings.speaker_boost * named_speaker_mask(query, speakers)
    if one_transcript:
        scores = smooth(scores, words, owner, settings)
    elif (settings.transcript_prior_weight or settings.transcript_lexical_weight) and len(np.unique(owner)) > 1:
        scores = scores + transcript_prior(scores, owner, settings.transcript_prior_top,
                                           settings.transcript_prior_weight, transcript_lexical, ok,
                                           settings.transcript_lexical_weight)
    return _best(rows, scores, k)


def _best(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    best = np.lexsort((rows, -scores))[:k]
    return [(int(rows[i]), float(scores[i])) for i in best]


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
            parts.append(dense_candidates(snapshot, qv, mask, settings.candidates))
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
