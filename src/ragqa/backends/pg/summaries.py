"""The summary cache of a PostgreSQL index: the `summaries` table (key, transcript, JSON value);
commits delete the rows of the transcripts they replace or remove (`pg.write.commit`)."""
from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from .connection import translated
from .schema import SUMMARIES_DDL, q, table_exists


class PostgresSummaries:
    """`SummaryStore` over the `summaries` table of one schema."""

    def __init__(self, pool: ConnectionPool, namespace: str, location: str, read_only: bool) -> None:
        self.pool = pool
        self.namespace = namespace
        self.location = location
        self.read_only = read_only

    def get(self, key: str) -> dict[str, Any] | None:
        with translated(self.location, "reading a summary"), self.pool.connection() as conn:
            if not table_exists(conn, self.namespace, "summaries"):
                return None
            row = conn.execute(q(self.namespace, "SELECT value FROM {ns}.summaries WHERE key = %s"), (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, transcript_id: str, value: dict[str, Any]) -> None:
        if self.read_only:
            return
        with self.pool.connection() as conn:
            try:
                with conn.transaction():
                    if not table_exists(conn, self.namespace, "summaries"):  # tables of an older ragqa
                        conn.execute(q(self.namespace, SUMMARIES_DDL))
                    conn.execute(q(self.namespace, "INSERT INTO {ns}.summaries VALUES (%s, %s, %s) ON CONFLICT (key) "
                                                   "DO UPDATE SET transcript_id = EXCLUDED.transcript_id, "
                                                   "value = EXCLUDED.value"), (key, transcript_id, Jsonb(value)))
            except psycopg.errors.ReadOnlySqlTransaction:
                return
