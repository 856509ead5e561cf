import numpy as np

from ragqa.retrieval.prior import transcript_prior

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
