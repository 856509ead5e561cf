"""Memory and disk: index size on disk (per 100k chunks), time to open an index and resident memory
after opening it (model load excluded: `load_index` loads the embedder only on first search), each
open in a fresh process with the files in the page cache.

    python -m bench.memory_disk [--quick] [--sizes 10000,100000]
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ragqa.embedding import make_embedder
from ragqa.settings import load_settings

from .common import DEFAULT_CACHE, Table, machine, sized_main
from .query_latency import FULL, QUICK
from .synth import load_base, synth_index

# Runs in a fresh interpreter: opening time split into its parts, and RSS before/after.
PROBE = r"""
import json, sys, time
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import ragqa
from ragqa.index import load_index
from ragqa.store.manifest import Manifest
from ragqa.store.segment import ChunkLines, read_columns
path = Path(sys.argv[1])
before = rss()
t = time.perf_counter(); index = load_index(path); total = time.perf_counter() - t
after = rss()
m = Manifest.load(path)
t = time.perf_counter(); m = Manifest.load(path); manifest_s = time.perf_counter() - t
t = time.perf_counter(); cols = [read_columns(path, s)[0] for s in m.segments]; columns_s = time.perf_counter() - t
t = time.perf_counter(); [ChunkLines(path, s, c.line_start) for s, c in zip(m.segments, cols)]
docstore_s = time.perf_counter() - t
print(json.dumps({"open_s": total, "rss_before": before, "rss_after": after, "manifest_s": manifest_s,
                  "columns_s": columns_s, "docstore_s": docstore_s, "dense": index.backend.snapshot.dense.kind}))
"""


def probe(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sizes_on_disk(path: Path) -> dict[str, float]:
    parts: dict[str, float] = {}
    for f in path.rglob("*"):
        if f.is_file():
            key = "dense graph" if f.suffix == ".hnsw" else f.name if f.parent.parent.name == "segments" else "other"
            parts[key] = parts.get(key, 0.0) + f.stat().st_size / 2**20
    return parts


def run(quick: bool, sizes: list[int] | None = None, cache: Path = DEFAULT_CACHE) -> Table:
    preset = QUICK if quick else FULL
    settings = load_settings().merged(embedder={"model": preset["embedder"]})
    model = make_embedder(settings)
    base = None
    table = Table("Memory and disk per index size",
                  ["chunks", "open s", "manifest s", "columns+postings s", "docstore check s", "RSS after open MiB",
                   "disk MiB", "disk MiB per 100k", "vectors", "graph", "chunks.jsonl", "columns+postings",
                   "turns"])
    for n in sizes or preset["sizes"]:
        path = cache / "indexes" / f"{preset['corpus']}-{settings.embedder.model}-{n}"
        if not (path / "manifest.json").is_file():
            base = base or load_base(preset["corpus"], preset["base"], settings, cache)
            synth_index(path, n, base, model, settings)
        probe(path)  # first open builds a missing graph and fills the page cache
        r = probe(path)
        disk = sizes_on_disk(path)
        total = sum(disk.values())
        table.add(n, r["open_s"], r["manifest_s"], r["columns_s"], r["docstore_s"], r["rss_after"], total,
                  total * 100_000 / n, disk.get("vectors.npy", 0.0), disk.get("dense graph", 0.0),
                  disk.get("chunks.jsonl", 0.0),
                  disk.get("columns.npz", 0.0) + disk.get("postings.npz", 0.0) + disk.get("terms.npz", 0.0),
                  disk.get("turns.jsonl", 0.0))
        table.data.append({"size": n, **r, "disk": disk})
    table.notes += [
        "open s: `load_index` in a fresh process, warm page cache, embedder not loaded; goal <= 2 s at 100k",
        "of which: re-timed separately after the open: reading+checking the manifest; reading the segments' "
        "columns and postings (checksums included); checksumming the memory-mapped docstore (chunks.jsonl)",
        "RSS after open: whole process (Python + numpy + faiss + the index); vectors and HNSW graph are "
        "memory-mapped, so their pages count only once touched",
        f"synthetic indexes of bench/synth.py ({settings.embedder.model} vectors, dim {model.dim}); "
        f"load average at the end: {machine()['load']}",
    ]
    return table


def main(argv: list[str] | None = None) -> Table:
    return sized_main(run, __doc__, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
