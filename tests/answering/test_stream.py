"""AnswerStream: pieces as they come, NO_ANSWER shown as the refusal, the checked answer after."""
from ragqa.answering.stream import AnswerStream
from ragqa.types import Answer

REFUSAL = "The transcripts do not contain an answer to this question."


def _finish(raw: str) -> Answer:
    return Answer(text=raw.upper(), citations=[])


def test_pieces_then_answer():
    stream = AnswerStream(iter(["The border ", "is 7591 km", " [1]."]), _finish, REFUSAL)
    assert list(stream) == ["The border ", "is 7591 km", " [1]."]
    assert stream.answer.text == "THE BORDER IS 7591 KM [1]."
    assert list(stream) == stream.pieces  # a second pass replays


def test_no_answer_token_is_shown_as_the_refusal():
    stream = AnswerStream(iter(["NO", "_ANS", "WER"]), _finish, REFUSAL)
    assert list(stream) == [REFUSAL]
    assert stream.answer.text == "NO_ANSWER"  # the finisher sees what the model wrote


def test_text_starting_like_the_token_is_released():
    stream = AnswerStream(iter(["NO", "VE sedi [1]."]), _finish, REFUSAL)
    assert "".join(stream) == "NOVE sedi [1]."


def test_reading_answer_first_drains_the_stream():
    stream = AnswerStream(iter(["a", "b"]), _finish, REFUSAL)
    assert stream.answer.text == "AB"
    assert stream.pieces == ["a", "b"]
