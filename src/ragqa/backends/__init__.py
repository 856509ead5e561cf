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


def describe(settings: Settings) -> str:
    """Where the configured index lives, for messages: the index folder, or the database URL with its
    password masked."""
    if settings.store == "postgres":
        from .pg.connection import mask_url

        return f"{mask_url(settings.postgres.url or '')} (schema {settings.postgres.namespace})"
    return str(settings.index_dir)


__all__ = ["IndexBackend", "LocalBackend", "describe", "open_backend"]
