from ragqa.query_analysis import clause_topics, context_clause, speakers_named, topic_text, without_speakers

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


def test_context_clause_splits_where_to_look_from_what_to_find():
    question = "Why did Marketing disagree with the Project Manager when discussing the budget of the remote?"
    assert context_clause(question, "en") == ("Why did Marketing disagree with the Project Manager",
                                              "discussing the budget of the remote?")
    main, context = clause_topics(question, "en", speakers_named(question, SPEAKERS))
    assert main.split() == ["disagree", "with", "the"]  # framing words and the named speakers are gone
    assert context.split() == ["the", "budget", "of", "the", "remote"]
    assert context_clause("What did the group decide while presenting the prototype", "en")[1] == "presenting the prototype"
    # no context clause: a question opening with "When", none at all, another language, nothing after "when"
    assert context_clause("When will the remote be ready?", "en") is None
    assert context_clause("What did Tokayev say about Rosatom?", "en") is None
    assert context_clause("Cosa ha detto Tokayev when parlava di Rosatom?", "it") is None
    assert context_clause("What did they say when?", "en") is None
    assert clause_topics("What did they say about the remote?", "en", set()) is None
