"""What the benchmark scripts share: corpora, timing, tables, and facts about the machine."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data")  # the full development corpora (see its README.md)
SAMPLE = REPO / "tests" / "data" / "bench"  # small real samples shipped with the repo (used by --quick)
CORPORA = {
    "kremlin": DATA / "kremlin-en" / "transcripts.jsonl",
    "qmsum-val": DATA / "qmsum-val" / "transcripts.jsonl",
    "kremlin-sample": SAMPLE / "kremlin-sample.jsonl",
    "qmsum-sample": SAMPLE / "qmsum-sample.jsonl",
}
DEFAULT_CACHE = Path.home() / ".cache" / "ragqa" / "bench"


@dataclass
class Table:
    """A printed figure: a title, column names, rows, and notes under it."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)  # the measurements behind the rows, unrounded

    def add(self, *values: Any) -> None:
        self.rows.append(list(values))

    def render(self) -> str:
        cells = [self.columns] + [[_fmt(v) for v in row] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]

        def line(r: list[str]) -> str:
            return "| " + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |"

        out = [f"### {self.title}", "", line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in cells[1:]]
        out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes,
                "data": self.data}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine() -> dict[str, Any]:
    """CPU, core count, memory and current load average (the machine is shared)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model, "cores": os.cpu_count(), "mem_gib": round(mem_gib, 1),
            "load": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "omp_threads": os.environ.get("OMP_NUM_THREADS")}


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then `t[0]` is the elapsed wall time in seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"ragqa-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def stable_order(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    """Rows in a fixed pseudo-random order (by hash of their id), so subsets are deterministic and mixed."""
    return sorted(rows, key=lambda r: hashlib.sha1(key(r).encode()).hexdigest())


def record_id(row: dict[str, Any]) -> str:
    return str(row.get("id") or row.get("meeting_id") or row.get("doc_id"))


def subset_file(corpus: str, max_turns: int | None, out_dir: Path) -> tuple[Path, int]:
    """A JSONL file with a deterministic subset of `corpus` holding about `max_turns` turns
    (all of it when None); returns the file and its number of transcripts."""
    source = CORPORA[corpus]
    if max_turns is None:
        return source, sum(1 for _ in open(source, encoding="utf-8"))
    rows = stable_order(read_jsonl(source), record_id)
    chosen, turns = [], 0
    for row in rows:
        if turns >= max_turns:
            break
        if not row.get("turns"):
            continue
        chosen.append(row)
        turns += len(row["turns"])
    out = out_dir / f"{corpus}-{max_turns}.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for row in chosen:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out, len(chosen)


class EncodeTimer:
    """Counts the time an embedder spends in `embed_passages` (or the method `method`; wraps the method of
    that instance)."""

    def __init__(self, embedder: Any, method: str = "embed_passages") -> None:
        self.embedder = embedder
        self.method = method
        self.seconds = 0.0
        self.texts = 0
        self._original = getattr(embedder, method)

        def timed(texts: Sequence[str]) -> np.ndarray:
            start = time.perf_counter()
            out = self._original(texts)
            self.seconds += time.perf_counter() - start
            self.texts += len(texts)
            return out

        setattr(embedder, method, timed)

    def close(self) -> None:
        delattr(self.embedder, self.method)  # back to the class method


def save_results(path: Path, tables: list[Table]) -> None:
    payload = {"machine": machine(), "tables": [t.to_dict() for t in tables]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=float), encoding="utf-8")


def sized_main(run: Callable[[bool, list[int] | None, Path], "Table"], doc: str | None,
               argv: list[str] | None) -> "Table":
    """Command line of a benchmark over index sizes: `--quick`, `--sizes 10000,100000`, `--cache DIR`."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", help="comma-separated chunk counts")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    table = run(args.quick, [int(s) for s in args.sizes.split(",")] if args.sizes else None, args.cache)
    print(table.render(), flush=True)
    return table
