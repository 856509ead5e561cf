"""The `none` backend over the real seed index: cited sentences, or a refusal in the question's language."""
import pytest

from ragqa.answering import AnswerEngine, AnswerStream
from ragqa.settings import Settings


@pytest.fixture(scope="module")
def engine(seed_index):
    embedder = seed_index.embedder
    return AnswerEngine(seed_index.search, Settings(threads=2, llm={"backend": "none"}),
                        embed_fn=embedder.embed_passages, query_embed_fn=embedder.embed_queries,
                        speakers=seed_index.speakers())


def test_answer_quotes_the_passage_that_holds_the_fact(engine):
    answer = engine.ask("How long is the border between Kazakhstan and Russia?")
    assert not answer.refused
    assert "7591 chilometri" in answer.text and "[1]" in answer.text
    assert "7591" in answer.citations[0].quote
    assert answer.citations[0].speaker == "Kassym-Jomart Tokayev"
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_italian_question(engine):
    answer = engine.ask("Quando Tokayev visiterà la Russia?")
    assert "12 novembre" in answer.text
    assert any("12 novembre" in c.quote for c in answer.citations)


@pytest.mark.parametrize("question, refusal_word", [
    ("What is the population of Brazil?", "transcripts"),
    ("Qual è la ricetta della carbonara?", "trascrizioni"),
    ("Какая погода будет завтра в Москве?", "стенограммах"),
])
def test_unrelated_question_is_refused_in_its_language(engine, question, refusal_word):
    answer = engine.ask(question)
    assert answer.refused and answer.citations == []
    assert refusal_word in answer.text


def test_stream_of_an_extractive_answer(engine):
    stream = engine.ask("How long is the border between Kazakhstan and Russia?", stream=True)
    assert isinstance(stream, AnswerStream)
    assert "".join(stream) == stream.answer.text
    assert stream.answer.citations


def test_index_ask_uses_the_engine(seed_index):
    answer = seed_index.ask("How long is the border between Kazakhstan and Russia?")
    assert "7591" in answer.text
    assert answer.to_dict()["citations"][0]["n"] == 1
