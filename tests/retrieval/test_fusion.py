"""Fusion on hand-made scores: z-scores, the language gate and neighbour smoothing."""
import numpy as np

from ragqa.retrieval.fusion import LEXICAL_WEIGHT, fuse, smooth, zscore, zscore_where


def test_zscore_is_zero_mean_unit_sd_and_zero_when_constant():
    z = zscore(np.array([1.0, 2.0, 3.0, 6.0]))
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1.0) < 1e-12
    assert not zscore(np.full(4, 7.0)).any() and len(zscore(np.zeros(0))) == 0


def test_zscore_where_normalises_only_where_the_signal_applies():
    out = zscore_where(np.array([1.0, 100.0, 3.0, -50.0]), np.array([True, False, True, False]))
    assert out.tolist() == [-1.0, 0.0, 1.0, 0.0]


def test_fuse_weighs_both_sides_and_gates_bm25_by_language():
    lexical, dense = np.array([0.0, 4.0, 8.0]), np.array([0.9, 0.5, 0.1])
    both = fuse(lexical, dense, np.ones(3, dtype=bool))
    assert np.allclose(both, LEXICAL_WEIGHT * zscore(lexical) + (1 - LEXICAL_WEIGHT) * zscore(dense))
    assert np.allclose(fuse(lexical, dense, np.zeros(3, dtype=bool)), zscore(dense))  # no chunk in its language
    gated = fuse(lexical, dense, np.array([True, True, False]))  # the last chunk is in another language
    assert gated[2] == zscore(dense)[2]
    assert np.allclose(gated[:2], 0.5 * zscore(lexical[:2]) + 0.5 * zscore(dense)[:2])


def test_smooth_lifts_a_chunk_inside_a_relevant_stretch_over_an_isolated_hit():
    # one transcript of 60-word chunks: a stretch of three good chunks, then an isolated spike of the same score
    scores = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    words = np.full(len(scores), 60.0)
    out = smooth(scores, words, np.zeros(len(scores), dtype=int))
    assert out[1] > out[0] > out[6] and out[1] > out[6]


def test_smooth_does_not_cross_transcripts():
    scores, words = np.array([0.0, 5.0]), np.full(2, 60.0)
    assert smooth(scores, words, np.array([0, 1]))[0] == 0.0
    assert smooth(scores, words, np.array([0, 0]))[0] > 0.0
