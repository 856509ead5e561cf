from ragqa.query_analysis import speakers_named, topic_text, without_speakers

SPEAKERS = ["Industrial Designer", "Marketing", "Project Manager", "Kassym-Jomart Tokayev"]


def test_named_speakers_words_leave_the_lexical_query():
    question = "What did Industrial Designer think about the shape of the remote?"
    named = speakers_named(question, SPEAKERS)
    assert named == {"Industrial Designer"}
    words = without_speakers(topic_text(question, "en"), named).split()
    assert "shape" in words and "remote" in words
    assert "Industrial" not in words and "Designer" not in words


def test_surname_names_a_speaker_and_nothing_is_dropped_otherwise():
    question = "Quando Tokayev farà una visita ufficiale in Russia?"
    named = speakers_named(question, SPEAKERS)
    assert named == {"Kassym-Jomart Tokayev"}
    assert without_speakers(question, named) == "Quando farà una visita ufficiale in Russia"
    assert without_speakers("the remote", set()) == "the remote"
    assert without_speakers("Marketing", {"Marketing"}) == "Marketing"  # nothing would be left
