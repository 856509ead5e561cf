"""The PostgreSQL store's chunks as a `CandidateSource`: one search's SQL under its filters, in one read-only
transaction. The dense top-n comes from the HNSW index (the filters as WHERE predicates, iterative scans), the
lexical top-n from full-text search on the GIN index; every lexical score is BM25 (`ragqa.lexical`) computed from
the chunks' tsvector lexeme counts, with document frequencies over the live chunks, so the ranker sees the same
features as on the local store."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import psycopg
from psycopg import sql

from ...language import STOPWORDS, detect_language
from ...lexical import FULL_SCORING_MAX, bm25, bm25_idf, length_norm
from ...settings import PostgresSettings
from ...types import Filters, Hit, TermCounts
from ..base import ChunkInfo

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_EF_SEARCH = 1000  # pgvector's limit
MAX_SCAN_TUPLES = 200_000  # how far an iterative HNSW scan may go to fill a filtered top-N
RANK_NORMALIZATION = 1  # ts_rank divides by 1 + log(document length): the lexical selection's order
SELECTION_POOL = 2  # the lexical top-n is the best n by BM25 of the best SELECTION_POOL * n by ts_rank
COMMON_SHARE = 0.05  # a lexeme in more of the chunks than this selects no candidates...
COMMON_ROWS = 5_000  # ... when it is also in more chunks than this (ranking a few thousand matches is cheap)
MIN_LEXEMES = 2  # the rarest lexemes that select candidates when all are common


@dataclass(frozen=True)
class PgQuery:
    """A query's lexemes found in the store (stemmed under every text-search config in use), their BM25 idf over
    the live chunks, and the tsquery that selects lexical candidates (None: no lexeme found)."""

    lexemes: list[str]
    idf: np.ndarray
    tsquery: str | None


@dataclass(frozen=True)
class Plan:
    """One SQL statement and its parameters."""

    query: sql.Composed
    params: dict[str, Any]


def topic_words(topic: str, lang: str | None) -> list[str]:
    """The words of a topic text, lower-cased, without the stopwords of `lang` (detected when None)."""
    stop = STOPWORDS.get(lang or detect_language(topic), frozenset())
    return sorted({w for w in _WORD.findall(topic.lower()) if w not in stop})


def query_lexemes(conn: psycopg.Connection, words: list[str], configs: list[str]) -> list[str]:
    """The words stemmed under every text-search config in use (chunks were stemmed in their own language and a
    short query's language is uncertain, as in `ragqa.lexical.query_term_ids`)."""
    if not words or not configs:
        return []
    rows = conn.execute("SELECT DISTINCT u.lexeme FROM unnest(%s::text[]) AS c(cfg), "
                        "LATERAL unnest(to_tsvector(c.cfg::regconfig, %s)) AS u ORDER BY 1",
                        (configs, " ".join(words))).fetchall()
    return [r[0] for r in rows]


def filter_sql(filters: Filters) -> tuple[sql.Composable, dict[str, Any]]:
    """The filters as predicates on chunk columns that have btree indexes (dates compare as strings, code point
    order, like the local store; `date_to` "2025-10" keeps every day of October)."""
    preds: list[sql.Composable] = []
    params: dict[str, Any] = {}
    if filters.speaker is not None:
        preds.append(sql.SQL("c.speaker_key = %(speaker)s"))
        params["speaker"] = filters.speaker.strip().casefold()
    if filters.transcript is not None:
        preds.append(sql.SQL("c.transcript_key = %(transcript)s"))
        params["transcript"] = filters.transcript.strip().casefold()
    if filters.date_from is not None:
        preds.append(sql.SQL("c.date >= %(date_from)s"))
        params["date_from"] = filters.date_from
    if filters.date_to is not None:  # date[:len(date_to)] <= date_to  <=>  date < date_to + U+10FFFF
        preds.append(sql.SQL("c.date < %(date_to)s"))
        params["date_to"] = filters.date_to + "\U0010ffff"
    return (sql.SQL(" AND ").join(preds) if preds else sql.SQL("true")), params


def filtered_plan(ns: str, filters: Filters, limit: int) -> Plan:
    """The positions of the chunks passing the filters, ascending, at most `limit` of them."""
    where, params = filter_sql(filters)
    return Plan(sql.SQL("SELECT c.position FROM {}.chunks c WHERE {} ORDER BY c.position LIMIT %(limit)s").format(
        sql.Identifier(ns), where), {**params, "limit": limit})


def dense_plan(ns: str, filters: Filters, query_vector: np.ndarray, n: int) -> Plan:
    """The n nearest chunks by inner product under the filters (the HNSW index, `set_search_options`)."""
    where, params = filter_sql(filters)
    return Plan(sql.SQL("SELECT c.position FROM {}.chunks c WHERE {} ORDER BY c.vector <#> %(qv)s LIMIT %(n)s").format(
        sql.Identifier(ns), where), {**params, "qv": query_vector, "n": n})


def lexical_plan(ns: str, filters: Filters, tsquery: str, n: int) -> Plan:
    """The n best full-text matches of `tsquery` under the filters by ts_rank (the GIN index)."""
    where, params = filter_sql(filters)
    return Plan(sql.SQL("SELECT c.position FROM {ns}.chunks c WHERE c.tsv @@ %(tsq)s::tsquery AND {where} "
                        "ORDER BY ts_rank(c.tsv, %(tsq)s::tsquery, {norm}) DESC, c.position LIMIT %(n)s").format(
        ns=sql.Identifier(ns), where=where, norm=sql.Literal(RANK_NORMALIZATION)), {**params, "tsq": tsquery, "n": n})


def set_search_options(conn: psycopg.Connection, pg: PostgresSettings, n: int) -> None:
    """HNSW search breadth and iterative scans (pgvector >= 0.8: a filtered query keeps scanning the graph until
    it has n rows that pass the filters), for the current transaction."""
    ef = min(max(pg.ef_search, n), MAX_EF_SEARCH)
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', "
                 "'relaxed_order', true), set_config('hnsw.max_scan_tuples', %s, true)",
                 (str(ef), str(MAX_SCAN_TUPLES)))


def tsquery_text(lexemes: list[str], shares: dict[str, float], size: int) -> str | None:
    """An OR of the lexemes without those too common to say anything: in more than COMMON_SHARE of the chunks and
    more than COMMON_ROWS of them (their BM25 weight is near zero, and matching them would make the server rank
    most of a big table). The rarest MIN_LEXEMES stay when all are common."""
    if not lexemes:
        return None
    by_share = sorted(lexemes, key=lambda x: (shares.get(x, 0.0), x))
    common = {x for x in by_share if shares.get(x, 0.0) > COMMON_SHARE and shares.get(x, 0.0) * size > COMMON_ROWS}
    kept = [x for x in by_share if x not in common] or by_share[:MIN_LEXEMES]
    return " | ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in sorted(kept))


def _aligned(found: dict[int, float], rows: np.ndarray) -> np.ndarray:
    return np.array([found.get(int(r), 0.0) for r in rows], dtype=np.float64)


class PostgresSource:
    """`CandidateSource` over the chunks table of schema `pg.namespace` on `conn` (inside the search's
    transaction: the HNSW options are transaction-local)."""

    def __init__(self, conn: psycopg.Connection, pg: PostgresSettings, configs: list[str], size: int,
                 ranker_encoder: str | None, speakers: Sequence[str], filters: Filters) -> None:
        self.conn = conn
        self.pg = pg
        self.ns = pg.namespace
        self.configs = configs
        self.filters = filters
        self._size = size
        self._ranker_encoder = ranker_encoder
        self._speakers = list(speakers)
        self._avg_len: float | None = None
        self._length: dict[int, float] = {}

    def _sql(self, template: str) -> sql.Composed:
        return sql.SQL(template).format(ns=sql.Identifier(self.ns))

    def _run(self, plan: Plan) -> np.ndarray:
        return np.array([r[0] for r in self.conn.execute(plan.query, plan.params).fetchall()], dtype=np.int64)

    @property
    def size(self) -> int:
        return self._size

    @property
    def ranker_encoder(self) -> str | None:
        return self._ranker_encoder

    def speakers(self) -> Sequence[str]:
        return self._speakers

    def filtered(self, limit: int) -> np.ndarray | None:
        if not self.filters.active():
            return None
        rows = self._run(filtered_plan(self.ns, self.filters, limit + 1))
        return rows if len(rows) <= limit else None

    def dense_top(self, query_vector: np.ndarray, n: int) -> np.ndarray:
        set_search_options(self.conn, self.pg, n)
        return self._run(dense_plan(self.ns, self.filters, query_vector, n))

    def lexical_query(self, text: str, lang: str | None) -> PgQuery:
        lexemes = query_lexemes(self.conn, topic_words(text, lang), self.configs)
        shares = self._shares() if lexemes else {}
        df = self._document_frequencies(lexemes, shares)
        found = [i for i, d in enumerate(df) if d > 0]
        lexemes = [lexemes[i] for i in found]
        return PgQuery(lexemes=lexemes, idf=bm25_idf(self._size, df[found]),
                       tsquery=tsquery_text(lexemes, shares, self._size))

    def _shares(self) -> dict[str, float]:
        """Share of chunks holding each of the table's most common lexemes (ANALYZE's statistics)."""
        row = self.conn.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                                "WHERE schemaname = %s AND tablename = 'chunks' AND attname = 'tsv'",
                                (self.ns,)).fetchone()
        if row is None or row[0] is None:
            return {}
        return dict(zip(row[0], row[1]))

    def _document_frequencies(self, lexemes: list[str], shares: dict[str, float]) -> np.ndarray:
        """Chunks holding each lexeme: counted on the GIN index, except for the lexemes ANALYZE found common in
        a big table (its estimate; below ANALYZE's sample size of 30,000 rows the statistics hold every chunk)."""
        estimated = {x: shares[x] * self._size for x in lexemes if x in shares and shares[x] * self._size > COMMON_ROWS}
        counted = [x for x in lexemes if x not in estimated]
        found = dict(self.conn.execute(self._sql(
            "SELECT l, (SELECT count(*) FROM {ns}.chunks c WHERE c.tsv @@ quote_literal(l)::tsquery) "
            "FROM unnest(%s::text[]) AS q(l)"), (counted,)).fetchall()) if counted else {}
        return np.array([estimated[x] if x in estimated else found[x] for x in lexemes], dtype=np.float64)

    def lexical_top(self, query: PgQuery, n: int) -> np.ndarray:
        if query.tsquery is None:
            return np.zeros(0, dtype=np.int64)
        pool = np.sort(self._run(lexical_plan(self.ns, self.filters, query.tsquery, SELECTION_POOL * n)))
        scores = self.lexical_scores(query, pool)
        keep = np.lexsort((pool, -scores))[:n]
        return pool[keep][scores[keep] > 0]

    def _counts(self, query: PgQuery, rows: np.ndarray) -> np.ndarray:
        """The query lexemes' counts in each row (lexemes x rows), from the tsvectors."""
        counts = np.zeros((len(query.lexemes), len(rows)))
        if len(rows) == 0 or not query.lexemes:
            return counts
        found = self.conn.execute(self._sql(
            "SELECT c.position, u.lexeme, coalesce(array_length(u.positions, 1), 1) FROM {ns}.chunks c, "
            "unnest(c.tsv) u WHERE c.position = ANY(%s) AND u.lexeme = ANY(%s)"),
            (rows.tolist(), query.lexemes)).fetchall()
        column = {int(r): i for i, r in enumerate(rows)}
        term = {x: i for i, x in enumerate(query.lexemes)}
        for position, lexeme, n in found:
            counts[term[lexeme], column[int(position)]] = n
        return counts

    def _lengths(self, rows: np.ndarray) -> np.ndarray:
        """Each row's term count (the counts of its lexemes summed), read once per row and search."""
        missing = [int(r) for r in rows if int(r) not in self._length]
        if missing:
            self._length.update(self.conn.execute(self._sql(
                "SELECT c.position, (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) "
                "FROM unnest(c.tsv) u) FROM {ns}.chunks c WHERE c.position = ANY(%s)"), (missing,)).fetchall())
        return np.array([self._length[int(r)] for r in rows], dtype=np.float64)

    def _mean_length(self) -> float:
        """Mean term count of the live chunks (the transcripts' term counts are their chunks' sums)."""
        if self._avg_len is None:
            total = self.conn.execute(self._sql("SELECT coalesce(sum(n_terms), 0) FROM {ns}.transcripts")).fetchone()[0]
            self._avg_len = max(float(total) / max(self._size, 1), 1e-9)
        return self._avg_len

    def lexical_scores(self, query: PgQuery, rows: np.ndarray) -> np.ndarray:
        if not query.lexemes:
            return np.zeros(len(rows))
        return bm25(self._counts(query, rows), query.idf, length_norm(self._lengths(rows), self._mean_length()))

    def term_counts(self, query: PgQuery, rows: np.ndarray) -> TermCounts:
        if not query.lexemes:
            return TermCounts(counts=np.zeros((0, len(rows))), idf=np.zeros(0))
        return TermCounts(counts=self._counts(query, rows), idf=np.asarray(query.idf, dtype=np.float64))

    def transcript_lexical(self, query: PgQuery, rows: np.ndarray) -> np.ndarray | None:
        if self._size > FULL_SCORING_MAX:
            return None
        if not query.lexemes or len(rows) == 0:
            return np.zeros(len(rows))
        owners = self.conn.execute(self._sql("SELECT position, transcript_id FROM {ns}.chunks WHERE position = ANY(%s)"),
                                   (rows.tolist(),)).fetchall()
        owner = dict(owners)
        ids = sorted(set(owner.values()))
        n_docs, total = self.conn.execute(self._sql(
            "SELECT count(*), coalesce(sum(n_terms), 0) FROM {ns}.transcripts WHERE n_chunks > 0")).fetchone()
        lengths = dict(self.conn.execute(self._sql("SELECT id, n_terms FROM {ns}.transcripts WHERE id = ANY(%s)"),
                                         (ids,)).fetchall())
        df = dict(self.conn.execute(self._sql(
            "SELECT lexeme, count(*) FROM {ns}.transcript_terms WHERE lexeme = ANY(%s) GROUP BY lexeme"),
            (query.lexemes,)).fetchall())
        counts = np.zeros((len(query.lexemes), len(ids)))
        column = {t: j for j, t in enumerate(ids)}
        term = {x: i for i, x in enumerate(query.lexemes)}
        for tid, lexeme, n in self.conn.execute(self._sql(
                "SELECT transcript_id, lexeme, n FROM {ns}.transcript_terms WHERE transcript_id = ANY(%s) "
                "AND lexeme = ANY(%s)"), (ids, query.lexemes)).fetchall():
            counts[term[lexeme], column[tid]] = n
        idf = bm25_idf(float(n_docs), np.array([df.get(x, 0) for x in query.lexemes], dtype=np.float64))
        norm = length_norm(np.array([lengths[t] for t in ids], dtype=np.float64),
                           max(float(total) / max(int(n_docs), 1), 1e-9))
        scores = bm25(counts, idf, norm)
        return np.array([scores[column[owner[int(r)]]] for r in rows], dtype=np.float64)

    def _cosines(self, query_vector: np.ndarray, rows: np.ndarray, column: str) -> np.ndarray:
        """Inner product of `query_vector` with each row's vector in `column` (0 where NULL)."""
        found = dict(self.conn.execute(sql.SQL(
            "SELECT position, -({col} <#> %s) FROM {ns}.chunks WHERE position = ANY(%s) AND {col} IS NOT NULL").format(
            col=sql.Identifier(column), ns=sql.Identifier(self.ns)), (query_vector, rows.tolist())).fetchall())
        return _aligned(found, rows)

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self._cosines(query_vector, rows, "vector")

    def encoder_cosines(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self._cosines(query_vector, rows, "ranker_vector")  # NULL outside the encoder's language

    def chunks(self, rows: np.ndarray) -> ChunkInfo:
        found = {int(r[0]): r[1:] for r in self.conn.execute(self._sql(
            "SELECT position, lang, speaker, transcript_id, word_count, cardinality(turns) FROM {ns}.chunks "
            "WHERE position = ANY(%s)"), (rows.tolist(),)).fetchall()}
        ordered = [found[int(r)] for r in rows]
        _, owner = np.unique(np.array([r[2] for r in ordered], dtype=object), return_inverse=True)
        return ChunkInfo(langs=np.array([r[0] for r in ordered], dtype=object), speakers=[r[1] for r in ordered],
                         owner=owner.astype(np.int64).reshape(-1), word_counts=np.array([r[3] for r in ordered],
                                                                                        dtype=np.float64),
                         turn_counts=np.array([r[4] for r in ordered], dtype=np.int64))

    def hits(self, ranked: Sequence[tuple[int, float]]) -> list[Hit]:
        if not ranked:
            return []
        found = {int(r[0]): r[1:] for r in self.conn.execute(self._sql(
            "SELECT c.position, c.id, c.transcript_id, t.title, t.date, c.turns, c.speaker, c.text, c.start, "
            "c.\"end\" FROM {ns}.chunks c JOIN {ns}.transcripts t ON t.id = c.transcript_id "
            "WHERE c.position = ANY(%s)"), ([int(row) for row, _ in ranked],)).fetchall()}
        hits = []
        for row, score in ranked:
            chunk_id, tid, title, date, turns, speaker, text, start, end = found[int(row)]
            hits.append(Hit(chunk_id=chunk_id, transcript_id=tid, title=title, speaker=speaker, turns=list(turns),
                            text=text, score=float(score), date=date, start=start, end=end))
        return hits
