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
from .types import TermCounts

HASH_BITS = 22
N_FEATURES = 1 << HASH_BITS
K1, B = 1.2, 0.75  # BM25's term-frequency saturation and length normalisation, for chunks, windows and transcripts
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


def bm25_idf(n_docs: float, df: np.ndarray | float) -> np.ndarray:
    """BM25's idf of terms held by `df` of `n_docs` documents: ln(1 + (N - df + 0.5) / (df + 0.5))."""
    return np.log1p((n_docs - np.asarray(df, dtype=np.float64) + 0.5) / (np.asarray(df, dtype=np.float64) + 0.5))


def length_norm(doc_len: np.ndarray, avg_len: float, k1: float = K1, b: float = B) -> np.ndarray:
    """BM25's per-document denominator term k1 * (1 - b + b * len / avglen)."""
    return k1 * (1.0 - b + b * np.asarray(doc_len) / avg_len)


def bm25(tf: np.ndarray, idf: np.ndarray, norm: np.ndarray, k1: float = K1) -> np.ndarray:
    """BM25 of documents from their term counts `tf` (terms, documents), the terms' `idf` (terms,) and the
    documents' `length_norm` (documents,)."""
    if len(idf) == 0:
        return np.zeros(np.shape(norm)[-1] if np.ndim(norm) else 0)
    return (idf[:, None] * tf * (k1 + 1.0) / (tf + norm)).sum(axis=0)


FULL_SCORING_MAX = 200_000  # up to this many chunks every matching chunk is scored (a few ms at 100k)
COMMON_SHARE, COMMON_MIN = 0.05, 5_000  # above that size, terms in more than 5% (and 5,000) of the chunks
# do not select candidates (they still count in every candidate's exact score): at 1M chunks a title's
# common words ("president", "meeting") match 40% of the index, and scoring all of them took 20-60 ms


@dataclass(frozen=True)
class PostingsPart:
    """The postings of one segment and where its live chunks are in the snapshot: rows `offset` ..
    `offset + n_live - 1`, for segment chunks `local_rows` (None: every chunk, in order); `row_of` maps
    a segment chunk to its row (-1: not live; None: every chunk live)."""

    postings: Postings
    offset: int
    n_live: int
    local_rows: np.ndarray | None = None
    row_of: np.ndarray | None = None

    def live(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Snapshot rows and tfs of the live postings `start:end`."""
        local, tf = self.postings.rows[start:end], self.postings.tfs[start:end]
        if self.row_of is None:
            return local + self.offset, tf
        rows = self.row_of[local]
        keep = rows >= 0
        return rows[keep], tf[keep]

    def live_count(self, start: int, end: int) -> int:
        if self.row_of is None:
            return end - start
        return int(np.count_nonzero(self.row_of[self.postings.rows[start:end]] >= 0))

    def tf_of(self, start: int, end: int, rows: np.ndarray) -> np.ndarray:
        """tf of postings `start:end` (one term) in each of the snapshot `rows` (0 where absent)."""
        out = np.zeros(len(rows), dtype=np.float32)
        rel = rows - self.offset
        inside = np.flatnonzero((rel >= 0) & (rel < self.n_live))
        if len(inside) == 0:
            return out
        local = rel[inside] if self.local_rows is None else self.local_rows[rel[inside]]
        term_rows = self.postings.rows[start:end]
        at = np.minimum(np.searchsorted(term_rows, local), len(term_rows) - 1)
        found = term_rows[at] == local
        out[inside[found]] = self.postings.tfs[start:end][at[found]]
        return out


class LexicalIndex:
    """BM25 over the live chunks of a snapshot, computed per query from the segments' postings: opening
    or growing an index computes no weights, and document frequencies count live chunks only."""

    def __init__(self, parts: list[PostingsPart], doc_len: np.ndarray) -> None:
        self.parts = parts
        self.size = len(doc_len)
        doc_len = np.asarray(doc_len, dtype=np.float32)
        avgdl = max(float(doc_len.mean()), 1e-9) if self.size else 1.0
        self.doc_len = doc_len
        self.norm = length_norm(doc_len, avgdl).astype(np.float32)

    @classmethod
    def from_frequencies(cls, tf: sp.csr_matrix) -> "LexicalIndex":
        """An index over the rows of a chunks x features count matrix."""
        tf = tf.tocsr()
        return cls([PostingsPart(Postings.from_counts(tf), 0, tf.shape[0])], np.asarray(tf.sum(axis=1)).ravel())

    def query(self, text: str, lang: str | None = None) -> "LexicalQuery":
        """The query's terms found in the index, with their weights: prepared once per search and used
        for candidates (`top`), candidate scores (`scores_of`) and transcript scores (`group_scores`)."""
        ids = query_term_ids(text, lang)
        ranges: dict[int, list[tuple[PostingsPart, int, int]]] = {}
        for part in self.parts:
            for i, start, end in part.postings.ranges(ids):
                ranges.setdefault(i, []).append((part, start, end))
        terms = []
        for i in sorted(ranges):
            df = sum(part.live_count(start, end) for part, start, end in ranges[i])
            if df:
                terms.append((float(bm25_idf(self.size, df) * (K1 + 1.0)), ranges[i]))
        return LexicalQuery(terms)

    def _accumulate(self, terms: list[QueryTerm]) -> np.ndarray:
        all_rows, all_weights = [], []
        for idf, ranges in terms:
            for part, start, end in ranges:
                rows, tf = part.live(start, end)
                all_rows.append(rows)
                all_weights.append(np.float32(idf) * tf / (tf + self.norm[rows]))
        if not all_rows:
            return np.zeros(self.size, dtype=np.float32)
        return np.bincount(np.concatenate(all_rows), weights=np.concatenate(all_weights),
                           minlength=self.size).astype(np.float32)

    def _full(self, query: "LexicalQuery") -> np.ndarray:
        """Every chunk's score for `query`, computed once per query."""
        if query.full is None:
            query.full = self._accumulate(query.terms)
        return query.full

    def scores(self, query: str, lang: str | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros where no term matches)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        return self._full(self.query(query, lang))

    def scores_of(self, query: "LexicalQuery", rows: np.ndarray) -> np.ndarray:
        """Exact BM25 scores of the given rows only (sorted snapshot rows)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.size <= FULL_SCORING_MAX:
            return self._full(query)[rows]
        out = np.zeros(len(rows), dtype=np.float32)
        norm = self.norm[rows]
        for idf, ranges in query.terms:
            tf = sum(part.tf_of(start, end, rows) for part, start, end in ranges)
            out += np.float32(idf) * tf / (tf + norm)
        return out

    def term_counts(self, query: "LexicalQuery", rows: np.ndarray) -> TermCounts:
        """Counts of each of the query's terms in the given rows (sorted snapshot rows), with their idf."""
        rows = np.asarray(rows, dtype=np.int64)
        counts = np.zeros((len(query.terms), len(rows)))
        for i, (_, ranges) in enumerate(query.terms):
            for part, start, end in ranges:
                counts[i] += part.tf_of(start, end, rows)
        idf = np.array([weight / (K1 + 1.0) for weight, _ in query.terms], dtype=np.float64)
        return TermCounts(counts=counts, idf=idf)

    def group_scores(self, query: "LexicalQuery", groups: np.ndarray, n_groups: int) -> np.ndarray:
        """BM25 of each group of chunks (`groups[row]`, e.g. a transcript) as one document: term counts
        and lengths summed over the group's chunks, document frequencies counted over groups."""
        out = np.zeros(n_groups, dtype=np.float32)
        if self.size == 0:
            return out
        present = np.bincount(groups, minlength=n_groups) > 0
        n_docs = int(present.sum())
        doc_len = np.bincount(groups, weights=self.doc_len, minlength=n_groups)
        norm = length_norm(doc_len, max(float(doc_len[present].mean()), 1e-9))
        for _, ranges in query.terms:
            tf = np.zeros(n_groups)
            for part, start, end in ranges:
                rows, counts = part.live(start, end)
                tf += np.bincount(groups[rows], weights=counts, minlength=n_groups)
            idf = bm25_idf(n_docs, np.count_nonzero(tf))
            out += bm25(tf[None, :], np.atleast_1d(idf), norm).astype(np.float32)
        return out

    def top(self, query: "LexicalQuery", n: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows of (about) the n best BM25 matches, best first. Above FULL_SCORING_MAX chunks the query's
        most common terms do not select candidates (see COMMON_SHARE); their weight in any chunk's score
        is small, and `scores_of` still counts them."""
        if self.size > FULL_SCORING_MAX and query.terms:
            cap = max(COMMON_MIN, COMMON_SHARE * self.size)
            rare = [t for t in query.terms if sum(e - s for _, s, e in t[1]) <= cap]
            scores = self._accumulate(rare or sorted(query.terms, key=lambda t: -t[0])[:2])  # else the two rarest
        else:
            scores = self._full(query)
        found = np.flatnonzero(scores > 0) if mask is None else np.flatnonzero((scores > 0) & mask)
        return top_rows(scores[found], found, n)


QueryTerm = tuple[float, list[tuple[PostingsPart, int, int]]]  # (idf * (k1 + 1), postings ranges per segment)


@dataclass
class LexicalQuery:
    """A query prepared against one LexicalIndex: its terms found there, and every chunk's score once
    something needed them all."""

    terms: list[QueryTerm]
    full: np.ndarray | None = None


def top_rows(scores: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n best scores, best first; ties broken by row (stable, deterministic)."""
    if len(rows) == 0:
        return rows
    n = min(n, len(rows))
    part = np.argpartition(-scores, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
    order = np.lexsort((rows[part], -scores[part]))
    return rows[part][order]
