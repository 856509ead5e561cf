"""Settings of a test index on either store, and a PostgreSQL copy of a folder index (shared by the store tests)."""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Sequence

import numpy as np

import ragqa
from ragqa.settings import Settings

STORES = ["faiss", "postgres"]
_schemas = itertools.count()


def store_settings(store: str, url: str | None, **overrides) -> Settings:
    """Default settings (e5-small), the LLM off, on `store` (a fresh schema of `url` for postgres)."""
    settings = Settings(threads=2, llm={"backend": "none"}, **overrides)
    if store == "postgres":
        settings = settings.merged(store="postgres", postgres={"url": url, "namespace": f"t{next(_schemas)}"})
    return settings


def postgres_copy(local: ragqa.Index, sources: Sequence[Path], settings: Settings) -> ragqa.Index:
    """A PostgreSQL index (`settings`) of the same chunks as the folder index `local` built from `sources`, with
    the local build's stored vectors committed as they are (nothing is embedded again). PostgreSQL still derives
    its own lexical data (tsvectors, transcript_terms) from the chunk texts."""
    from ragqa.backends.postgres import PostgresBackend
    from ragqa.changes import ChangePlan, PreparedBatch, chunk_transcripts, empty_manifest
    from ragqa.lexical import term_frequencies
    from ragqa.parsing import load_sources

    snapshot = local.backend.snapshot
    rows = {snapshot.chunk(r)["id"]: r for r in range(snapshot.size)}
    transcripts = load_sources(list(sources)).transcripts
    chunks = chunk_transcripts(transcripts, settings)
    taken = np.array([rows[c.id] for c in chunks])
    ranker = snapshot.ranker_vectors.take(taken) if snapshot.ranker_vectors is not None else None
    batch = PreparedBatch(chunks=chunks, vectors=snapshot.vectors.take(taken).astype(np.float32),
                          term_counts=term_frequencies([c.text for c in chunks], [c.lang for c in chunks]),
                          ranker_vectors=ranker, ranker_encoder=snapshot.ranker_encoder if ranker is not None else None)
    backend = PostgresBackend.open(settings.postgres, create=True)
    with backend.write_lock():
        backend.commit(ChangePlan(base=empty_manifest(settings, local.embedder), incoming=transcripts, removed=[]),
                       batch, settings, local.embedder)
    backend.close()
    return ragqa.load_index("unused", settings=settings)
