from ragqa.chunking import chunk_transcript, split_sentences_to_pieces
from ragqa.settings import ChunkSettings
from ragqa.types import Transcript, Turn

# Turns from a real QMSum product-design meeting (ES2004a, MIT licence), with its markup kept.
MEETING = Transcript(id="ES2004a", turns=[
    Turn(0, "Project Manager", "Okay . Right . Um well this is the kick-off meeting for our our project ."),
    Turn(1, "Marketing", "Yeah ."),
    Turn(2, "User Interface", "Mm-hmm ."),
    Turn(3, "Project Manager", "And um this is just what we're gonna be doing over the next twenty five minutes ."),
    Turn(4, "Industrial Designer", ""),
    Turn(5, "Marketing", "Um so first of all , just to kind of make sure that we all know each other , "
                         "I'm Laura and I'm the project manager . Do you want to introduce yourself again ?"),
])


def test_short_turns_ride_along_and_indices_are_kept():
    chunks = chunk_transcript(MEETING, ChunkSettings(min_words=4, max_words=120, context_turns=1))
    assert [c.turns for c in chunks] == [(0, 1, 2), (3,), (5,)]
    assert chunks[0].speaker == "Project Manager"
    assert chunks[0].text.splitlines() == ["Project Manager: Okay . Right . Um well this is the kick-off meeting "
                                           "for our our project .", "Marketing: Yeah .", "User Interface: Mm-hmm ."]
    assert [c.id for c in chunks] == ["ES2004a:0:0", "ES2004a:3:0", "ES2004a:5:0"]


def test_context_goes_into_embedded_text_only():
    chunks = chunk_transcript(MEETING, ChunkSettings(min_words=4, context_turns=1))
    middle = chunks[1]
    assert "kick-off meeting" in middle.embed_text and "introduce yourself" in middle.embed_text
    assert "kick-off" not in middle.text


def test_long_turn_splits_at_sentences_and_cites_the_same_turn():
    long = Transcript(id="t", turns=[Turn(0, "A", " ".join(f"Sentence number {i} is here." for i in range(60)))])
    chunks = chunk_transcript(long, ChunkSettings(max_words=50))
    assert len(chunks) == 6 and all(c.turns == (0,) for c in chunks)
    assert all(len(c.text.split()) <= 51 for c in chunks)  # + the speaker label
    assert chunks[0].text.startswith("A: Sentence number 0 is here.")


def test_overlong_sentence_is_cut_at_words():
    pieces = split_sentences_to_pieces("word " * 250, 100)
    assert [len(p.split()) for p in pieces] == [100, 100, 50]


def test_times_come_from_covered_turns():
    t = Transcript(id="v", turns=[Turn(0, "A", "We open the session now, welcome all.", 1.0, 4.0),
                                  Turn(1, "B", "Thanks.", 4.5, 5.0)])
    (chunk,) = chunk_transcript(t, ChunkSettings(min_words=4))
    assert (chunk.start, chunk.end, chunk.turns) == (1.0, 5.0, (0, 1))
