"""Answers cut where the model starts repeating itself, and streams stopped there."""
from ragqa.answering.repetition import cut_repetition, repetition_start, until_repetition

# The shape of the bundled 1.5B model's loops on long QMSum stretches (issue #24): a sentence said
# again with another citation, then again up to the token limit.
LOOPED = ("The Project Manager said that the remote control should be simple [1]. The Industrial Designer "
          "said that a kinetic battery is cheaper than solar cells [3]. The Project Manager said that the "
          "remote control should be simple [4]. The Project Manager said that the remote control")


def test_a_sentence_said_again_ends_the_answer():
    assert cut_repetition(LOOPED) == ("The Project Manager said that the remote control should be simple [1]. "
                                      "The Industrial Designer said that a kinetic battery is cheaper than "
                                      "solar cells [3].")


def test_an_answer_that_does_not_repeat_is_kept_whole():
    answer = ("Il 12 novembre Tokayev farà una visita ufficiale in Russia [1]. Lo ha detto Putin a "
              "Dushanbe [2].")
    assert repetition_start(answer) is None
    assert cut_repetition(answer) == answer


def test_short_sentences_may_repeat():
    answer = "Yes. Yes. The border is 7,591 kilometres long [1]."
    assert cut_repetition(answer) == answer


def test_a_loop_without_sentence_ends_is_cut_where_it_starts():
    looped = ("они сказали что пульт должен быть простым и дешёвым для всех пользователей и они сказали что "
              "пульт должен быть простым и дешёвым для всех пользователей и они")
    cut = cut_repetition(looped)
    assert cut == "они сказали что пульт должен быть простым и дешёвым для всех пользователей и"


def test_the_stream_stops_at_the_repeated_sentence():
    pieces = [word + " " for word in LOOPED.split(" ")] + ["should be simple [5]. "] * 50
    consumed: list[str] = []

    def model():
        for piece in pieces:
            consumed.append(piece)
            yield piece

    shown = "".join(until_repetition(model()))
    assert len(consumed) < len(pieces) - 40  # the model was stopped, not read to its end
    assert shown.startswith(cut_repetition(shown))
    assert cut_repetition(shown).endswith("solar cells [3].")
