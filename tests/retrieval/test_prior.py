import numpy as np

from ragqa.retrieval.prior import PRIOR_TOP, PRIOR_TOP_OTHER_LANGUAGE, prior_top, transcript_prior

SCORES = np.array([2.0, 1.0, 0.5, 0.4, 0.1, 0.0])
OWNER = np.array([0, 0, 1, 1, 2, 2])


def test_transcript_lexical_score_raises_the_prior_of_its_transcript():
    base = transcript_prior(SCORES, OWNER, top=10)
    lexical = np.array([0.0, 0.0, 0.0, 0.0, 9.0, 9.0])  # transcript 2 matches best as a whole
    with_lexical = transcript_prior(SCORES, OWNER, 10, 1.0, lexical, np.ones(6, dtype=bool), 2.0)
    assert with_lexical[4] > base[4] and with_lexical[0] < base[0]


def test_transcripts_in_another_language_take_no_lexical_part():
    lexical = np.array([0.0, 0.0, 5.0, 5.0, 9.0, 9.0])
    gated = transcript_prior(SCORES, OWNER, 10, 1.0, lexical, np.zeros(6, dtype=bool), 2.0)
    assert np.allclose(gated, transcript_prior(SCORES, OWNER, top=10))


def test_the_prior_sums_each_transcripts_best_candidates_only():
    scores = np.array([3.0, 0.0, 0.0, 2.0, 2.0, 2.0])
    owner = np.array([0, 0, 0, 1, 1, 1])
    top1 = transcript_prior(scores, owner, top=1)  # 3 vs 2: transcript 0 ahead
    top3 = transcript_prior(scores, owner, top=3)  # 3 vs 6: transcript 1 ahead
    assert top1[0] > top1[3] and top3[3] > top3[0]
    assert np.allclose(top1[:3], top1[0]) and np.allclose(top3[3:], top3[3])  # one value per transcript


def test_the_prior_is_zero_mean_across_transcripts_and_scales_with_its_weight():
    prior = transcript_prior(SCORES, OWNER, top=10, weight=0.5)
    per_transcript = prior[[0, 2, 4]]
    assert abs(per_transcript.mean()) < 1e-12
    assert np.allclose(prior, 0.5 * transcript_prior(SCORES, OWNER, top=10))


def test_without_a_candidate_in_the_questions_language_the_prior_sums_fewer_best_candidates():
    assert prior_top(np.array([False, True, False])) == PRIOR_TOP
    assert prior_top(np.zeros(3, dtype=bool)) == PRIOR_TOP_OTHER_LANGUAGE < PRIOR_TOP
