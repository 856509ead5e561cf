"""Hybrid search next to the data: SQL generates candidates (dense top-N by HNSW with the filters as
WHERE predicates and iterative index scans, lexical top-N by full-text search) and scores every
candidate on both sides in the same query (across transcripts, each candidate's transcript also gets its
BM25 as one document, from transcript_terms); `retrieval.rank_candidates` ranks them, the same code
as the local store."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from ...embedding.ranker_encoder import load_ranker_encoder
from ...language import STOPWORDS, detect_language, query_language
from ...lexical import FULL_SCORING_MAX
from ...query_analysis import clause_topics, speakers_named, topic_text, without_speakers
from ...embedding.query_adapter import QueryAdapter
from ...ranking.gates import wants_adapter, wants_encoder
from ...ranking.rank import rank_candidates
from ...retrieval.candidates import ALL_ROWS_MAX, Candidates, ClauseTerms
from ...settings import PostgresSettings, RetrievalSettings
from ...types import Filters, Hit, TermCounts

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_EF_SEARCH = 1000  # pgvector's limit
MAX_SCAN_TUPLES = 200_000  # how far an iterative HNSW scan may go to fill a filtered top-N
RANK_NORMALIZATION = 1  # ts_rank divides by 1 + log(document length)
COMMON_SHARE = 0.05  # a lexeme in more of the chunks than this is left out of the lexical query
COMMON_ROWS = 5_000  # ... and in more chunks than this (ranking a few thousand matches is cheap)
MIN_LEXEMES = 2


def query_words(query: str, named_speakers: set[str] = frozenset()) -> list[str]:
    """Topic words of a query, lower-cased, without the stopwords of its (detected) language and the
    words of the speakers it names (the speaker boost handles those, as in the local store)."""
    lang = query_language(query)
    return topic_words(without_speakers(topic_text(query, lang), set(named_speakers)), lang)


def topic_words(topic: str, lang: str | None) -> list[str]:
    """The words of a topic text, lower-cased, without the stopwords of `lang` (detected when None)."""
    stop = STOPWORDS.get(lang or detect_language(topic), frozenset())
    return sorted({w for w in _WORD.findall(topic.lower()) if w not in stop})


def query_lexemes(conn: psycopg.Connection, words: list[str], configs: list[str]) -> list[str]:
    """The words stemmed under every text-search config in use (chunks were stemmed in their own
    language and a short query's language is uncertain, as in `ragqa.lexical.query_term_ids`)."""
    if not words or not configs:
        return []
    rows = conn.execute("SELECT DISTINCT u.lexeme FROM unnest(%s::text[]) AS c(cfg), "
                        "LATERAL unnest(to_tsvector(c.cfg::regconfig, %s)) AS u ORDER BY 1",
                        (configs, " ".join(words))).fetchall()
    return [r[0] for r in rows]


def lexeme_shares(conn: psycopg.Connection, ns: str) -> dict[str, float]:
    """Share of chunks holding each of the table's most common lexemes (ANALYZE's statistics)."""
    row = conn.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                       "WHERE schemaname = %s AND tablename = 'chunks' AND attname = 'tsv'", (ns,)).fetchone()
    if row is None or row[0] is None:
        return {}
    return dict(zip(row[0], row[1]))


def tsquery_text(lexemes: list[str], shares: dict[str, float], size: int) -> str | None:
    """An OR of the query's lexemes without those too common to say anything: in more than
    COMMON_SHARE of the chunks and more than COMMON_ROWS of them (their BM25 weight would be near
    zero, and matching them would make the server rank most of a big table). The rarest MIN_LEXEMES
    stay when all are common."""
    if not lexemes:
        return None
    by_share = sorted(lexemes, key=lambda x: (shares.get(x, 0.0), x))
    common = {x for x in by_share if shares.get(x, 0.0) > COMMON_SHARE and shares.get(x, 0.0) * size > COMMON_ROWS}
    kept = [x for x in by_share if x not in common] or by_share[:MIN_LEXEMES]
    return " | ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in sorted(kept))


def filter_sql(filters: Filters) -> tuple[sql.Composable, dict[str, Any]]:
    """The filters as predicates on chunk columns that have btree indexes (dates compare as strings,
    code point order, like the local store; `date_to` "2025-10" keeps every day of October)."""
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


@dataclass(frozen=True)
class Plan:
    """The SQL of one search and its parameters."""

    query: sql.Composed
    params: dict[str, Any]


def search_plan(ns: str, qv: np.ndarray | None, tsquery: str | None, filters: Filters, all_rows: bool,
                n: int) -> Plan:
    """One statement: the candidates (every chunk passing the filters when `all_rows`, else the dense
    and lexical top-n under the filters) with their dense and lexical scores, in position order."""
    where, params = filter_sql(filters)
    params = {**params, "n": n}
    chunks = sql.SQL("{}.chunks").format(sql.Identifier(ns))
    lexical = tsquery is not None
    tsq = sql.SQL("%(tsq)s::tsquery")
    if lexical:
        params["tsq"] = tsquery
    if qv is not None:
        params["qv"] = qv
    fmt = {"chunks": chunks, "where": where, "tsq": tsq, "norm": sql.Literal(RANK_NORMALIZATION)}
    if all_rows:
        source = sql.SQL("SELECT c.position FROM {chunks} c WHERE {where}").format(**fmt)
    else:
        parts = []
        if qv is not None:
            parts.append(sql.SQL("(SELECT c.position FROM {chunks} c WHERE {where} "
                                 "ORDER BY c.vector <#> %(qv)s LIMIT %(n)s)").format(**fmt))
        if lexical:
            parts.append(sql.SQL("(SELECT c.position FROM {chunks} c WHERE c.tsv @@ {tsq} AND {where} "
                                 "ORDER BY ts_rank(c.tsv, {tsq}, {norm}) DESC, c.position LIMIT %(n)s)").format(**fmt))
        source = sql.SQL(" UNION ").join(parts) if parts else sql.SQL("SELECT NULL::bigint AS position WHERE false")
    dense = sql.SQL("-(c.vector <#> %(qv)s)") if qv is not None else sql.SQL("NULL::float8")
    lex = (sql.SQL("CASE WHEN c.tsv @@ {tsq} THEN ts_rank(c.tsv, {tsq}, {norm}) ELSE 0 END").format(**fmt)
           if lexical else sql.SQL("0::float4"))
    query = sql.SQL(
        "SELECT c.position, c.id, c.transcript_id, t.title, t.date, c.turns, c.speaker, c.text, c.start, c.\"end\", "
        "c.lang, c.word_count, {dense} AS dense, {lex} AS lex "
        "FROM {chunks} c JOIN {transcripts} t ON t.id = c.transcript_id "
        "WHERE c.position = ANY(ARRAY({source})) ORDER BY c.position").format(
        source=source, dense=dense, lex=lex, chunks=chunks,
        transcripts=sql.SQL("{}.transcripts").format(sql.Identifier(ns)))
    return Plan(query, params)


def term_counts(conn: psycopg.Connection, ns: str, positions: np.ndarray, lexemes: list[str], size: int,
                shares: dict[str, float]) -> TermCounts:
    """How often each query lexeme occurs in each candidate chunk (positions held in its tsvector) and the
    lexemes' BM25 idf over the table, for the learned passage ranker (as `LexicalIndex.term_counts`).
    Document frequencies of common lexemes come from ANALYZE's statistics (`shares`); the others, rare
    by that token, are counted with the GIN index."""
    counts = np.zeros((len(lexemes), len(positions)))
    if not lexemes or len(positions) == 0:
        return TermCounts(counts=counts, idf=np.zeros(len(lexemes)))
    chunks = sql.Identifier(ns)
    found = conn.execute(sql.SQL(
        "SELECT c.position, u.lexeme, coalesce(array_length(u.positions, 1), 1) FROM {}.chunks c, unnest(c.tsv) u "
        "WHERE c.position = ANY(%s) AND u.lexeme = ANY(%s)").format(chunks), (positions.tolist(), lexemes)).fetchall()
    column = {int(p): i for i, p in enumerate(positions)}
    row = {x: i for i, x in enumerate(lexemes)}
    for position, lexeme, n in found:
        counts[row[lexeme], column[int(position)]] = n
    rare = [x for x in lexemes if x not in shares]
    counted = dict(conn.execute(sql.SQL(
        "SELECT l, (SELECT count(*) FROM {}.chunks c WHERE c.tsv @@ quote_literal(l)::tsquery) "
        "FROM unnest(%s::text[]) AS q(l)").format(chunks), (rare,)).fetchall()) if rare else {}
    d = np.array([counted[x] if x in counted else shares[x] * size for x in lexemes], dtype=np.float64)
    idf = np.where(d > 0, np.log1p((size - d + 0.5) / (d + 0.5)), 0.0)
    return TermCounts(counts=counts, idf=idf)


def stored_cosines(conn: psycopg.Connection, ns: str, positions: np.ndarray, query_vector: np.ndarray,
                   column: str) -> np.ndarray:
    """Inner product of `query_vector` with each candidate's vector in `column` (0 where NULL): the ranker
    encoder's (`ranker_vector`) or, for the query adapter, the embedder's own (`vector`)."""
    found = dict(conn.execute(sql.SQL(
        "SELECT position, -({col} <#> %s) FROM {ns}.chunks WHERE position = ANY(%s) AND {col} IS NOT NULL").format(
        col=sql.Identifier(column), ns=sql.Identifier(ns)), (query_vector, positions.tolist())).fetchall())
    return np.array([found.get(int(p), 0.0) for p in positions], dtype=np.float64)


def transcript_scores(conn: psycopg.Connection, ns: str, transcript_ids: list[str], lexemes: list[str],
                      k1: float = 1.2, b: float = 0.75) -> dict[str, float]:
    """BM25 of each of these transcripts as one document over the query's lexemes (counts summed over its
    chunks, kept in transcript_terms; document frequencies over transcripts), as the local store's
    `LexicalIndex.group_scores`: the whole-transcript part of the transcript prior."""
    if not transcript_ids or not lexemes:
        return {}
    rows = conn.execute(sql.SQL(
        "WITH stats AS (SELECT count(*)::float8 AS docs, greatest(avg(n_terms), 1e-9)::float8 AS avgdl "
        "FROM {ns}.transcripts), "
        "df AS (SELECT lexeme, count(*)::float8 AS df FROM {ns}.transcript_terms WHERE lexeme = ANY(%(lex)s) "
        "GROUP BY lexeme) "
        "SELECT t.id, coalesce(sum(ln(1 + (s.docs - df.df + 0.5) / (df.df + 0.5)) * tt.n * (%(k1)s + 1) "
        "/ (tt.n + %(k1)s * (1 - %(b)s + %(b)s * t.n_terms / s.avgdl))), 0) "
        "FROM {ns}.transcripts t CROSS JOIN stats s "
        "LEFT JOIN {ns}.transcript_terms tt ON tt.transcript_id = t.id AND tt.lexeme = ANY(%(lex)s) "
        "LEFT JOIN df ON df.lexeme = tt.lexeme "
        "WHERE t.id = ANY(%(ids)s) GROUP BY t.id").format(ns=sql.Identifier(ns)),
        {"lex": lexemes, "ids": transcript_ids, "k1": k1, "b": b}).fetchall()
    return {tid: float(score) for tid, score in rows}


def clause_counts(terms: TermCounts, lexemes: list[str], clause_lexemes: list[str]) -> TermCounts:
    """The rows of the question's term counts that belong to one of its clauses (a clause's lexemes are
    among the question's: the same words, stemmed under the same configs)."""
    wanted = set(clause_lexemes)
    keep = [i for i, x in enumerate(lexemes) if x in wanted]
    return TermCounts(counts=terms.counts[keep], idf=terms.idf[keep])


def set_search_options(conn: psycopg.Connection, pg: PostgresSettings, n: int) -> None:
    """HNSW search breadth and iterative scans (pgvector >= 0.8: a filtered query keeps scanning the
    graph until it has n rows that pass the filters), for the current transaction."""
    ef = min(max(pg.ef_search, n), MAX_EF_SEARCH)
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', "
                 "'relaxed_order', true), set_config('hnsw.max_scan_tuples', %s, true)",
                 (str(ef), str(MAX_SCAN_TUPLES)))


def count_upto(conn: psycopg.Connection, ns: str, filters: Filters, limit: int) -> int:
    """How many chunks pass the filters, counting no further than `limit`."""
    where, params = filter_sql(filters)
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {}.chunks c WHERE {} LIMIT %(limit)s) s").format(
        sql.Identifier(ns), where)
    return int(conn.execute(query, {**params, "limit": limit}).fetchone()[0])


def search(conn: psycopg.Connection, pg: PostgresSettings, configs: list[str], size: int, qv: np.ndarray | None,
           query: str, k: int, filters: Filters, settings: RetrievalSettings, use_lexical: bool,
           speakers: list[str] = (), ranker_encoder: str | None = None,
           adapter: QueryAdapter | None = None) -> list[Hit]:
    """The k best of the `size` chunks (call inside a transaction: the options are transaction-local);
    `speakers`: every speaker of the index, to recognise the ones the query names; `ranker_encoder`: the
    passage ranker's encoder every chunk has a vector of (meta.ranker_encoder), if any; `adapter`: the query
    adapter of the index's embedder, if it has one."""
    n = settings.candidates
    all_rows = filters.active() and count_upto(conn, pg.namespace, filters, ALL_ROWS_MAX + 1) <= ALL_ROWS_MAX
    tsquery = None
    lexemes: list[str] = []
    shares: dict[str, float] = {}
    named: set[str] = set()
    if use_lexical:
        named = speakers_named(query, list(speakers))
        lexemes = query_lexemes(conn, query_words(query, named), configs)
        shares = lexeme_shares(conn, pg.namespace) if lexemes else {}
        tsquery = tsquery_text(lexemes, shares, size)
    set_search_options(conn, pg, n)
    plan = search_plan(pg.namespace, qv, tsquery, filters, all_rows, n)
    rows = conn.execute(plan.query, plan.params).fetchall()
    if not rows:
        return []
    transcript_ids, owner = np.unique(np.array([r[2] for r in rows], dtype=object), return_inverse=True)
    positions = np.array([r[0] for r in rows], dtype=np.int64)
    transcript_lexical = None
    if lexemes and filters.transcript is None and size <= FULL_SCORING_MAX:
        by_transcript = transcript_scores(conn, pg.namespace, transcript_ids.tolist(), lexemes)
        transcript_lexical = np.array([by_transcript.get(t, 0.0) for t in transcript_ids], dtype=np.float64)[owner]
    terms = clauses = None
    if use_lexical and qv is not None and filters.transcript is not None and settings.ranker == "learned":
        terms = term_counts(conn, pg.namespace, positions, lexemes, size, shares)
        lang = query_language(query)
        topics = clause_topics(query, lang, named)
        if topics is not None:
            main, context = (clause_counts(terms, lexemes, query_lexemes(conn, topic_words(t, lang), configs))
                             for t in topics)
            clauses = ClauseTerms(main=main, context=context)
    langs = np.array([r[10] for r in rows], dtype=object)
    encoder_cosines = None
    if wants_encoder(ranker_encoder, query, langs, filters.transcript is not None, settings):
        encoder_cosines = stored_cosines(conn, pg.namespace, positions,  # NULL (0) outside its language
                                         load_ranker_encoder(str(ranker_encoder)).encode_query(query), "ranker_vector")
    adapter_cosines = None
    if qv is not None and wants_adapter(adapter, query, langs, filters.transcript is not None,
                                        encoder_cosines is not None, settings):
        adapter_cosines = stored_cosines(conn, pg.namespace, positions, adapter.adapt(qv), "vector")
    candidates = Candidates(
        rows=positions,
        dense=np.array([r[12] for r in rows], dtype=np.float64) if qv is not None else None,
        lexical=np.array([r[13] for r in rows], dtype=np.float64) if use_lexical else None,
        langs=langs, speakers=[r[6] for r in rows],
        owner=owner.astype(np.int32), word_counts=np.array([r[11] for r in rows], dtype=np.float64),
        turn_counts=np.array([len(r[5]) for r in rows], dtype=np.int32),
        transcript_lexical=transcript_lexical, terms=terms, clauses=clauses, encoder_cosines=encoder_cosines,
        adapter_cosines=adapter_cosines)
    by_position = {r[0]: r for r in rows}
    ranked = rank_candidates(candidates, query, k, filters.transcript is not None, settings)
    return [_hit(by_position[pos], score) for pos, score in ranked]


def _hit(r: tuple, score: float) -> Hit:
    return Hit(chunk_id=r[1], transcript_id=r[2], title=r[3], speaker=r[6], turns=list(r[5]), text=r[7],
               score=float(score), date=r[4], start=r[8], end=r[9])
