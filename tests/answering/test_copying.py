"""Answers that copy their passages line by line are told apart from answers that say who said what."""
import json
from pathlib import Path

from ragqa.answering.copying import copied_share, copies_passages

TURNS = json.loads((Path(__file__).parents[1] / "data" / "samples" / "qmsum_Bed010_first40.jsonl")
                   .read_text().splitlines()[0])["turns"]
PASSAGES = [f"{t['speaker']}: {t['text']}" for t in TURNS[5:9]]


def test_passages_reproduced_with_labels_and_markers_are_a_copy():
    copy = " ".join(f"[{n}] {p}" for n, p in enumerate(PASSAGES, start=1))
    assert copied_share(copy, PASSAGES) > 0.9
    assert copies_passages(copy, PASSAGES)


def test_an_answer_in_its_own_words_is_not_a_copy():
    answer = ("Professor C opened the meeting and suggested that Robert and Johno report on the visit of the "
              "guests from Heidelberg [1]. Grad D asked about batteries [2].")
    assert copied_share(answer, PASSAGES) < 0.3
    assert not copies_passages(answer, PASSAGES)


def test_a_short_quote_inside_an_answer_is_not_a_copy():
    assert "My suggestion is that Robert and Johno sort of give us a report" in TURNS[5]["text"]
    answer = ('Professor C opened the meeting: "My suggestion is that Robert and Johno sort of give us a report", '
              "and Grad D asked how many batteries they go through [1].")
    assert 0 < copied_share(answer, PASSAGES) < 0.6


def test_a_one_sentence_quote_that_states_the_fact_is_an_answer():
    sentence = "My suggestion is that Robert and Johno sort of give us a report on last week 's adventures"
    assert sentence in TURNS[5]["text"]
    assert copied_share(f"{sentence} [1].", PASSAGES) == 1.0
    assert not copies_passages(f"{sentence} [1].", PASSAGES)
