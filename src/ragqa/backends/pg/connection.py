"""Connections to the PostgreSQL server of a `store = "postgres"` index, with messages that name the
server (password masked) and say what to do."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from ...errors import RagqaError

CONNECT_TIMEOUT = 10  # seconds
POOL_SIZE = 4  # connections one process opens for concurrent searches (the UI serves several users)

_URL_PASSWORD = re.compile(r"(://[^/@:]*:)[^@/]*@")
_KEY_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def mask_url(url: str) -> str:
    """`url` with its password (URL or key=value form) replaced by ***."""
    return _KEY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", url))


def _reason(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect(url: str, **kwargs: object) -> psycopg.Connection:
    """A new connection; a clear RagqaError (naming the server) when the server cannot be reached."""
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, **kwargs)
    except psycopg.Error as exc:
        raise RagqaError(f"{mask_url(url)}: cannot connect to PostgreSQL ({_reason(exc)}); check that the "
                         f"server runs and that postgres.url (RAGQA_POSTGRES__URL) is right") from exc


def vector_version(conn: psycopg.Connection) -> str | None:
    """The installed pgvector version in the connected database, or None."""
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    return row[0] if row else None


def is_read_only(conn: psycopg.Connection) -> bool:
    """Whether writes are refused: a hot standby (read replica) or default_transaction_read_only."""
    row = conn.execute("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'").fetchone()
    return bool(row[0])


def read_only_error(location: str) -> RagqaError:
    return RagqaError(f"{location}: this PostgreSQL connection is read-only (a read replica, or "
                      f"default_transaction_read_only is on); it serves search, ask and the UI, but build, "
                      f"add and remove need the primary's URL in postgres.url")


def open_pool(url: str) -> ConnectionPool:
    """A small pool of connections with the pgvector types registered (the extension must exist)."""

    def configure(conn: psycopg.Connection) -> None:
        register_vector(conn)
        conn.commit()

    pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, configure=configure, open=False,
                          kwargs={"connect_timeout": CONNECT_TIMEOUT}, name="ragqa")
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
    except Exception as exc:
        pool.close()
        raise RagqaError(f"{mask_url(url)}: cannot open connections to PostgreSQL ({_reason(exc)})") from exc
    return pool


@contextmanager
def translated(location: str, doing: str) -> Iterator[None]:
    """Turn driver errors during `doing` into RagqaErrors naming the server; a write refused by a
    read-only server says so."""
    try:
        yield
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise read_only_error(location) from exc
    except psycopg.Error as exc:
        raise RagqaError(f"{location}: PostgreSQL failed while {doing} ({_reason(exc)}); its transaction was "
                         f"rolled back, so the index is as it was before") from exc
