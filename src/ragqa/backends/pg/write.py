"""One commit of the PostgreSQL store: a single transaction that drops the rows of removed and
replaced transcripts, copies the new chunks (binary COPY), turns and transcript rows in, counts the new
transcripts' lexemes (transcript_terms), and bumps the generation. A crash or error anywhere in it rolls everything back (the previous generation stays)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from ...changes import ChangePlan, PreparedBatch, next_manifest, transcript_records
from ...embedding import Embedder
from ...embedding.ranker_encoder import DIM as RANKER_DIM
from ...embedding.ranker_encoder import applies_to
from ...lexical import strip_markup
from ...settings import PostgresSettings, Settings
from ...store.manifest import Manifest
from ...types import Transcript
from ..summaries import replaced_or_removed
from .schema import (SCHEMA_VERSION, SEGMENT, chunks_dim, count_transcript_terms, create_base_tables,
                     create_chunks_table, create_vector_index, drop_vector_index, q, ts_config)

BULK_MIN = 1_000  # a commit adding this many chunks, more than the table keeps, rebuilds the HNSW index after
_STAGE_COLUMNS = ("position bigint, id text, transcript_id text, transcript_key text, turns int4[], speaker text, "
                  "speaker_key text, text text, start float8, \"end\" float8, lang text, word_count int4, "
                  "date text, vector vector({dim}), lex_text text, cfg text, ranker_vector vector("
                  + str(RANKER_DIM) + ")")
_STAGE_TYPES = ["int8", "text", "text", "text", "int4[]", "text", "text", "text", "float8", "float8", "text",
                "int4", "text", "vector", "text", "text", "vector"]


def _lock_meta(conn: psycopg.Connection, ns: str, manifest: Manifest, dim: int) -> dict:
    """The meta row, locked until the transaction ends (a second writer waits here)."""
    conn.execute(q(ns, "INSERT INTO {ns}.meta VALUES (1, %s, 0, %s, %s, %s, %s, 0, 0, '{{}}') "
                       "ON CONFLICT (id) DO NOTHING"),
                 (SCHEMA_VERSION, manifest.embedder, Jsonb(manifest.embedder_config), dim,
                  Jsonb(manifest.chunking)))
    cur = conn.execute(q(ns, "SELECT * FROM {ns}.meta WHERE id = 1 FOR UPDATE"))
    return dict(zip([c.name for c in cur.description], cur.fetchone()))


def _copy_chunks(conn: psycopg.Connection, ns: str, batch: PreparedBatch, dates: dict[str, str | None],
                 first_position: int, dim: int) -> None:
    conn.execute(q(ns, "CREATE TEMP TABLE ragqa_stage (" + _STAGE_COLUMNS.replace("{dim}", str(dim))
                   + ") ON COMMIT DROP"))
    with conn.cursor().copy("COPY ragqa_stage FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_STAGE_TYPES)
        for i, c in enumerate(batch.chunks):
            ranker = (batch.ranker_vectors[i].astype(np.float32)
                      if batch.ranker_vectors is not None and applies_to(c.lang) else None)
            copy.write_row((first_position + i, c.id, c.transcript_id, c.transcript_id.casefold(), list(c.turns),
                            c.speaker, c.speaker.casefold(), c.text, c.start, c.end, c.lang, len(c.text.split()),
                            dates.get(c.transcript_id), batch.vectors[i], strip_markup(c.text), ts_config(c.lang),
                            ranker))
    conn.execute(q(ns, "INSERT INTO {ns}.chunks SELECT position, id, transcript_id, transcript_key, turns, speaker, "
                       "speaker_key, text, start, \"end\", lang, word_count, date, vector, "
                       "to_tsvector(cfg::regconfig, lex_text), ranker_vector FROM ragqa_stage"))


def ranker_encoder_after(before: str | None, kept_rows: int, batch: PreparedBatch | None) -> str | None:
    """The ranker encoder every chunk has a vector of after a commit that keeps `kept_rows` of the rows
    (whose encoder was `before`) and adds `batch`'s chunks (None: adds none)."""
    if batch is None:
        return before if kept_rows else None
    added = batch.ranker_encoder if batch.ranker_vectors is not None else None
    return added if kept_rows == 0 or before == added else None


def _copy_turns(conn: psycopg.Connection, ns: str, transcripts: list[Transcript]) -> None:
    with conn.cursor().copy(q(ns, "COPY {ns}.turns FROM STDIN (FORMAT BINARY)")) as copy:
        copy.set_types(["text", "int4", "text", "text", "float8", "float8", "int4", "int4"])
        for t in transcripts:
            for turn in t.turns:
                copy.write_row((t.id, turn.index, turn.speaker, turn.text, turn.start, turn.end, turn.char_start,
                                turn.char_end))


def commit(conn: psycopg.Connection, pg: PostgresSettings, plan: ChangePlan, batch: PreparedBatch | None,
           settings: Settings, embedder: Embedder) -> Manifest:
    """Apply `plan` + `batch` in one transaction on `conn`; the new manifest."""
    ns, dim = pg.namespace, embedder.dim
    records = transcript_records(plan.incoming, batch.chunks, SEGMENT) if batch is not None else {}
    with conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        conn.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        create_base_tables(conn, ns)
        meta = _lock_meta(conn, ns, plan.base, dim)
        n_chunks = meta["n_chunks"]
        if chunks_dim(conn, ns) != dim:  # new store, or rebuilt with another encoder
            create_chunks_table(conn, ns, dim)
            conn.execute(q(ns, "TRUNCATE {ns}.turns, {ns}.transcripts, {ns}.transcript_terms"))
            n_chunks = 0
        gone = replaced_or_removed(plan)
        if gone:
            deleted = conn.execute(q(ns, "DELETE FROM {ns}.chunks WHERE transcript_id = ANY(%s)"), (gone,)).rowcount
            n_chunks -= deleted
            conn.execute(q(ns, "DELETE FROM {ns}.turns WHERE transcript_id = ANY(%s)"), (gone,))
            conn.execute(q(ns, "DELETE FROM {ns}.transcripts WHERE id = ANY(%s)"), (gone,))
            conn.execute(q(ns, "DELETE FROM {ns}.transcript_terms WHERE transcript_id = ANY(%s)"), (gone,))
            conn.execute(q(ns, "DELETE FROM {ns}.summaries WHERE transcript_id = ANY(%s)"), (gone,))
        added = len(batch.chunks) if batch is not None else 0
        bulk = added >= BULK_MIN and added > n_chunks
        if bulk:  # building the graph once over all rows is much faster than inserting into it row by row
            drop_vector_index(conn, ns)
        if batch is not None and added:
            _copy_chunks(conn, ns, batch, {t.id: t.date for t in plan.incoming}, meta["next_position"], dim)
        _copy_turns(conn, ns, plan.incoming)
        with conn.cursor() as cur:
            cur.executemany(q(ns, "INSERT INTO {ns}.transcripts VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"),
                            [(r.id, r.content_hash, r.segment, r.title, r.n_turns, r.n_chunks, r.speakers, r.date,
                              r.place, r.url, r.source, r.path) for r in records.values()])
        count_transcript_terms(conn, ns, sorted(records))
        create_vector_index(conn, ns, pg.hnsw_m, pg.hnsw_ef_construction)
        total = conn.execute(q(ns, "SELECT count(*) FROM {ns}.chunks")).fetchone()[0]
        conn.execute(q(ns, "ANALYZE {ns}.chunks, {ns}.transcripts, {ns}.transcript_terms"))  # row estimates for filtered query plans
        manifest = next_manifest(plan, settings, embedder, records, [])
        manifest = replace(manifest, generation=meta["generation"] + 1)
        configs = sorted(set(meta["ts_configs"]) | {ts_config(c.lang) for c in (batch.chunks if batch else [])})
        conn.execute(q(ns, "UPDATE {ns}.meta SET generation = %s, embedder = %s, embedder_config = %s, dim = %s, "
                           "chunking = %s, n_chunks = %s, next_position = %s, ts_configs = %s, ranker_encoder = %s "
                           "WHERE id = 1"),
                     (manifest.generation, manifest.embedder, Jsonb(manifest.embedder_config),
                      dim, Jsonb(manifest.chunking), total,
                      meta["next_position"] + added, configs,
                      ranker_encoder_after(meta["ranker_encoder"], n_chunks, batch if added else None)))
    return manifest
