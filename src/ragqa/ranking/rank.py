"""One ranking of gathered candidates for every store: the learned passage ranker inside one transcript, the
fusion (with the speaker boost, neighbour smoothing or the transcript prior) elsewhere."""
from __future__ import annotations

import numpy as np

from ..retrieval.candidates import Candidates
from ..retrieval.fusion import ENCODER_WEIGHT, SPEAKER_BOOST, fuse, smooth, zscore
from ..retrieval.prior import PRIOR_LEXICAL_WEIGHT, PRIOR_WEIGHT, prior_top, transcript_prior
from ..settings import RetrievalSettings
from .features import adapter_features, encoder_features, passage_features
from .gates import encoder_language_ok, language_ok, named_speaker_mask
from .learned import PassageRanker, load_ranker, per_turn


def learned_features(c: Candidates) -> np.ndarray | None:
    """The passage ranker's features of the candidates (one transcript, both sides on, term counts known)."""
    if c.dense is None or c.lexical is None or c.terms is None or len(c.rows) == 0:
        return None
    named = named_speaker_mask(c.question.speakers, c.speakers)
    return passage_features(c.lexical, c.dense, named, c.word_counts, c.owner, c.terms,
                            language_ok(c.langs, c.question.lang), c.clauses)


def learned_scores(c: Candidates, ranker: PassageRanker) -> np.ndarray | None:
    """The learned ranker's scores of the candidates: with the ranker encoder's features where the candidates
    carry its cosines (some chunk in its language) and the ranker file has weights for them, plus the query
    adapter's feature where they carry its cosines too and the file has weights for it; else without."""
    features = learned_features(c)
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


def rank_candidates(c: Candidates, k: int, one_transcript: bool,
                    settings: RetrievalSettings) -> list[tuple[int, float]]:
    """The k best (row, score) among the candidates, best first (ties by row), same for every store.
    Inside one transcript with term counts known: the learned passage ranker (`ranking.learned`), its
    scores per cited turn (`per_turn`).
    Otherwise z-score fusion with a language gate (plus the ranker encoder's cosine where every candidate is
    in its language), a boost for speakers the question names, then neighbour smoothing inside one transcript
    (`one_transcript`) or a transcript prior across many."""
    rows = c.rows
    if len(rows) == 0:
        return []
    if one_transcript and settings.ranker == "learned":
        learned = learned_scores(c, load_ranker())
        if learned is not None:
            return _best(rows, per_turn(learned, c.turn_counts), k)
    ok = language_ok(c.langs, c.question.lang)
    if c.dense is not None and c.lexical is not None:
        scores = fuse(c.lexical.astype(np.float64), c.dense.astype(np.float64), ok)
        keep = None
    elif c.dense is not None:
        scores, keep = zscore(c.dense), None
    elif c.lexical is not None:
        keep = c.lexical > 0  # lexical-only search returns only chunks that share a term
        scores = zscore(c.lexical)
    else:
        return []
    if c.encoder_cosines is not None and encoder_language_ok(c.langs).all():
        # only where every candidate is in the encoder's language: else it would tilt an English question
        # towards English passages over the Italian or Russian ones the dense side found
        scores = scores + ENCODER_WEIGHT * zscore(c.encoder_cosines)
    speakers, owner, words, transcript_lexical = c.speakers, c.owner, c.word_counts, c.transcript_lexical
    if keep is not None and not keep.all():
        idx = np.flatnonzero(keep)
        rows, scores, owner, words, ok = rows[idx], scores[idx], owner[idx], words[idx], ok[idx]
        transcript_lexical = transcript_lexical[idx] if transcript_lexical is not None else None
        speakers = [speakers[i] for i in idx]
        if len(rows) == 0:
            return []
    scores = scores + SPEAKER_BOOST * named_speaker_mask(c.question.speakers, speakers)
    if one_transcript:
        scores = smooth(scores, words, owner)
    elif len(np.unique(owner)) > 1:
        scores = scores + transcript_prior(scores, owner, prior_top(ok), PRIOR_WEIGHT, transcript_lexical, ok,
                                           PRIOR_LEXICAL_WEIGHT)
    return _best(rows, scores, k)


def _best(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    best = np.lexsort((rows, -scores))[:k]
    return [(int(rows[i]), float(scores[i])) for i in best]
