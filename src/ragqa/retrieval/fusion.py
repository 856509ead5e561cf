"""Score fusion: z-normalised BM25 and dense scores in one weighted sum, and neighbour smoothing inside a transcript."""
from __future__ import annotations

import numpy as np

LEXICAL_WEIGHT = 0.5  # BM25's share of the fusion, dense the rest (equal weights)
SPEAKER_BOOST = 1.0  # added (z units) to chunks of a speaker the question names
ENCODER_WEIGHT = 1.0  # the ranker encoder's z-scored cosine, where every candidate is in its language
SMOOTHING_REACH_WORDS = 130.0  # neighbours of one transcript this close share their scores (about a minute of talk)
SMOOTHING_HALF_WORDS = 50.0  # ... with a weight halving every this many words
SMOOTHING_SELF_WEIGHT = 2.0  # the chunk's own score's weight next to its neighbours'


def zscore(scores: np.ndarray) -> np.ndarray:
    """(s - mean) / std; zeros when the scores are constant."""
    s = np.asarray(scores, dtype=np.float64)
    sd = float(s.std()) if len(s) else 0.0
    return (s - s.mean()) / sd if sd > 0 else np.zeros_like(s)


def zscore_where(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """`zscore` over the entries where `ok` holds (the chunks a signal applies to); 0 elsewhere."""
    out = np.zeros(len(ok))
    out[ok] = zscore(np.asarray(values, dtype=np.float64)[ok])
    return out


def fuse(lexical: np.ndarray, dense: np.ndarray, lexical_ok: np.ndarray,
         lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """Weighted sum of z-normalised BM25 and dense scores. Where the chunk's language is not the
    question's (`lexical_ok` False), BM25 is noise and the dense score stands alone (language gate)."""
    d = zscore(dense)
    if not lexical_ok.any():
        return d
    b = zscore_where(lexical, lexical_ok)
    return np.where(lexical_ok, lexical_weight * b + (1 - lexical_weight) * d, d)


def smooth(scores: np.ndarray, words: np.ndarray, owner: np.ndarray, max_neighbours: int = 10) -> np.ndarray:
    """Add the scores of nearby chunks of the same transcript (chunks in source order), weighted by
    their distance in words: talk about a topic comes in stretches, so a chunk inside a relevant
    stretch outranks an isolated keyword hit."""
    centre = np.cumsum(words) - words / 2.0
    out = SMOOTHING_SELF_WEIGHT * scores
    for j in range(1, min(max_neighbours, len(scores) - 1) + 1):
        dist = centre[j:] - centre[:-j]
        near = (owner[j:] == owner[:-j]) & (dist <= SMOOTHING_REACH_WORDS)
        w = np.where(near, 0.5 ** (dist / SMOOTHING_HALF_WORDS), 0.0)
        out[j:] += w * scores[:-j]
        out[:-j] += w * scores[j:]
    return out
