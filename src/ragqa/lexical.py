"""BM25 over hashed, stemmed terms.

Each segment of the index stores its term counts as postings (terms hashed with CRC32 into 2**22
features, so segments need no shared vocabulary); BM25 weights are computed at query time for the
query's terms over the live chunks, so opening an index or adding a transcript computes no weights.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import Stemmer

from .language import STEMMER_NAMES, STOPWORDS, detect_language
from .store.columns import Postings

HASH_BITS = 22
N_FEATURES = 1 << HASH_BITS
_MARKUP = re.compile(r"\{[a-z_]+\}|<[^>]{1,40}>")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=None)
def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    name = STEMMER_NAMES.get(lang)
    return Stemmer.Stemmer(name) if name else None


def strip_markup(text: str) -> str:
    """Text without transcription markup such as `{disfmarker}` or `{vocalsound}` (QMSum)."""
    return " ".join(_MARKUP.sub(" ", text).split()) if "{" in text or "<" in text else text


def _words(text: str, lang: str) -> list[str]:
    stop = STOPWORDS.get(lang, frozenset())
    return [w for w in _TOKEN.findall(_MARKUP.sub(" ", text).lower()) if w not in stop]


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Lowercased, stopword-free, stemmed terms of `text` (language detected when not given)."""
    lang = lang or detect_language(text)
    words = _words(text, lang)
    stemmer = _stemmer(lang)
    return stemmer.stemWords(words) if stemmer else words


@lru_cache(maxsize=1 << 18)
def _term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (N_FEATURES - 1)


def term_ids(terms: list[str]) -> np.ndarray:
    """Stable hashed ids of terms (CRC32 folded to HASH_BITS; memoised: a corpus repeats its terms)."""
    return np.fromiter(map(_term_id, terms), dtype=np.int64, count=len(terms))


def term_frequencies(texts: list[str], langs: list[str | None] | None = None) -> sp.csr_matrix:
    """Sparse chunks x N_FEATURES matrix of raw term counts (each text stemmed in its language,
    detected where `langs` does not say)."""
    indptr = [0]
    indices: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for i, text in enumerate(texts):
        ids, cnt = np.unique(term_ids(tokenize(text, langs[i] if langs else None)), return_counts=True)
        indices.append(ids)
        counts.append(cnt)
        indptr.append(indptr[-1] + len(ids))
    matrix = sp.csr_matrix(
        (np.concatenate(counts).astype(np.float32) if counts else np.zeros(0, np.float32),
         np.concatenate(indices).astype(np.int32) if indices else np.zeros(0, np.int32),
         np.asarray(indptr, dtype=np.int64)),
        shape=(len(texts), N_FEATURES),
    )
    return matrix


def query_term_ids(query: str, lang: str | None = None) -> np.ndarray:
    """Hashed terms of a query under every supported stemmer: documents were stemmed in their own
    language, and a short query ("università") gives too little evidence to know which one."""
    words = _words(query, lang or detect_language(query))
    terms = {t for lang in STEMMER_NAMES for t in _stemmer(lang).stemWords(words)}
    return np.unique(term_ids(sorted(terms)))


@dataclass(frozen=True)
class PostingsPart:
    """The postings of one segment and where its chunks are in the snapshot: row `offset + i` for
    chunk i when `row_of` is None (every chunk live), else `row_of[i]` (-1: not live)."""

    postings: Postings
    row_of: np.ndarray | None = None
    offset: int = 0

    def term_postings(self, ids: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(query term position, snapshot rows, tfs) of the live postings of each term of `ids` found here."""
        out = []
        for i, start, end in self.postings.ranges(ids):
            local, tf = self.postings.rows[start:end], self.postings.tfs[start:end]
            if self.row_of is None:
                out.append((i, local + self.offset, tf))
            else:
                rows = self.row_of[local]
                live = rows >= 0
                out.append((i, rows[live], tf[live]))
        return out


class LexicalIndex:
    """BM25 over the live chunks of a snapshot, computed per query from the segments' postings: opening
    or growing an index computes no weights, and document frequencies count live chunks only."""

    def __init__(self, parts: list[PostingsPart], doc_len: np.ndarray, k1: float = 1.2, b: float = 0.75) -> None:
        self.parts = parts
        self.size = len(doc_len)
        doc_len = np.asarray(doc_len, dtype=np.float32)
        avgdl = max(float(doc_len.mean()), 1e-9) if self.size else 1.0
        self.k1 = k1
        self.norm = (k1 * (1.0 - b + b * doc_len / avgdl)).astype(np.float32)  # BM25 length normalisation

    @classmethod
    def from_frequencies(cls, tf: sp.csr_matrix) -> "LexicalIndex":
        """An index over the rows of a chunks x features count matrix."""
        tf = tf.tocsr()
        return cls([PostingsPart(Postings.from_counts(tf))], np.asarray(tf.sum(axis=1)).ravel())

    def scores(self, query: str, lang: str | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where no term matches)."""
        ids = query_term_ids(query, lang)
        if len(ids) == 0 or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        by_term: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for part in self.parts:
            for i, rows, tf in part.term_postings(ids):
                by_term.setdefault(i, []).append((rows, tf))
        all_rows, all_weights = [], []
        for found in by_term.values():
            df = sum(len(rows) for rows, _ in found)
            idf = np.float32(np.log1p((self.size - df + 0.5) / (df + 0.5)) * (self.k1 + 1.0))
            for rows, tf in found:
                all_rows.append(rows)
                all_weights.append(idf * tf / (tf + self.norm[rows]))
        if not all_rows:
            return np.zeros(self.size, dtype=np.float32)
        return np.bincount(np.concatenate(all_rows), weights=np.concatenate(all_weights),
                           minlength=self.size).astype(np.float32)
