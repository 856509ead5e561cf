"""`rank_candidates` and `learned_scores` on hand-made candidates (no index): which ranking applies where, the
per-turn order, the language gates, the speaker boost and the tie rule."""
from dataclasses import replace

import numpy as np

from ragqa.query_analysis import analyse
from ragqa.ranking.features import encoder_features
from ragqa.ranking.learned import load_ranker, per_turn
from ragqa.ranking.rank import learned_features, learned_scores, rank_candidates
from ragqa.retrieval.candidates import Candidates
from ragqa.retrieval.fusion import SPEAKER_BOOST, fuse, smooth
from ragqa.settings import RetrievalSettings
from ragqa.types import TermCounts

QUESTION = "What did the group decide about the remote control buttons?"
SETTINGS = RetrievalSettings()


def _candidates(n: int = 8, langs: str = "en", **fields) -> Candidates:
    rng = np.random.default_rng(7)
    speakers = ["Industrial Designer", "Marketing"] * (n // 2)
    values = dict(
        question=analyse(QUESTION, speakers), rows=np.arange(10, 10 + n), dense=rng.uniform(0.2, 0.9, n),
        lexical=rng.uniform(0.0, 6.0, n),
        langs=np.array([langs] * n, dtype=object), speakers=speakers,
        owner=np.zeros(n, dtype=np.int32), word_counts=rng.integers(5, 60, n).astype(float),
        turn_counts=np.array([1, 3, 1, 1, 2, 1, 1, 1][:n]),
        terms=TermCounts(counts=rng.integers(0, 3, (3, n)).astype(float), idf=np.array([0.5, 1.5, 2.5])))
    values.update(fields)
    return Candidates(**values)


def _order(rows: np.ndarray, scores: np.ndarray) -> list[int]:
    return [int(rows[i]) for i in np.lexsort((rows, -scores))]


def test_inside_a_transcript_the_learned_ranker_orders_by_score_per_cited_turn():
    c = _candidates()
    scores = load_ranker().score(learned_features(c))
    ranked = rank_candidates(c, 8, True, SETTINGS)
    assert [r for r, _ in ranked] == _order(c.rows, per_turn(scores, c.turn_counts))
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert rank_candidates(c, 3, True, SETTINGS) == ranked[:3]


def test_the_learned_ranker_uses_the_encoders_features_when_the_candidates_carry_its_cosines():
    c = _candidates(encoder_cosines=np.linspace(0.1, 0.8, 8))
    ranker = load_ranker()
    extra = encoder_features(c.encoder_cosines, c.word_counts, c.owner, np.ones(8, dtype=bool))
    expected = ranker.with_encoder.score(np.hstack([learned_features(c), extra]))
    assert np.allclose(learned_scores(c, ranker), expected)
    italian = _candidates(langs="it", encoder_cosines=np.linspace(0.1, 0.8, 8))  # none in the encoder's language
    assert np.allclose(learned_scores(italian, ranker), ranker.score(learned_features(italian)))


def test_without_term_counts_or_with_the_smoothed_ranker_the_fusion_is_smoothed():
    c = _candidates(terms=None)
    named = np.array([s == "Marketing" for s in c.speakers], dtype=float)  # "the Marketing expert"
    question = analyse("What did the Marketing expert say about the price?", c.speakers)
    c = replace(c, question=question)
    expected = smooth(fuse(c.lexical, c.dense, np.ones(8, dtype=bool)) + SPEAKER_BOOST * named, c.word_counts,
                      c.owner)
    ranked = rank_candidates(c, 8, True, SETTINGS)
    assert [r for r, _ in ranked] == _order(c.rows, expected) and np.allclose([s for _, s in ranked],
                                                                              np.sort(expected)[::-1])
    smoothed = RetrievalSettings(ranker="smoothed")
    unused = replace(_candidates(), question=question)  # term counts, then unused
    assert rank_candidates(unused, 8, True, smoothed) == ranked


def test_the_speaker_boost_lifts_the_named_speakers_chunk_among_equals():
    c = _candidates(n=2, dense=np.array([0.5, 0.5]), lexical=np.array([1.0, 1.0]), terms=None,
                    owner=np.array([0, 1]))
    marketing = replace(c, question=analyse("What did Marketing say?", c.speakers))
    assert [r for r, _ in rank_candidates(marketing, 2, False, SETTINGS)] == [11, 10]
    plain = replace(c, question=analyse("What was said?", c.speakers))
    assert [r for r, _ in rank_candidates(plain, 2, False, SETTINGS)] == [10, 11]  # ties: by row


def test_lexical_only_search_returns_only_chunks_sharing_a_term():
    c = _candidates(dense=None, lexical=np.array([0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 3.0, 0.0]), terms=None)
    assert [r for r, _ in rank_candidates(c, 8, False, SETTINGS)] == [16, 11, 13]


def test_the_encoders_cosine_joins_the_fusion_only_when_every_candidate_is_in_its_language():
    cosines = np.linspace(0.9, 0.1, 8)
    english, plain = _candidates(terms=None, encoder_cosines=cosines), _candidates(terms=None)
    assert rank_candidates(english, 8, False, SETTINGS) != rank_candidates(plain, 8, False, SETTINGS)
    mixed_langs = np.array(["en"] * 7 + ["ru"], dtype=object)
    mixed = _candidates(terms=None, encoder_cosines=cosines, langs="en")
    mixed = Candidates(**{**mixed.__dict__, "langs": mixed_langs})
    unmixed = Candidates(**{**plain.__dict__, "langs": mixed_langs})
    assert rank_candidates(mixed, 8, False, SETTINGS) == rank_candidates(unmixed, 8, False, SETTINGS)


def test_a_question_in_another_language_than_every_candidate_weighs_a_transcripts_best_chunks_only():
    # transcript 0: eight good chunks; transcript 1: two slightly better ones; transcript 2: six poor ones
    dense = np.array([0.82] * 8 + [0.85, 0.83] + [0.5] * 6)
    c = _candidates(n=16, dense=dense, lexical=np.ones(16), terms=None, turn_counts=np.ones(16, dtype=int),
                    owner=np.array([0] * 8 + [1, 1] + [2] * 6))
    english = replace(c, question=analyse("How many buttons does the remote control have?", c.speakers))
    italian = replace(c, question=analyse("Quanti pulsanti ha il telecomando?", c.speakers))
    assert italian.question.lang == "it" and english.question.lang == "en"
    assert rank_candidates(english, 1, False, SETTINGS)[0][0] == 10  # ten best summed: the long transcript
    assert rank_candidates(italian, 1, False, SETTINGS)[0][0] == 18  # two best summed: the better chunks


def test_nothing_to_rank():
    c = _candidates(n=0, rows=np.zeros(0, dtype=np.int64), speakers=[], turn_counts=np.zeros(0, dtype=int),
                    terms=None)
    assert rank_candidates(c, 5, True, SETTINGS) == []
    assert rank_candidates(_candidates(dense=None, lexical=None, terms=None), 5, False, SETTINGS) == []
