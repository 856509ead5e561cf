"""BM25 over hashed, stemmed terms.

Each segment of the index stores raw term frequencies (a sparse chunks x 2**22 matrix, terms hashed
with CRC32 so segments need no shared vocabulary); the BM25 weights are computed over all live
chunks when an index is opened, so adding a transcript only tokenizes that transcript.
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


@dataclass
class LexicalIndex:
    """BM25 scorer over a fixed set of chunks (rows)."""

    weights: sp.csc_matrix  # chunks x features, BM25 term weights

    @classmethod
    def from_frequencies(cls, tf: sp.csr_matrix, k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        n_docs = tf.shape[0]
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = float(doc_len.mean()) if n_docs else 1.0
        df = np.bincount(tf.indices, minlength=N_FEATURES).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        coo = tf.tocoo()
        norm = k1 * (1.0 - b + b * doc_len / max(avgdl, 1e-9))
        tfv = coo.data
        w = idf[coo.col] * tfv * (k1 + 1.0) / (tfv + norm[coo.row])
        weights = sp.csc_matrix((w.astype(np.float32), (coo.row, coo.col)), shape=tf.shape)
        return cls(weights=weights)

    def scores(self, query: str, lang: str | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where no term matches)."""
        ids = query_term_ids(query, lang)
        if len(ids) == 0 or self.weights.shape[0] == 0:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1), dtype=np.float32).ravel()
