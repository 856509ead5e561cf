"""When the model refuses or answers emptily: the test for an answer that says nothing new, and the
strict extractive fallback, on the real seed index (`none` backend, bundled encoder)."""
import pytest

from ragqa.answering.engine import engine_for
from ragqa.answering.extractive import confident_extract, extractive_answer
from ragqa.answering.support import SpeakerNames, says_nothing_new


@pytest.mark.parametrize("answer, question, empty", [
    ("A cultural event opened in Moscow [1].", "What cultural event opened in Moscow?", True),
    ("The Festival of Kazakh Culture opened in Moscow [1].", "What cultural event opened in Moscow?", False),
    ("Tokayev will visit Russia [1].", "When will Tokayev visit Russia?", True),
    ("Tokayev will visit Russia on 12 November [1].", "When will Tokayev visit Russia?", False),
    ("Il volume è stato di 28 miliardi [1].", "Qual è stato il volume degli scambi?", False),
])
def test_an_answer_that_only_repeats_the_question_says_nothing_new(answer, question, empty):
    assert says_nothing_new(answer, question) is empty


def test_speaker_names_are_not_news():
    assert not says_nothing_new("Kassym-Jomart Tokayev [1].", "Who spoke?")
    assert says_nothing_new("Kassym-Jomart Tokayev [1].", "Who spoke?", SpeakerNames.of(["Kassym-Jomart Tokayev"]))


def _best(index, question, n=2):
    return index.search(question, k=n)


def test_confident_extract_answers_what_the_best_passages_clearly_hold(seed_index):
    engine = engine_for(seed_index)
    question = "How much have Russian companies invested in Kazakhstan's economy over the years?"
    hits = _best(seed_index, question)
    checked = confident_extract(question, hits, engine.similarity, SpeakerNames.of([h.speaker for h in hits]))
    assert checked is not None and checked.passages == [0]
    assert "26 miliardi" in checked.text and checked.text.endswith("[1]")


@pytest.mark.parametrize("question", [
    "How long is the border between Kazakhstan and China?",
    "How much did a ticket to the gala concert in Moscow cost?",
])
def test_confident_extract_leaves_unanswerable_questions_refused(seed_index, question):
    engine = engine_for(seed_index)
    hits = _best(seed_index, question)
    names = SpeakerNames.of([h.speaker for h in hits])
    assert extractive_answer(question, hits, engine.similarity, names) is not None  # the lenient one would answer
    assert confident_extract(question, hits, engine.similarity, names) is None
