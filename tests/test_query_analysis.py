"""The one reading of a question (`analyse`) that search and ask share, on real questions: QMSum val (the AMI
roles, the ICSI lettered labels, the Welsh parliament), the seed questions and en.kremlin.ru speakers."""
import json
from pathlib import Path

import pytest

from ragqa.query_analysis import analyse, context_clause, topic_text

DATA = Path(__file__).parent / "data"
SPEAKERS = ["Industrial Designer", "Marketing", "Project Manager", "User Interface", "Kassym-Jomart Tokayev",
            "Vladimir Putin", "President of Russia Vladimir Putin", "Julie Morgan AM", "Eluned Morgan AM", "Question"]


def test_named_speakers_words_leave_the_lexical_query():
    question = analyse("What did Industrial Designer think about the shape of the remote?", SPEAKERS)
    assert question.lang == "en" and question.speakers == ("Industrial Designer",)
    words = question.topic.split()
    assert "shape" in words and "remote" in words
    assert "Industrial" not in words and "Designer" not in words and "think" not in words  # framing words go too


def test_a_named_speaker_leaves_the_topic_in_any_language_and_nothing_else_does():
    italian = analyse("Quando Tokayev farà una visita ufficiale in Russia?", SPEAKERS)
    assert italian.lang == "it" and italian.speakers == ("Kassym-Jomart Tokayev",)
    assert italian.topic == "Quando farà una visita ufficiale in Russia"
    russian = analyse("Что сказал Токаев об инвестициях?", SPEAKERS)
    assert russian.lang == "ru" and russian.topic == "Что сказал об инвестициях"
    assert analyse("the remote", SPEAKERS).topic == "the remote"
    assert analyse("Marketing", SPEAKERS).topic == "Marketing"  # nothing would be left


def test_context_clause_splits_where_to_look_from_what_to_find():
    question = "Why did Marketing disagree with the Project Manager when discussing the budget of the remote?"
    assert context_clause(question, "en") == ("Why did Marketing disagree with the Project Manager",
                                              "discussing the budget of the remote?")
    main, context = analyse(question, SPEAKERS).clauses
    assert main.split() == ["disagree", "with", "the"]  # framing words and the named speakers are gone
    assert context.split() == ["the", "budget", "of", "the", "remote"]
    assert context_clause("What did the group decide while presenting the prototype", "en")[1] == (
        "presenting the prototype")
    # no context clause: a question opening with "When", none at all, another language, nothing after "when"
    assert context_clause("When will the remote be ready?", "en") is None
    assert context_clause("What did Tokayev say about Rosatom?", "en") is None
    assert context_clause("Cosa ha detto Tokayev when parlava di Rosatom?", "it") is None
    assert context_clause("What did they say when?", "en") is None
    assert analyse("What did they say about the remote?", SPEAKERS).clauses is None
    assert topic_text("Summarize the discussion about the remote", "en") == "the the remote"


# The questions on which search (query_analysis.speakers_named) and ask (answering.speakers.detect_speakers) read
# different speakers before they shared `analyse`: QMSum val questions and the seed's Russian question.
@pytest.mark.parametrize("question, expected", [
    ("Что сказал Токаев об инвестициях?", ("Kassym-Jomart Tokayev",)),
    ("Когда Токаев посетит Россию с официальным визитом?", ("Kassym-Jomart Tokayev",)),
    ("What did Tokaev say?", ("Kassym-Jomart Tokayev",)),
    ("What did Putin say about Tokayev?", ("Vladimir Putin", "President of Russia Vladimir Putin",
                                           "Kassym-Jomart Tokayev")),
    ("Why did the marketing think they should aim at young people?", ("Marketing",)),
    ("Why did the Industrial Design disagree with the User Interface when discussing the shape of the remote control?",
     ("Industrial Designer", "User Interface")),
    ("Why did Project Manager agree with Marketing when assessing the criteria?", ("Project Manager", "Marketing")),
    ("What did Julie Morgan think of the monitoring system for the vulnerable children?", ("Julie Morgan AM",)),
    ("what question was asked about pricing", ()),
])
def test_the_questions_search_and_ask_read_differently_now_read_one_way(question, expected):
    assert analyse(question, SPEAKERS).speakers == expected


def test_lettered_labels_of_a_qmsum_meeting():
    meeting = json.loads((DATA / "samples" / "qmsum_Bed010_first40.jsonl").read_text(encoding="utf-8").splitlines()[0])
    speakers = sorted({t["speaker"] for t in meeting["turns"]})
    lettered = next(s for s in speakers if s.startswith("Grad "))
    question = f"What did {lettered.split()[-1]} think about setting up the recording equipment?"
    assert analyse(question, speakers).speakers == (lettered,)

