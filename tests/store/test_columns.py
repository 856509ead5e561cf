"""Columnar segment files: postings invert term counts exactly; BM25 from postings is the textbook
formula; an index of the previous format is refused with the command that rebuilds it."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import ragqa
from ragqa.cli import main as cli_main
from ragqa.errors import IndexFormatError
from ragqa.lexical import N_FEATURES, LexicalIndex, term_frequencies
from ragqa.store.columns import Postings
from ragqa.store.manifest import MANIFEST_NAME

SEED = Path(__file__).resolve().parents[1] / "data" / "samples" / "000_8668bff71fb91613.txt"
TEXTS = ["Il confine tra Kazakistan e Russia è lungo 7591 chilometri.", "Rosatom costruisce la centrale.",
         "Nove sedi di università russe.", "Il confine, il confine e ancora il confine."]


def _counts(postings: Postings, n_rows: int) -> sp.csr_matrix:
    cols = np.repeat(postings.terms, np.diff(postings.offsets))
    return sp.csr_matrix((postings.tfs, (postings.rows, cols)), shape=(n_rows, N_FEATURES))


def test_postings_invert_the_count_matrix():
    counts = term_frequencies(TEXTS, ["it"] * len(TEXTS))
    postings = Postings.from_counts(counts)
    assert np.all(np.diff(postings.terms) > 0)
    assert (_counts(postings, len(TEXTS)) != counts).nnz == 0
    ids = np.sort(counts[3].indices.astype(np.int64))
    found = postings.ranges(ids)
    assert [i for i, _, _ in found] == list(range(len(ids)))  # every term of chunk 3 is found, in order
    assert all(3 in postings.rows[start:end] for _, start, end in found)
    assert postings.ranges(np.array([N_FEATURES + 5])) == []  # an unknown term finds nothing


def test_bm25_from_postings_matches_the_textbook_formula():
    counts = term_frequencies(TEXTS, ["it"] * len(TEXTS)).toarray()
    scores = LexicalIndex.from_frequencies(sp.csr_matrix(counts)).scores("confine", "it")
    term = LexicalIndex.from_frequencies(term_frequencies(["confine"], ["it"])).parts[0].postings.terms[0]
    tf, dl = counts[:, term], counts.sum(axis=1)
    df = np.count_nonzero(tf)
    idf = np.log1p((len(TEXTS) - df + 0.5) / (df + 0.5))
    expected = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / dl.mean()))
    assert np.allclose(scores, expected, rtol=1e-5) and scores[3] > scores[0] > 0 == scores[1]


def test_an_index_of_the_previous_format_is_refused_and_rebuilt(tmp_path, capsys):
    """Format 1 kept transcript records in the manifest and term counts in terms.npz: it is refused with
    the command that rebuilds it, and that command works on the same folder."""
    index_dir = tmp_path / "index"
    ragqa.build_index([SEED], index_dir)
    manifest = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest.pop("checksum")
    manifest["format_version"] = 1
    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
    manifest["checksum"] = hashlib.sha256(body.encode()).hexdigest()
    (index_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    with pytest.raises(IndexFormatError, match="index format 1 is not supported.*ragqa build SOURCES"):
        ragqa.load_index(index_dir)
    assert cli_main(["build", str(SEED), "--index", str(index_dir), "--quiet"]) == 0
    assert ragqa.load_index(index_dir).search("Rosatom", k=1)[0].speaker == "Kassym-Jomart Tokayev"
