"""Features of candidate chunks for the learned passage ranker (`ranking.learned`, docs/quality.md).

Each chunk is described by its own match (BM25, dense, the share of the question's terms it holds, a
named speaker, its length) and by the match of the talk around it: windows of 100, 300 and 1,000 words
centred on the chunk, within its transcript (talk about a topic comes in stretches, and the stretch
that discusses it at length is what a question about it is after), and by the match of the 300 words
before it alone (a topic is raised, by a question or an agenda item, and what is said about it comes
after). A question with a
context clause ("... when discussing the budget") adds the main clause's match of the chunk and its ±100-word window,
and the context clause's match of the ±300/±1,000-word windows (zeros for other questions).
Where the index stores the ranker encoder's passage vectors (`embedding.ranker_encoder`: MiniLM fine-tuned on
QMSum train, English), three more: its cosine with the question and that cosine's mean over the ±100 and
±300-word windows (`encoder_features`). Where the index's embedder has a query
adapter (`embedding.query_adapter`, e5-small), one more: the adapted question's cosine with the chunk's own vector
(`adapter_features`).
"""
from __future__ import annotations

import numpy as np

from ..lexical import bm25, length_norm
from ..retrieval.candidates import ClauseTerms
from ..retrieval.fusion import zscore, zscore_where
from ..types import TermCounts

WINDOW_WORDS = (100, 300, 1000)  # half-widths: the window holds chunks whose centres are this close
PRECEDING_WINDOW_WORDS = (300,)  # the talk just before the chunk
MAIN_WINDOW_WORDS = (100,)  # the main clause of a question with a context clause: the chunk and these windows
CONTEXT_WINDOW_WORDS = (300, 1000)  # ... its context clause: these windows
FEATURE_NAMES = ("lexical", "dense", "speaker", "log_words", "coverage") + tuple(
    f"{name}_{r}" for r in WINDOW_WORDS for name in ("dense_window", "bm25_window", "coverage_window",
                                                      "speaker_window")) + tuple(
    f"bm25_preceding_{r}" for r in PRECEDING_WINDOW_WORDS) + (
    "lexical_main", "coverage_main") + tuple(
    f"{name}_{r}_main" for r in MAIN_WINDOW_WORDS for name in ("bm25_window", "coverage_window")) + tuple(
    f"{name}_{r}_context" for r in CONTEXT_WINDOW_WORDS for name in ("bm25_window", "coverage_window"))
ENCODER_WINDOW_WORDS = (100, 300)  # the ranker encoder's cosine is also averaged over these windows
ENCODER_FEATURE_NAMES = ("encoder",) + tuple(f"encoder_window_{r}" for r in ENCODER_WINDOW_WORDS)
ADAPTER_FEATURE_NAMES = ("adapter",)  # the query adapter's cosine (`embedding.query_adapter`)
N_CLAUSE_FEATURES = 2 + 2 * len(MAIN_WINDOW_WORDS) + 2 * len(CONTEXT_WINDOW_WORDS)
ALL_REACHES = sorted({*WINDOW_WORDS, *PRECEDING_WINDOW_WORDS, *MAIN_WINDOW_WORDS, *CONTEXT_WINDOW_WORDS})
Bounds = dict[int, tuple[np.ndarray, np.ndarray]]  # reach -> `window_bounds` (computed once per query)


def window_bounds(words: np.ndarray, owner: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """For each chunk, the [lo, hi) range of chunks of the same transcript whose centres lie within
    `reach` words of its centre. Chunks are in source order and a transcript's chunks are adjacent."""
    centre = np.cumsum(words) - words / 2.0
    lo = np.searchsorted(centre, centre - reach, "left")
    hi = np.searchsorted(centre, centre + reach, "right")
    first = np.r_[True, owner[1:] != owner[:-1]]  # a transcript's first chunk
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    ends = np.r_[starts[1:], len(owner)]
    return np.maximum(lo, starts[group]), np.minimum(hi, ends[group])


def prefix_sums(values: np.ndarray) -> np.ndarray:
    """Running sums of `values` along the last axis, with a leading 0 (for `between`)."""
    return np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(values, axis=-1)], axis=-1)


def between(prefix: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sums over each [lo, hi) range from `prefix_sums` (computed once, used for every window size)."""
    return prefix[..., hi] - prefix[..., lo]


def coverage(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """idf-weighted share of the query's terms present (per column of `counts`)."""
    total = float(idf.sum())
    if len(idf) == 0 or total <= 0:
        return np.zeros(counts.shape[1])
    return (idf[:, None] * (counts > 0)).sum(axis=0) / total


def window_bm25(tf: np.ndarray, idf: np.ndarray, length: np.ndarray, reach: float) -> np.ndarray:
    """BM25 of each window as one document, from its summed term counts `tf` (terms, windows) and words
    `length` (windows); the average window length is 2 * reach."""
    return bm25(tf, idf, length_norm(length, 2.0 * reach))


def _gated_bm25(tf: np.ndarray, idf: np.ndarray, length: np.ndarray, reach: float,
                lexical_ok: np.ndarray) -> np.ndarray:
    return zscore_where(window_bm25(tf, idf, length, reach), lexical_ok)


def clause_features(clauses: ClauseTerms | None, words: np.ndarray, words_sum: np.ndarray, bounds: Bounds,
                    lexical_ok: np.ndarray) -> list[np.ndarray]:
    """The N_CLAUSE_FEATURES columns of the main and context clauses (zeros without a context clause).
    `words_sum` is the `prefix_sums` of `words`; `bounds` holds the `window_bounds` of every reach used."""
    if clauses is None:
        return [np.zeros(len(words))] * N_CLAUSE_FEATURES
    main = np.where(lexical_ok[None, :], clauses.main.counts, 0.0)
    context = np.where(lexical_ok[None, :], clauses.context.counts, 0.0)
    mean_words = float(words.mean()) if len(words) else 1.0
    columns = [_gated_bm25(main, clauses.main.idf, words, mean_words / 2.0, lexical_ok),
               coverage(main, clauses.main.idf)]
    for counts, idf, reaches in ((main, clauses.main.idf, MAIN_WINDOW_WORDS),
                                 (context, clauses.context.idf, CONTEXT_WINDOW_WORDS)):
        counts_sum = prefix_sums(counts)
        for reach in reaches:
            lo, hi = bounds[reach]
            tf = between(counts_sum, lo, hi)
            columns += [_gated_bm25(tf, idf, between(words_sum, lo, hi), reach, lexical_ok), coverage(tf, idf)]
    return columns


def preceding_features(counts_sum: np.ndarray, words_sum: np.ndarray, idf: np.ndarray, bounds: Bounds,
                       lexical_ok: np.ndarray) -> list[np.ndarray]:
    """For each reach in PRECEDING_WINDOW_WORDS, the BM25 (as one document) of the chunks before each chunk
    whose centres lie within `reach` words of its centre (same transcript; the chunk itself not included).
    `counts_sum` and `words_sum` are the `prefix_sums` of the gated term counts and of the chunks' words;
    `bounds` holds the `window_bounds` of each reach."""
    here = np.arange(len(lexical_ok))
    columns = []
    for reach in PRECEDING_WINDOW_WORDS:
        lo, _ = bounds[reach]
        columns.append(_gated_bm25(between(counts_sum, lo, here), idf, between(words_sum, lo, here),
                                   reach / 2.0, lexical_ok))  # a one-sided window averages `reach` words
    return columns


def passage_features(lexical: np.ndarray, dense: np.ndarray, speaker: np.ndarray, words: np.ndarray,
                     owner: np.ndarray, terms: TermCounts, lexical_ok: np.ndarray,
                     clauses: ClauseTerms | None = None) -> np.ndarray:
    """(candidates, len(FEATURE_NAMES)) features. Candidates are in source order. Where a chunk's language is
    not the question's (`lexical_ok` False) its lexical features are 0: the language gate of the fusion."""
    words = np.asarray(words, dtype=np.float64)
    counts = np.where(lexical_ok[None, :], terms.counts, 0.0)
    lex = zscore_where(lexical, lexical_ok)
    dense_z = zscore(dense)
    columns = [lex, dense_z, speaker, np.log1p(words), coverage(counts, terms.idf)]
    counts_sum, words_sum, dense_sum, speaker_sum = (prefix_sums(v) for v in (counts, words, dense_z, speaker))
    bounds = {reach: window_bounds(words, owner, reach) for reach in ALL_REACHES}
    for reach in WINDOW_WORDS:
        lo, hi = bounds[reach]
        n = np.maximum(hi - lo, 1)
        tf = between(counts_sum, lo, hi)
        bm25 = _gated_bm25(tf, terms.idf, between(words_sum, lo, hi), reach, lexical_ok)
        columns += [zscore(between(dense_sum, lo, hi) / n), bm25, coverage(tf, terms.idf),
                    between(speaker_sum, lo, hi) / n]
    columns += preceding_features(counts_sum, words_sum, terms.idf, bounds, lexical_ok)
    columns += clause_features(clauses, words, words_sum, bounds, lexical_ok)
    return np.column_stack(columns)


def encoder_features(cosines: np.ndarray, words: np.ndarray, owner: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """(candidates, len(ENCODER_FEATURE_NAMES)): the ranker encoder's cosine with the question, z-scored over
    the chunks it applies to (`ok`: chunks in its language; the others get 0), and the means of that z-score
    over the ±ENCODER_WINDOW_WORDS windows. Candidates are in source order, as for `passage_features`."""
    z = zscore_where(cosines, ok)
    sums = prefix_sums(z)
    columns = [z]
    for reach in ENCODER_WINDOW_WORDS:
        lo, hi = window_bounds(np.asarray(words, dtype=np.float64), owner, reach)
        columns.append(between(sums, lo, hi) / np.maximum(hi - lo, 1))
    return np.column_stack(columns)


def adapter_features(cosines: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """(candidates, len(ADAPTER_FEATURE_NAMES)): the query adapter's cosine, z-scored over the chunks it applies
    to (`ok`: chunks in its language, as for `encoder_features`; the others get 0)."""
    return zscore_where(cosines, ok)[:, None]
