"""The transcript prior: across transcripts, prefer chunks of transcripts that match the question as a whole."""
from __future__ import annotations

import numpy as np

from .fusion import zscore, zscore_where

PRIOR_WEIGHT = 0.5  # search's weight of the transcript's best candidates' summed score, z-normalised across transcripts
PRIOR_TOP = 10  # ... that many of them
PRIOR_TOP_OTHER_LANGUAGE = 2  # ... when no candidate is in the question's language (dense scores alone)
PRIOR_LEXICAL_WEIGHT = 0.5  # the BM25 of the whole transcript as one document, z-normalised


def prior_top(lexical_ok: np.ndarray) -> int:
    """How many of a transcript's best candidates its prior sums: PRIOR_TOP, or PRIOR_TOP_OTHER_LANGUAGE when no
    candidate is in the question's language (`lexical_ok` all False): with BM25 gated off a transcript's many
    middling dense scores say little, and summing ten of them favours long transcripts."""
    return PRIOR_TOP if lexical_ok.any() else PRIOR_TOP_OTHER_LANGUAGE


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
