"""The one sentence splitter on seed and QMSum text."""
from ragqa.sentences import split_sentences


def test_sentences_and_lines_keep_their_labels():
    assert split_sentences("Vladimir Putin: Grazie. Vi aspettiamo!\nKassym-Jomart Tokayev: Grazie.") == [
        "Vladimir Putin: Grazie.", "Vi aspettiamo!", "Kassym-Jomart Tokayev: Grazie."]


def test_ellipses_paragraphs_and_no_break_inside_numbers():
    assert split_sentences("Il volume è di 28,5 miliardi… Poi?\n\n  Sì.") == [
        "Il volume è di 28,5 miliardi…", "Poi?", "Sì."]
    assert split_sentences("The border is 7,591 km long.") == ["The border is 7,591 km long."]
    assert split_sentences("  \n ") == []
