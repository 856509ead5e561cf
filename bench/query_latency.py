"""Query latency: p50/p95 of `Index.search` (hybrid: query embedding, dense, BM25, fusion; embedder
warm) at growing index sizes, the parts it spends its time in, and the recall@10 of the dense index
against an exact scan of the same vectors.

    python -m bench.query_latency [--quick] [--sizes 10000,100000,1000000] [--embedder e5-small]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ragqa.embedding import make_embedder
from ragqa.dense_index import RowVectors
from ragqa.index import load_index
from ragqa.snapshot import filter_mask
from ragqa.types import Filters
from ragqa.settings import Settings, load_settings

from .common import DEFAULT_CACHE, Table, machine, percentile
from .synth import load_base, query_texts, synth_index

QUICK = {"corpus": "kremlin-sample", "base": 400, "sizes": [2_000, 21_000], "queries": 20, "embedder": "use-m3"}
FULL = {"corpus": "kremlin", "base": 4_000, "sizes": [10_000, 100_000, 1_000_000], "queries": 100,
        "embedder": "use-m3"}


def recall_at_10(found: np.ndarray, vectors: RowVectors, query: np.ndarray) -> float:
    """Share of the 10 rows found whose exact score reaches the exact 10th best (ties count as hits)."""
    scores = np.asarray(vectors.scores(query))
    kth = np.partition(scores, -10)[-10]
    return float(np.mean(scores[found[:10]] >= kth - 1e-6))


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - start) * 1000, out


def measure_size(path: Path, settings: Settings, queries: list[str], query_vectors: np.ndarray) -> dict:
    index = load_index(path, settings)
    snapshot = index.backend.snapshot
    retrieval = settings.retrieval
    for q in queries[:3]:
        index.search(q, k=10)  # warm: embedder, caches, mapped pages
    total, embed, dense, lexical, filtered, recalls = [], [], [], [], [], []
    speaker = snapshot.speakers_of(np.array([snapshot.size // 2]))[0]
    for q, qv in zip(queries, query_vectors):
        ms, _ = timed(index.search, q, 10)
        total.append(ms)
        ms, _ = timed(index.embedder.embed_queries, [q])
        embed.append(ms)
        ms, rows = timed(snapshot.dense.search, qv, retrieval.candidates, None)
        dense.append(ms)
        recalls.append(recall_at_10(rows, snapshot.vectors, qv))
        ms, _ = timed(lambda: snapshot.lexical.top(snapshot.lexical.query(q), retrieval.candidates))
        lexical.append(ms)
        ms, _ = timed(index.search, q, 10, speaker)
        filtered.append(ms)
    mask = filter_mask(snapshot, Filters(speaker=speaker))
    return {"chunks": snapshot.size, "kind": snapshot.dense.kind, "p50": percentile(total, 50),
            "p95": percentile(total, 95), "filtered_p50": percentile(filtered, 50),
            "filter_share": float(mask.mean()), "embed_p50": percentile(embed, 50),
            "dense_p50": percentile(dense, 50), "lexical_p50": percentile(lexical, 50),
            "recall": float(np.mean(recalls))}


def run(quick: bool, embedder: str | None = None, sizes: list[int] | None = None,
        cache: Path = DEFAULT_CACHE) -> Table:
    preset = QUICK if quick else FULL
    base_settings = load_settings()
    settings = base_settings.merged(embedder={"model": embedder or preset["embedder"] or base_settings.embedder.model})
    model = make_embedder(settings)
    base = load_base(preset["corpus"], preset["base"], settings, cache)
    queries = query_texts(preset["corpus"], preset["queries"])
    query_vectors = model.embed_queries(queries)
    table = Table(f"Query latency, ms ({settings.embedder.model}, k=10, hybrid, embedder warm)",
                  ["chunks", "dense index", "p50", "p95", "p50 speaker filter", "query embed p50",
                   "dense p50", "BM25 p50", "dense recall@10"])
    for n in sizes or preset["sizes"]:
        path = cache / "indexes" / f"{preset['corpus']}-{settings.embedder.model}-{n}"
        synth_index(path, n, base, model, settings)
        r = measure_size(path, settings, queries, query_vectors)
        table.add(r["chunks"], r["kind"], r["p50"], r["p95"], r["filtered_p50"], r["embed_p50"], r["dense_p50"],
                  r["lexical_p50"], r["recall"])
        table.data.append({"size": n, **r})
        print(f"  {n:,} chunks done", file=sys.stderr, flush=True)
    table.notes += [
        f"index: {len(base.chunks):,} real {preset['corpus']} chunks embedded by {settings.embedder.model}, replicated "
        "with Gaussian noise to the size (bench/synth.py); BM25 term counts replicated",
        f"queries: {len(queries)} real page titles / questions, embedded by the same model",
        "p50/p95: whole `Index.search` (query embedding + dense + BM25 + fusion + hits); goal p50 <= 30 ms at 100k, "
        "<= 60 ms at 1M",
        "dense recall@10: top 10 of the dense candidates vs an exact scan of the same vectors (ties count); "
        "goal >= 0.95",
        "speaker filter: a speaker keeping the share of chunks given in the data",
        f"load average at the end: {machine()['load']}",
    ]
    return table


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated chunk counts")
    parser.add_argument("--embedder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where vectors and indexes are kept")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    table = run(args.quick, args.embedder, sizes, args.cache)
    print(table.render(), flush=True)
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
