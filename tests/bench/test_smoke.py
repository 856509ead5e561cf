"""CI smoke check of the benchmark suite: `python -m bench --quick` runs, and the ratios it measures
stay where they should (ratios within one run, never absolute times: the machine is shared)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

MAX_OVERHEAD_IN_RUN = 1.0  # build wall time <= 2x the time spent encoding (use-m3, the fastest encoder)
MIN_RECALL = 0.95  # dense recall@10 of the HNSW index against an exact scan


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    cache = out.parent / "cache"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--cache", str(cache), "--json", str(out)],
                          cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "2"}, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "Build throughput" in proc.stdout and "Query latency" in proc.stdout
    return {t["title"].split(" (")[0].split(",")[0]: t for t in json.loads(out.read_text())["tables"]}


def test_build_pipeline_overhead_over_raw_encoding(results):
    for row in results["Build throughput"]["data"]:
        assert row["chunks"] > 0
        assert row["overhead_in_run"] <= MAX_OVERHEAD_IN_RUN, row


def test_ann_recall_and_index_choice(results):
    rows = results["Query latency"]["data"]
    assert [r["kind"] for r in rows] == ["flat", "hnsw"]
    assert rows[0]["recall"] == 1.0  # exact scan
    assert rows[1]["recall"] >= MIN_RECALL, rows[1]


def test_incremental_add_does_not_rebuild_the_graph(results):
    small, big = results["Incremental add of one transcript"]["data"]
    # the part of an add that is not encoding grows at most like the reopen of the index, never like a
    # graph build (which would be tens of times the reopen at 21k chunks)
    assert big["rest_s"] <= 3 * big["reopen_s"] + 1.0, big
    assert small["encode_s"] > 0


def test_memory_table_has_every_size(results):
    rows = results["Memory and disk per index size"]["data"]
    assert [r["dense"] for r in rows] == ["flat", "hnsw"]
    assert all(r["open_s"] > 0 and r["rss_after"] > 0 for r in rows)
