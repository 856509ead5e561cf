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


def test_lettered_labels_are_named_by_their_letter():
    speakers = ["Grad C", "Grad E", "Professor B", "PhD A", "Speaker D", "Marketing"]
    assert speakers_named("What did C think about setting up the recording equipment?", speakers) == {"Grad C"}
    assert speakers_named("What did Grad E contribute to the discussion on storage disks?", speakers) == {"Grad E"}
    assert speakers_named("What did PhD A and Speaker D say about the results?", speakers) == {"PhD A", "Speaker D"}
    # the role word alone names none of the lettered speakers; an opening "A" is the article
    assert speakers_named("What did the grad students think about the disks?", speakers) == set()
    assert speakers_named("A question on marketing: what did they decide?", speakers) == {"Marketing"}
    assert without_speakers("What did Grad E contribute", {"Grad E"}) == "What did contribute"
    numbered = ["Speaker 1", "Speaker 2", "Speaker 12"]
    assert speakers_named("What did speaker 2 say about the 1 option?", numbered) == {"Speaker 2"}
    assert speakers_named("What did the speakers say about the 2 options?", numbered) == set()
