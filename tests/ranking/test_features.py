import numpy as np
import pytest

from ragqa.ranking.features import (FEATURE_NAMES, N_CLAUSE_FEATURES, PRECEDING_WINDOW_WORDS, between, coverage,
                                    passage_features, preceding_features, prefix_sums, window_bm25, window_bounds)
from ragqa.retrieval.candidates import ClauseTerms
from ragqa.types import TermCounts


def window_sum(values, lo, hi):
    return between(prefix_sums(values), lo, hi)


def test_windows_stay_inside_their_transcript():
    words = np.array([50.0, 50.0, 50.0, 50.0, 50.0])
    owner = np.array([0, 0, 0, 1, 1])
    lo, hi = window_bounds(words, owner, reach=100)
    # centres 25, 75, 125 | 175, 225: chunk 2 reaches chunk 3 by distance but not across the transcript
    assert lo.tolist() == [0, 0, 0, 3, 3]
    assert hi.tolist() == [3, 3, 3, 5, 5]
    assert window_sum(np.arange(5.0), lo, hi).tolist() == [3.0, 3.0, 3.0, 7.0, 7.0]


def test_window_bm25_is_bm25_of_the_window_as_one_document():
    counts = np.array([[2.0, 0.0, 1.0]])
    idf = np.array([1.5])
    words = np.array([10.0, 10.0, 10.0])
    lo, hi = np.array([0, 1]), np.array([2, 3])
    got = window_bm25(window_sum(counts, lo, hi), idf, window_sum(words, lo, hi), reach=10.0)
    k1, b = 1.2, 0.75
    norm = k1 * (1 - b + b * 20 / 20)  # each window holds 20 words; average window length 2 * reach = 20
    assert got == pytest.approx([1.5 * 2 * (k1 + 1) / (2 + norm), 1.5 * 1 * (k1 + 1) / (1 + norm)])


def test_coverage_weights_terms_by_idf():
    counts = np.array([[1.0, 0.0, 3.0], [0.0, 0.0, 1.0]])
    assert coverage(counts, np.array([3.0, 1.0])).tolist() == [0.75, 0.0, 1.0]
    assert coverage(np.zeros((0, 3)), np.zeros(0)).tolist() == [0.0, 0.0, 0.0]


def test_language_gate_silences_every_lexical_feature():
    n = 6
    rng = np.random.default_rng(0)
    terms = TermCounts(counts=rng.integers(0, 3, size=(2, n)).astype(float), idf=np.array([1.0, 2.0]))
    args = (rng.random(n), rng.random(n), np.zeros(n), np.full(n, 20.0), np.zeros(n, dtype=int), terms)
    gated = passage_features(*args, lexical_ok=np.zeros(n, dtype=bool))
    open_ = passage_features(*args, lexical_ok=np.ones(n, dtype=bool))
    assert gated.shape == open_.shape == (n, len(FEATURE_NAMES))
    lexical = [i for i, name in enumerate(FEATURE_NAMES) if name.startswith(("lexical", "coverage", "bm25"))]
    assert np.all(gated[:, lexical] == 0) and np.any(open_[:, lexical] != 0)
    others = [i for i in range(len(FEATURE_NAMES)) if i not in lexical]
    assert np.allclose(gated[:, others], open_[:, others])


def test_clause_features_split_the_main_clause_from_the_context():
    """Twelve 50-word chunks; the context clause's term ("budget") runs through chunks 0-5, the main
    clause's term ("disagree") is said in chunk 4 and, far from the budget talk, in chunk 10."""
    n = 12
    budget = np.array([[2.0] * 6 + [0.0] * 6])
    disagree = np.zeros((1, n))
    disagree[0, [4, 10]] = 1.0
    terms = TermCounts(counts=np.vstack([disagree, budget]), idf=np.array([2.0, 1.0]))
    clauses = ClauseTerms(main=TermCounts(counts=disagree, idf=np.array([2.0])),
                          context=TermCounts(counts=budget, idf=np.array([1.0])))
    args = (np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, 50.0), np.zeros(n, dtype=int), terms,
            np.ones(n, dtype=bool))
    without = passage_features(*args)
    with_ = passage_features(*args, clauses=clauses)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    clause_columns = [i for i, name in enumerate(FEATURE_NAMES) if name.endswith(("_main", "_context"))]
    assert len(clause_columns) == N_CLAUSE_FEATURES == 8
    assert np.all(without[:, clause_columns] == 0)  # a question without a context clause
    assert np.array_equal(without[:, :-N_CLAUSE_FEATURES], with_[:, :-N_CLAUSE_FEATURES])
    main, cover = with_[:, column["lexical_main"]], with_[:, column["coverage_main"]]
    assert main[4] == main[10] == main.max() and cover[[4, 10]].tolist() == [1.0, 1.0] and cover.sum() == 2.0
    context = with_[:, column["bm25_window_300_context"]]
    assert context[4] > context[10] and context[:6].mean() > context[6:].mean()  # the budget talk is around 4
    gated = passage_features(*args[:-1], lexical_ok=np.zeros(n, dtype=bool), clauses=clauses)
    assert np.all(gated[:, clause_columns] == 0)


def test_preceding_window_looks_back_and_stays_inside_its_transcript():
    """Ten 100-word chunks, two transcripts of five; the topic's term is said in chunk 1 only."""
    n = 10
    counts = np.zeros((1, n))
    counts[0, 1] = 3.0
    words, owner = np.full(n, 100.0), np.array([0] * 5 + [1] * 5)
    bounds = {reach: window_bounds(words, owner, reach) for reach in PRECEDING_WINDOW_WORDS}
    inputs = (prefix_sums(counts), prefix_sums(words), np.array([1.0]), bounds)
    (preceding,) = preceding_features(*inputs, np.ones(n, dtype=bool))
    # a chunk's window holds the chunks before it whose centres are within 300 words: chunk 2 sees chunk 1 in
    # 200 words (0 and 1), chunks 3 and 4 in 300; chunk 1 does not see itself
    assert preceding[2] > preceding[3] == preceding[4] > preceding[0] == preceding[1]
    assert np.all(preceding[5:] == preceding[0])  # transcript 1 does not see transcript 0's talk
    (gated,) = preceding_features(*inputs, np.zeros(n, dtype=bool))
    assert np.all(gated == 0)


def test_encoder_features_z_score_gate_and_window_means():
    from ragqa.ranking.features import ENCODER_FEATURE_NAMES, encoder_features

    cos = np.array([0.2, 0.6, 0.4, 0.9, 0.1])
    words = np.full(5, 100.0)  # centres 50, 150, 250, 350, 450
    owner = np.zeros(5, dtype=int)
    ok = np.array([True, True, True, False, True])  # chunk 3 is not in the encoder's language
    got = encoder_features(cos, words, owner, ok)
    assert got.shape == (5, len(ENCODER_FEATURE_NAMES)) == (5, 3)
    z = (cos[ok] - cos[ok].mean()) / cos[ok].std()
    assert np.allclose(got[ok, 0], z) and got[3, 0] == 0.0
    # ±100 words: the chunk and its neighbours; ±300: everything within three chunks
    assert np.isclose(got[1, 1], (got[0, 0] + got[1, 0] + got[2, 0]) / 3)
    assert np.isclose(got[0, 1], (got[0, 0] + got[1, 0]) / 2)
    assert np.isclose(got[0, 2], got[:4, 0].mean())


def test_adapter_feature_is_a_zscore_over_the_chunks_it_applies_to():
    from ragqa.ranking.features import ADAPTER_FEATURE_NAMES, adapter_features
    from ragqa.retrieval.fusion import zscore

    cosines = np.array([0.2, 0.4, 0.9, 0.6])
    ok = np.array([True, True, False, True])
    out = adapter_features(cosines, ok)
    assert out.shape == (4, len(ADAPTER_FEATURE_NAMES))
    assert out[2, 0] == 0.0 and np.allclose(out[ok, 0], zscore(cosines[ok]))
