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


def _two_segments(dead: int) -> tuple[LexicalIndex, LexicalIndex]:
    """The same live chunks as two segments (the first with chunk `dead` no longer live) and as one
    matrix: BM25 must not depend on how the chunks are stored."""
    from ragqa.lexical import PostingsPart
    from ragqa.store.columns import Postings

    first, second = term_frequencies(TEXTS[:3]), term_frequencies(TEXTS[3:] + TEXTS[:1])
    live = np.array([i for i in range(3) if i != dead])
    row_of = np.full(3, -1)
    row_of[live] = np.arange(len(live))
    parts = [PostingsPart(Postings.from_counts(first), 0, len(live), live, row_of),
             PostingsPart(Postings.from_counts(second), len(live), 2)]
    doc_len = np.concatenate([np.asarray(first.sum(axis=1)).ravel()[live], np.asarray(second.sum(axis=1)).ravel()])
    import scipy.sparse as sp

    flat = sp.vstack([first[live], second]).tocsr()
    return LexicalIndex(parts, doc_len), LexicalIndex.from_frequencies(flat)


def test_scores_over_segments_with_removed_chunks_equal_one_matrix():
    segmented, flat = _two_segments(dead=1)
    for query in ("Kazakistan confine", "Rosatom", "università russe", "Okay"):
        assert np.allclose(segmented.scores(query), flat.scores(query))


def test_large_index_paths_give_exact_scores_for_candidates(monkeypatch):
    """Above FULL_SCORING_MAX, candidates come from the query's uncommon terms and are scored exactly
    row by row; forced here on a small index, the scores must equal full scoring."""
    import ragqa.lexical as lexical

    segmented, flat = _two_segments(dead=1)
    query = "Kazakistan confine Rosatom"
    full = flat.scores(query)
    monkeypatch.setattr(lexical, "FULL_SCORING_MAX", 0)
    monkeypatch.setattr(lexical, "COMMON_MIN", 2)  # live chunks: T0, T2, T3, T0
    rows = np.arange(segmented.size)
    assert np.allclose(segmented.scores_of(segmented.query(query), rows), full, rtol=1e-5)
    assert np.allclose(segmented.scores_of(segmented.query(query), np.array([1, 3])), full[[1, 3]], rtol=1e-5)
    # "Kazakistan" (3 chunks) is common, "confine" (2) is not: only chunks with "confine" are candidates
    assert full[1] > 0 and segmented.top(segmented.query(query), 10).tolist() == [0, 3]


def test_group_scores_treat_each_group_as_one_document():
    langs = ["it"] * len(TEXTS)
    index = LexicalIndex.from_frequencies(term_frequencies(TEXTS, langs))
    joined = LexicalIndex.from_frequencies(term_frequencies([" ".join(TEXTS[:2]), " ".join(TEXTS[2:])], ["it", "it"]))
    groups = np.array([0, 0, 1, 1])
    for query in ("Kazakistan confine", "università russe", "Rosatom"):
        assert np.allclose(index.group_scores(index.query(query, "it"), groups, 2), joined.scores(query, "it"), atol=1e-5)
