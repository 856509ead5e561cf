"""Tables of one index in its own PostgreSQL schema (`postgres.namespace`), and the manifest as
read back from them.

    meta         one row: schema version, generation, encoder, dimension, chunking, chunk count,
                 next chunk position, text-search configs in use, the ranker encoder every chunk has a
                 vector of (NULL: not all do)
    transcripts  one row per transcript (the manifest's TranscriptRecord) and its length in lexemes
    transcript_terms  how often each lexeme occurs in each transcript (the whole-transcript BM25 prior)
    turns        every turn of every transcript
    chunks       position (source order), chunk fields, filter keys, vector(dim) with an HNSW index
                 (inner product), tsvector (built in the chunk's language) with a GIN index, and the
                 passage ranker's encoder vector (`ranker_vector`; NULL for chunks not in its language)
    summaries    stored summaries (key, transcript, JSON answer; see `pg.summaries`)
"""
from __future__ import annotations

import psycopg
from psycopg import sql

from ...embedding.ranker_encoder import DIM as RANKER_DIM
from ...errors import IndexFormatError
from ...store.manifest import FORMAT_VERSION, Manifest, TranscriptRecord

SCHEMA_VERSION = 3  # 2: transcript_terms and transcripts.n_terms; 3: chunks.ranker_vector, meta.ranker_encoder
SEGMENT = "postgres"  # TranscriptRecord.segment of transcripts stored here (no segment files)
TS_CONFIGS = {"en": "english", "it": "italian", "ru": "russian", "fr": "french", "de": "german", "es": "spanish"}


def ts_config(lang: str | None) -> str:
    """PostgreSQL text-search config for a chunk language (`simple`: no stemming, no stopwords)."""
    return TS_CONFIGS.get(lang or "", "simple")


def q(namespace: str, template: str) -> sql.Composed:
    """SQL with `{ns}` replaced by the quoted schema name."""
    return sql.SQL(template).format(ns=sql.Identifier(namespace))


SUMMARIES_DDL = ("CREATE TABLE IF NOT EXISTS {ns}.summaries (key text PRIMARY KEY, transcript_id text NOT NULL, "
                 "value jsonb NOT NULL)")
_BASE_DDL = """
CREATE SCHEMA IF NOT EXISTS {ns};
CREATE TABLE IF NOT EXISTS {ns}.meta (
    id smallint PRIMARY KEY CHECK (id = 1),
    schema_version int NOT NULL,
    generation bigint NOT NULL,
    embedder text NOT NULL,
    embedder_config jsonb NOT NULL,
    dim int NOT NULL,
    chunking jsonb NOT NULL,
    n_chunks bigint NOT NULL,
    next_position bigint NOT NULL,
    ts_configs text[] NOT NULL,
    ranker_encoder text);
CREATE TABLE IF NOT EXISTS {ns}.transcripts (
    id text PRIMARY KEY,
    content_hash text NOT NULL, segment text NOT NULL, title text NOT NULL,
    n_turns int NOT NULL, n_chunks int NOT NULL, speakers text[] NOT NULL,
    date text COLLATE "C", place text, url text, source text, path text,
    n_terms bigint NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS {ns}.transcript_terms (
    lexeme text NOT NULL, transcript_id text NOT NULL, n int NOT NULL,
    PRIMARY KEY (lexeme, transcript_id));
CREATE INDEX IF NOT EXISTS transcript_terms_transcript ON {ns}.transcript_terms (transcript_id);
CREATE TABLE IF NOT EXISTS {ns}.turns (
    transcript_id text NOT NULL, idx int NOT NULL, speaker text NOT NULL, text text NOT NULL,
    start float8, "end" float8, char_start int, char_end int,
    PRIMARY KEY (transcript_id, idx));
""" + SUMMARIES_DDL + ";\nCREATE INDEX IF NOT EXISTS summaries_transcript ON {ns}.summaries (transcript_id);\n"

_CHUNKS_DDL = """
CREATE TABLE {ns}.chunks (
    position bigint PRIMARY KEY,
    id text NOT NULL, transcript_id text NOT NULL, transcript_key text NOT NULL,
    turns int[] NOT NULL, speaker text NOT NULL, speaker_key text NOT NULL, text text NOT NULL,
    start float8, "end" float8, lang text, word_count int NOT NULL, date text COLLATE "C",
    vector vector({dim}) NOT NULL, tsv tsvector NOT NULL, ranker_vector vector({ranker_dim}));
CREATE INDEX chunks_transcript_id ON {ns}.chunks (transcript_id);
CREATE INDEX chunks_transcript_key ON {ns}.chunks (transcript_key, position);
CREATE INDEX chunks_speaker_key ON {ns}.chunks (speaker_key, position);
CREATE INDEX chunks_date ON {ns}.chunks (date, position);
CREATE INDEX chunks_tsv ON {ns}.chunks USING gin (tsv);
"""


def create_base_tables(conn: psycopg.Connection, namespace: str) -> None:
    for statement in _BASE_DDL.split(";"):
        if statement.strip():
            conn.execute(q(namespace, statement))


def count_transcript_terms(conn: psycopg.Connection, namespace: str, transcript_ids: list[str]) -> None:
    """Fill transcript_terms and transcripts.n_terms for these transcripts from their chunks' tsvectors
    (call after their chunk and transcript rows are in)."""
    conn.execute(q(namespace, "INSERT INTO {ns}.transcript_terms (lexeme, transcript_id, n) "
                              "SELECT u.lexeme, c.transcript_id, sum(coalesce(array_length(u.positions, 1), 1)) "
                              "FROM {ns}.chunks c, unnest(c.tsv) u WHERE c.transcript_id = ANY(%s) GROUP BY 1, 2"),
                 (transcript_ids,))
    conn.execute(q(namespace, "UPDATE {ns}.transcripts t SET n_terms = s.total FROM (SELECT transcript_id, "
                              "sum(n) AS total FROM {ns}.transcript_terms WHERE transcript_id = ANY(%s) GROUP BY 1) s "
                              "WHERE t.id = s.transcript_id"), (transcript_ids,))


def upgrade(conn: psycopg.Connection, namespace: str) -> bool:
    """Bring tables written by an older ragqa (schema 1 or 2) up to SCHEMA_VERSION in one transaction; False
    when there was nothing to upgrade. Called by writers only: readers refuse old tables (`read_meta`).
    Nothing is re-embedded: chunks written before schema 3 have no ranker vector (meta.ranker_encoder NULL)."""
    if not table_exists(conn, namespace, "meta"):
        return False
    with conn.transaction():
        row = conn.execute(q(namespace, "SELECT schema_version FROM {ns}.meta WHERE id = 1 FOR UPDATE")).fetchone()
        if row is None or row[0] not in (1, 2):
            return False
        has_chunks = table_exists(conn, namespace, "chunks")
        if row[0] == 1:
            conn.execute(q(namespace, "ALTER TABLE {ns}.transcripts ADD COLUMN IF NOT EXISTS n_terms bigint NOT NULL "
                                      "DEFAULT 0"))
            create_base_tables(conn, namespace)
            ids = [r[0] for r in conn.execute(q(namespace, "SELECT id FROM {ns}.transcripts"))]
            if has_chunks:
                count_transcript_terms(conn, namespace, ids)
        conn.execute(q(namespace, "ALTER TABLE {ns}.meta ADD COLUMN IF NOT EXISTS ranker_encoder text"))
        if has_chunks:
            conn.execute(sql.SQL("ALTER TABLE {ns}.chunks ADD COLUMN IF NOT EXISTS ranker_vector vector({d})").format(
                ns=sql.Identifier(namespace), d=sql.Literal(RANKER_DIM)))
        conn.execute(q(namespace, "UPDATE {ns}.meta SET schema_version = %s WHERE id = 1"), (SCHEMA_VERSION,))
    return True


def create_chunks_table(conn: psycopg.Connection, namespace: str, dim: int) -> None:
    """(Re)create the chunks table for vectors of `dim` (without its HNSW index: `create_vector_index`)."""
    conn.execute(q(namespace, "DROP TABLE IF EXISTS {ns}.chunks"))
    for statement in _CHUNKS_DDL.split(";"):
        if statement.strip():
            conn.execute(sql.SQL(statement).format(ns=sql.Identifier(namespace), dim=sql.Literal(dim),
                                                   ranker_dim=sql.Literal(RANKER_DIM)))


def create_vector_index(conn: psycopg.Connection, namespace: str, m: int, ef_construction: int) -> None:
    conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS chunks_vector ON {ns}.chunks USING hnsw "
                         "(vector vector_ip_ops) WITH (m = {m}, ef_construction = {ef})").format(
        ns=sql.Identifier(namespace), m=sql.Literal(m), ef=sql.Literal(ef_construction)))


def drop_vector_index(conn: psycopg.Connection, namespace: str) -> None:
    conn.execute(q(namespace, "DROP INDEX IF EXISTS {ns}.chunks_vector"))


def table_exists(conn: psycopg.Connection, namespace: str, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
                       (namespace, table)).fetchone()
    return bool(row[0])


def chunks_dim(conn: psycopg.Connection, namespace: str) -> int | None:
    """Declared dimension of the chunks table's vector column (None: no chunks table)."""
    row = conn.execute(
        "SELECT a.atttypmod FROM pg_attribute a WHERE a.attrelid = to_regclass(format('%%I.chunks', %s::text)) "
        "AND a.attname = 'vector'", (namespace,)).fetchone()
    return int(row[0]) if row else None


def read_generation(conn: psycopg.Connection, namespace: str) -> int | None:
    row = conn.execute(q(namespace, "SELECT generation FROM {ns}.meta WHERE id = 1")).fetchone()
    return int(row[0]) if row else None


def read_meta(conn: psycopg.Connection, namespace: str, location: str) -> dict | None:
    """The meta row (None when the index has never been committed); a row written by another ragqa
    schema version is refused."""
    if not table_exists(conn, namespace, "meta"):
        return None
    cur = conn.execute(q(namespace, "SELECT * FROM {ns}.meta WHERE id = 1"))
    row = cur.fetchone()
    if row is None:
        return None
    meta = dict(zip([c.name for c in cur.description], row))
    version = meta["schema_version"]
    if version < SCHEMA_VERSION:
        raise IndexFormatError(
            f"{location}: index tables have schema version {version}, written by an older ragqa; this ragqa "
            f"needs {SCHEMA_VERSION}. Upgrade them in place (nothing is re-embedded) with: ragqa build SOURCES "
            f"or ragqa add FILE (store = postgres)")
    if version > SCHEMA_VERSION:
        raise IndexFormatError(
            f"{location}: index tables have schema version {version}, written by a newer ragqa; this ragqa "
            f"reads version {SCHEMA_VERSION}: upgrade ragqa")
    return meta


def read_manifest(conn: psycopg.Connection, namespace: str, location: str) -> Manifest | None:
    """The committed manifest (None for a new, empty store). Call inside one transaction so meta and
    transcripts are of the same generation."""
    meta = read_meta(conn, namespace, location)
    if meta is None:
        return None
    cur = conn.execute(q(namespace, "SELECT id, content_hash, segment, title, n_turns, n_chunks, speakers, date, "
                                    "place, url, source, path FROM {ns}.transcripts ORDER BY id"))
    records = {r[0]: TranscriptRecord(*r[:6], list(r[6]), *r[7:]) for r in cur}
    return Manifest(embedder=meta["embedder"], embedder_config=meta["embedder_config"], dim=meta["dim"],
                    chunking=meta["chunking"], format_version=FORMAT_VERSION, generation=meta["generation"],
                    segments=[], transcripts=records)
