"""Speaker detection against real speaker labels (seed, en.kremlin.ru, QMSum)."""
import pytest

from ragqa.answering.speakers import detect_speakers, fold, name_parts, same_name

SPEAKERS = ["Kassym-Jomart Tokayev", "Vladimir Putin", "President of Russia Vladimir Putin", "Vladimir Lukin",
            "Vladimir Dmitriev",
            "Project Manager", "Marketing", "User Interface", "Grad E", "Question",
            "The Acting Chair (Mr. Bruce Stanton)", "Jörg Schönenborn", "Julie Morgan AM", "Eluned Morgan AM"]


def test_name_parts_skip_titles_and_roles():
    assert name_parts("President of Russia Vladimir Putin") == ["vladimir", "putin"]
    assert name_parts("Kassym-Jomart Tokayev") == ["kassym", "jomart", "kassym-jomart", "tokayev"]
    assert name_parts("The Acting Chair (Mr. Bruce Stanton)") == ["bruce", "stanton"]
    assert name_parts("Project Manager") == []


def test_name_variants():
    assert fold("Токаев") == "tokaev" and fold("Schönenborn") == "schonenborn"
    assert same_name("tokayev", "tokaev") and same_name("putin", "putina") and same_name("tokayev", fold("Токаева"))
    assert not same_name("putin", "put") and not same_name("morgan", "organ")


@pytest.mark.parametrize("question, expected", [
    ("What did Tokayev say about investments?", ["Kassym-Jomart Tokayev"]),
    ("what did tokayev say", ["Kassym-Jomart Tokayev"]),
    ("Tokayev's view on trade", ["Kassym-Jomart Tokayev"]),
    ("Что сказал Токаев об инвестициях?", ["Kassym-Jomart Tokayev"]),
    ("Che cosa ha detto Kassym-Jomart?", ["Kassym-Jomart Tokayev"]),
    ("What did Putin say about Tokayev?", ["Vladimir Putin", "President of Russia Vladimir Putin"]),
    ("What did the project manager say about the budget?", ["Project Manager"]),
    ("What did Marketing propose?", ["Marketing"]),
    ("What did Bruce Stanton say?", ["The Acting Chair (Mr. Bruce Stanton)"]),
    ("What did Schonenborn ask?", ["Jörg Schönenborn"]),
    ("What did Grad E think?", ["Grad E"]),
])
def test_detects_the_named_speaker(question, expected):
    assert detect_speakers(question, SPEAKERS) == expected


@pytest.mark.parametrize("question", [
    "How long is the border between Kazakhstan and Russia?",
    "What did the group say about the project?",  # "project" alone is a role word
    "what question was asked about pricing",  # one-word role label must be capitalised
    "What did Vladimir say?",  # four Vladimirs: too ambiguous to boost
])
def test_no_speaker_when_none_or_ambiguous(question):
    assert detect_speakers(question, SPEAKERS) == []
