"""Speaker matching against real speaker labels (the seed transcript, en.kremlin.ru, QMSum val: the AMI roles,
the ICSI lettered labels, the Canadian and Welsh parliaments)."""
import pytest

from ragqa.speakers import fold, name_parts, named_speakers, same_name

SPEAKERS = ["Kassym-Jomart Tokayev", "Vladimir Putin", "President of Russia Vladimir Putin", "Vladimir Lukin",
            "Vladimir Dmitriev", "Project Manager", "Marketing", "User Interface", "Industrial Designer", "Grad E",
            "Question", "Remark", "The Acting Chair (Mr. Bruce Stanton)", "Jörg Schönenborn", "Julie Morgan AM",
            "Eluned Morgan AM", "Hon. Joyce Murray (Minister of Digital Government)", "Mr. Jol Godin",
            "Mr. Chris d'Entremont", "Hon. Navdeep Bains", "Hon. Navdeep Bains (MississaugaMalton, Lib.)"]


def test_name_parts_skip_titles_roles_and_a_parenthesised_office():
    assert name_parts("President of Russia Vladimir Putin") == ["vladimir", "putin"]
    assert name_parts("Kassym-Jomart Tokayev") == ["kassym-jomart", "tokayev"]
    assert name_parts("The Acting Chair (Mr. Bruce Stanton)") == ["bruce", "stanton"]
    assert name_parts("Hon. Joyce Murray (Minister of Digital Government)") == ["joyce", "murray"]
    assert name_parts("Julie Morgan AM") == ["julie", "morgan"]
    assert name_parts("Project Manager") == []


def test_name_variants():
    assert fold("Токаев") == "tokaev" and fold("Schönenborn") == "schonenborn"
    assert same_name("tokayev", "tokaev") and same_name("putin", "putina") and same_name("tokayev", fold("Токаева"))
    assert not same_name("putin", "put") and not same_name("morgan", "organ")
    assert not same_name("tokayev", "tokaev", fuzzy=False) and same_name("putin", "putina", fuzzy=False)


@pytest.mark.parametrize("question, expected", [
    ("What did Tokayev say about investments?", ["Kassym-Jomart Tokayev"]),
    ("what did tokayev say", ["Kassym-Jomart Tokayev"]),
    ("Tokayev's view on trade", ["Kassym-Jomart Tokayev"]),
    ("What did Tokaev say?", ["Kassym-Jomart Tokayev"]),
    ("Что сказал Токаев об инвестициях?", ["Kassym-Jomart Tokayev"]),
    ("Когда Токаев посетит Россию с официальным визитом?", ["Kassym-Jomart Tokayev"]),
    ("Che cosa ha detto Kassym-Jomart?", ["Kassym-Jomart Tokayev"]),
    # every speaker named, the first-mentioned first; two labels of one person both
    ("What did Putin say about Tokayev?", ["Vladimir Putin", "President of Russia Vladimir Putin",
                                           "Kassym-Jomart Tokayev"]),
    ("What did the project manager say about the budget?", ["Project Manager"]),
    ("What did Marketing propose?", ["Marketing"]),
    ("Why did the marketing think they should aim at young people?", ["Marketing"]),
    ("Why did the Industrial Design disagree with the User Interface?", ["Industrial Designer", "User Interface"]),
    ("What did Bruce Stanton say?", ["The Acting Chair (Mr. Bruce Stanton)"]),
    ("What did Schonenborn ask?", ["Jörg Schönenborn"]),
    ("What did Grad E think?", ["Grad E"]),
    ("What did Julie Morgan think of the monitoring system?", ["Julie Morgan AM"]),  # not Eluned Morgan
    ("What did Bains say about business loans?", ["Hon. Navdeep Bains",
                                                  "Hon. Navdeep Bains (MississaugaMalton, Lib.)"]),
])
def test_names_the_speaker(question, expected):
    assert list(named_speakers(question, SPEAKERS).speakers) == expected


@pytest.mark.parametrize("question", [
    "How long is the border between Kazakhstan and Russia?",
    "What did the group say about the project?",  # "project" alone is a role word
    "what question was asked about pricing",  # a one-word label that is a word of talk must be capitalised
    "What did Vladimir say?",  # four Vladimirs: too ambiguous
    "What policy the government was going to roll out?",  # an office is no name; "going" is not Godin
    "What was the discussion about the seniors care crisis?",  # a lowercase "crisis" is not Chris
])
def test_names_nobody_when_none_or_ambiguous(question):
    assert named_speakers(question, SPEAKERS).speakers == ()


def test_the_words_that_name_the_speakers():
    assert named_speakers("Что сказал Токаев об инвестициях?", SPEAKERS).words == {"токаев"}
    assert named_speakers("Why did Industrial Design agree with Marketing?", SPEAKERS).words == {
        "industrial", "design", "marketing"}


def test_lettered_and_numbered_labels():
    speakers = ["Grad C", "Grad E", "Professor B", "PhD A", "Speaker D", "Grad A", "Marketing"]
    assert named_speakers("What did C think about the recording equipment?", speakers).speakers == ("Grad C",)
    assert named_speakers("What did Grad E contribute to the discussion?", speakers).speakers == ("Grad E",)
    # the whole label beats its letter alone: "PhD A" is named, not "Grad A"
    assert named_speakers("What did PhD A and Speaker D say about the results?", speakers).speakers == (
        "PhD A", "Speaker D")
    # the role word alone names none of the lettered speakers; an opening "A" is the article
    assert named_speakers("What did the grad students think about the disks?", speakers).speakers == ()
    assert named_speakers("A question on marketing: what did they decide?", speakers).speakers == ("Marketing",)
    numbered = ["Speaker 1", "Speaker 2", "Speaker 12"]
    assert named_speakers("What did speaker 2 say about the 1 option?", numbered).speakers == ("Speaker 2",)
    assert named_speakers("What did the speakers say about the 2 options?", numbered).speakers == ()
