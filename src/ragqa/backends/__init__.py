"""Index stores behind one interface (`IndexBackend`): the embedded folder store (FAISS + segment
files, the default) and PostgreSQL + pgvector (`store = "postgres"`)."""
from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from .base import IndexBackend
from .local import LocalBackend


def open_backend(settings: Settings, path: Path, create: bool = False) -> IndexBackend:
    """The store `settings.store` names. `path` is the index folder of the local store; with `create`
    a store that holds no index yet is returned empty (for a build) instead of refused."""
    if settings.store == "postgres":
        from .postgres import PostgresBackend

        return PostgresBackend.open(settings.postgres, create=create)
    if create:
        return LocalBackend(path)
    return LocalBackend.open(path)


__all__ = ["IndexBackend", "LocalBackend", "open_backend"]
