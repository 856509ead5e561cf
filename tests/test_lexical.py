import numpy as np

from ragqa.lexical import LexicalIndex, term_frequencies, tokenize

TEXTS = [  # sentences of the seed transcript (kremlin.ru, CC BY 4.0)
    "Il Kazakistan e la Russia condividono il confine di Stato più lungo del mondo: 7591 chilometri.",
    "la costruzione di una centrale nucleare con la partecipazione diretta di «Rosatom».",
    "nove sedi distaccate di università russe operano con successo in Kazakistan",
    "Project Manager: Yeah . {vocalsound} Okay .",
]


def test_tokenize_stems_drops_stopwords_and_markup():
    assert tokenize("Le università russe operano", "it") == ["univers", "russ", "oper"]
    assert "vocalsound" not in tokenize(TEXTS[3])
    assert tokenize("The meetings are discussed", "en") == ["meet", "discuss"]


def test_bm25_ranks_the_matching_passage_first():
    index = LexicalIndex.from_frequencies(term_frequencies(TEXTS))
    assert int(np.argmax(index.scores("confine 7591"))) == 0
    assert int(np.argmax(index.scores("Rosatom centrale"))) == 1
    assert int(np.argmax(index.scores("università"))) == 2
    assert not index.scores("zebra").any()


def test_segments_can_be_stacked_without_shared_vocabulary():
    import scipy.sparse as sp

    whole = LexicalIndex.from_frequencies(term_frequencies(TEXTS)).scores("Kazakistan")
    parts = sp.vstack([term_frequencies(TEXTS[:2]), term_frequencies(TEXTS[2:])]).tocsr()
    assert np.allclose(LexicalIndex.from_frequencies(parts).scores("Kazakistan"), whole)
