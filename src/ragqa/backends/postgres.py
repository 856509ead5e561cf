"""The PostgreSQL + pgvector store (`store = "postgres"`): chunks, turns, transcripts and the manifest
in tables of one schema, vectors in an HNSW-indexed `vector` column, the lexical side in full-text
search; see docs/scale-out.md. A read replica's URL serves search/ask/the UI."""
from __future__ import annotations

import threading
import weakref
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Iterator

import psycopg

from ..changes import ChangePlan, PreparedBatch
from ..embedding import Embedder
from ..errors import IndexFormatError, RagqaError
from ..settings import PostgresSettings, Settings
from ..store.manifest import Manifest
from ..types import Filters, Turn
from .pg.candidate_source import PostgresSource
from .pg.connection import (connect, is_read_only, mask_url, open_pool, read_only_error, translated,
                            vector_version)
from .pg.schema import q, read_generation, read_manifest, read_meta, table_exists, upgrade
from .pg.summaries import PostgresSummaries
from .pg.write import commit as write_commit

MIN_PGVECTOR = (0, 8)  # iterative index scans (filtered searches that keep k results)


class PostgresBackend:
    """An index in one schema of a PostgreSQL database. Searches see the committed generation; a commit
    is one transaction."""

    def __init__(self, pg: PostgresSettings, url: str, read_only: bool) -> None:
        self.pg = pg
        self.url = url
        self.read_only = read_only
        self.location = f"{mask_url(url)} (schema {pg.namespace})"
        self._pool = open_pool(url)
        weakref.finalize(self, self._pool.close)
        self.summaries = PostgresSummaries(self._pool, pg.namespace, self.location, read_only)
        self._manifest: Manifest | None = None
        self._configs: list[str] = []
        self._ranker_encoder: str | None = None
        self._swap = threading.Lock()

    @classmethod
    def open(cls, pg: PostgresSettings, create: bool = False) -> "PostgresBackend":
        """The index in `pg.namespace` at `pg.url`. Without `create`, an empty schema is an
        IndexFormatError; with it (a build) the pgvector extension is created when missing."""
        if not pg.url:
            raise RagqaError("store = \"postgres\" needs postgres.url (env RAGQA_POSTGRES__URL), e.g. "
                             "postgresql://user:password@host:5432/dbname")
        location = f"{mask_url(pg.url)} (schema {pg.namespace})"
        with connect(pg.url, autocommit=True) as conn:
            read_only = is_read_only(conn)
            version = vector_version(conn)
            if version is None and create and not read_only:
                with translated(location, "creating the pgvector extension"):
                    try:
                        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                    except Exception as exc:
                        raise RagqaError(f"{location}: the pgvector extension is not installed and could not be "
                                         f"created ({exc}); run CREATE EXTENSION vector as a database owner "
                                         f"(managed services: allow-list the extension `vector` first)") from exc
                version = vector_version(conn)
            if version is None:
                raise RagqaError(f"{location}: the pgvector extension is not installed in this database; "
                                 f"run CREATE EXTENSION vector as a database owner (or build with this URL)")
            if tuple(int(p) for p in version.split(".")[:2]) < MIN_PGVECTOR:
                raise RagqaError(f"{location}: pgvector {version} is too old; ragqa needs 0.8 or newer "
                                 f"(ALTER EXTENSION vector UPDATE)")
            if create and not read_only:
                with translated(location, "upgrading the index tables"):
                    upgrade(conn, pg.namespace)
            generation = _read(conn, pg.namespace, location)
        if generation[0] is None and not create:
            raise IndexFormatError(f"{location}: no ragqa index in this schema; build one with: "
                                   f"ragqa build SOURCES (with store = postgres)")
        backend = cls(pg, pg.url, read_only)
        backend._install(generation)
        return backend

    # -- reading ---------------------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            raise IndexFormatError(f"{self.location}: no ragqa index in this schema; build one with: "
                                   f"ragqa build SOURCES (with store = postgres)")
        return self._manifest

    @property
    def size(self) -> int:
        return sum(r.n_chunks for r in self.manifest.transcripts.values())

    @property
    def ranker_encoder(self) -> str | None:
        return self._ranker_encoder

    def candidates(self, filters: Filters) -> AbstractContextManager[PostgresSource]:
        return self._candidates(filters)

    @contextmanager
    def _candidates(self, filters: Filters) -> Iterator[PostgresSource]:
        """One REPEATABLE READ, read-only transaction on a pooled connection, serving the newest committed
        generation (another process may have committed since the last search)."""
        with translated(self.location, "searching"), self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if read_generation(conn, self.pg.namespace) != self.manifest.generation:
                    self._install(_read(conn, self.pg.namespace, self.location), check=True)
                speakers = sorted({s for r in self.manifest.transcripts.values() for s in r.speakers})
                yield PostgresSource(conn, self.pg, self._configs, self.size, self._ranker_encoder, speakers,
                                     filters)

    def turns(self, transcript_id: str) -> list[Turn]:
        with translated(self.location, "reading turns"), self._pool.connection() as conn:
            rows = conn.execute(q(self.pg.namespace, "SELECT idx, speaker, text, start, \"end\", char_start, char_end "
                                                     "FROM {ns}.turns WHERE transcript_id = %s ORDER BY idx"),
                                (transcript_id,)).fetchall()
        if not rows:
            raise RagqaError(f"{transcript_id}: no such transcript in {self.location}")
        return [Turn(*r) for r in rows]

    def reload(self) -> bool:
        with translated(self.location, "reading the manifest"), self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if not table_exists(conn, self.pg.namespace, "meta"):
                    return False
                generation = read_generation(conn, self.pg.namespace)
                if self._manifest is not None and generation == self._manifest.generation:
                    return False
                self._install(_read(conn, self.pg.namespace, self.location), check=True)
        return True

    def _install(self, generation: "Generation", check: bool = False) -> None:
        """Serve a generation read by `_read`."""
        manifest, configs, ranker_encoder = generation
        with self._swap:
            old = self._manifest
            if check and old is not None and manifest is not None and (old.embedder, old.dim, old.chunking) != (
                    manifest.embedder, manifest.dim, manifest.chunking):
                raise IndexFormatError(f"{self.location}: rebuilt with another encoder or chunking by another "
                                       f"process; open it again")
            self._manifest = manifest
            self._configs = configs
            self._ranker_encoder = ranker_encoder

    # -- writing ---------------------------------------------------------------------------------
    def write_lock(self) -> AbstractContextManager[None]:
        return self._write_lock()

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """A session advisory lock on a connection of its own: released when the block ends or the
        process dies (the server drops the session)."""
        if self.read_only:
            raise read_only_error(self.location)
        key = f"ragqa:{self.pg.namespace}"
        with connect(self.url, autocommit=True) as conn:
            if is_read_only(conn):
                raise read_only_error(self.location)
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def committed(self, repair: bool = False) -> Manifest | None:
        with translated(self.location, "reading the manifest"), self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                manifest = _read(conn, self.pg.namespace, self.location)[0]
                if manifest is None or not repair:
                    return manifest
                counts = dict(conn.execute(q(self.pg.namespace, "SELECT transcript_id, count(*) FROM {ns}.chunks "
                                                                "GROUP BY transcript_id")).fetchall())
        damaged = {tid for tid, r in manifest.transcripts.items() if counts.get(tid, 0) != r.n_chunks}
        if not damaged:
            return manifest
        return replace(manifest, transcripts={tid: replace(r, content_hash="") if tid in damaged else r
                                              for tid, r in manifest.transcripts.items()})

    def commit(self, plan: ChangePlan, batch: PreparedBatch | None, settings: Settings,
               embedder: Embedder) -> None:
        if self.read_only:
            raise read_only_error(self.location)
        with translated(self.location, "committing"), self._pool.connection() as conn:
            write_commit(conn, self.pg, plan, batch, settings, embedder)
            with conn.transaction():
                generation = _read(conn, self.pg.namespace, self.location)
        self._install(generation)

    def tidy(self) -> None:
        """Nothing to tidy: an interrupted commit is rolled back by the server, leaving no rows behind."""

    def diagnose(self) -> list[str]:
        problems: list[str] = []
        ns = self.pg.namespace
        with translated(self.location, "checking the index"), self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                missing = [t for t in ("meta", "transcripts", "transcript_terms", "turns", "chunks")
                           if not table_exists(conn, ns, t)]
                if missing:
                    return [f"{self.location}: missing tables {', '.join(missing)}; rebuild with: "
                            f"ragqa build SOURCES (with store = postgres)"]
                try:
                    manifest = _read(conn, ns, self.location)[0]
                except IndexFormatError as exc:
                    return [str(exc)]
                if manifest is None:
                    return [f"{self.location}: no committed generation; build with: ragqa build SOURCES"]
                meta = read_meta(conn, ns, self.location)
                chunks = dict(conn.execute(q(ns, "SELECT transcript_id, count(*) FROM {ns}.chunks GROUP BY 1")))
                turns = dict(conn.execute(q(ns, "SELECT transcript_id, count(*) FROM {ns}.turns GROUP BY 1")))
                has_hnsw = conn.execute("SELECT to_regclass(format('%%I.chunks_vector', %s::text)) IS NOT NULL",
                                        (ns,)).fetchone()[0]
        for tid, r in sorted(manifest.transcripts.items()):
            if chunks.get(tid, 0) != r.n_chunks:
                problems.append(f"{self.location}: transcript {tid} has {chunks.get(tid, 0)} chunk rows, "
                                f"the manifest says {r.n_chunks}")
            if turns.get(tid, 0) != r.n_turns:
                problems.append(f"{self.location}: transcript {tid} has {turns.get(tid, 0)} turn rows, "
                                f"the manifest says {r.n_turns}")
        strays = sorted(set(chunks) - set(manifest.transcripts))
        if strays:
            problems.append(f"{self.location}: chunks of transcripts not in the manifest: {', '.join(strays[:5])}")
        if sum(chunks.values()) != meta["n_chunks"]:
            problems.append(f"{self.location}: {sum(chunks.values())} chunk rows, meta says {meta['n_chunks']}")
        if not has_hnsw:
            problems.append(f"{self.location}: the HNSW index chunks_vector is missing; rebuild to restore it")
        return problems

    def close(self) -> None:
        """Close this backend's connections."""
        self._pool.close()


Generation = tuple[Manifest | None, list[str], str | None]  # a committed manifest, the text-search configs in
# use, and the ranker encoder every chunk has a vector of


def _read(conn: psycopg.Connection, namespace: str, location: str) -> Generation:
    """The committed generation (None for a new, empty store). Call inside one transaction."""
    manifest = read_manifest(conn, namespace, location)
    if manifest is None:
        return None, [], None
    configs, ranker_encoder = conn.execute(q(namespace, "SELECT ts_configs, ranker_encoder FROM {ns}.meta "
                                                        "WHERE id = 1")).fetchone()
    return manifest, list(configs), ranker_encoder


__all__ = ["PostgresBackend"]
