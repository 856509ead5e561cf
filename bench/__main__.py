"""Run the benchmark suite and print one table per figure: `python -m bench [--quick] [--json out.json]`.

--quick uses the small samples shipped in tests/data/bench and small synthetic indexes (CI smoke,
well under a minute on an idle 2-core machine); the full run uses /work/shared/data and indexes of
10k/100k chunks (1M with --sizes). Vectors and synthetic indexes are cached in --cache.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from . import build_throughput, incremental, memory_disk, query_latency
from .common import DEFAULT_CACHE, Table, machine, save_results

FIGURES = ("build", "latency", "memory", "incremental", "answer")


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small samples only (CI smoke)")
    parser.add_argument("--only", help=f"comma-separated figures among {', '.join(FIGURES)}")
    parser.add_argument("--sizes", help="index sizes for latency/memory/incremental, e.g. 10000,100000,1000000")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where vectors and indexes are kept")
    parser.add_argument("--json", type=Path, help="also write every table (and its raw numbers) here")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else set(FIGURES)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['mem_gib']} GiB; load average {info['load']}; "
          f"OMP_NUM_THREADS={info['omp_threads']}\n", flush=True)
    started = time.perf_counter()
    tables: list[Table] = []
    runs = [("build", lambda: build_throughput.run(args.quick)),
            ("latency", lambda: query_latency.run(args.quick, sizes=sizes, cache=args.cache)),
            ("memory", lambda: memory_disk.run(args.quick, sizes, args.cache)),
            ("incremental", lambda: incremental.run(args.quick, sizes, args.cache))]
    for name, figure in runs:
        if name in only:
            tables.append(figure())
            print(tables[-1].render() + "\n", flush=True)
    if "answer" in only and not args.quick and (Path(__file__).parent / "answer_latency.py").is_file():
        # the answering helper's figure (runs the LLM, so not part of --quick); prints its own tables
        subprocess.run([sys.executable, "-m", "bench.answer_latency"], check=True,
                       cwd=Path(__file__).resolve().parent.parent, env=os.environ.copy())
    print(f"suite done in {time.perf_counter() - started:.0f} s; load average {machine()['load']}", flush=True)
    if args.json:
        save_results(args.json, tables)
    return tables


if __name__ == "__main__":
    main(sys.argv[1:])
