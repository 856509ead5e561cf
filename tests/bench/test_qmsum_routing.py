"""`python -m bench.qmsum_routing` on the QMSum sample shipped in tests/data (two real Committee meetings, 24
questions with gold turns), searched across both meetings."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench import qmsum_routing
from ragqa.cli import main as cli_main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bench"


def test_routing_table_on_the_sample(tmp_path):
    index = tmp_path / "index"
    assert cli_main(["build", str(SAMPLE / "qmsum-sample.jsonl"), "--index", str(index), "--embedder", "use-m3",
                     "--quiet"]) == 0
    table = qmsum_routing.main(["--index", str(index), "--questions", str(SAMPLE / "qmsum-sample-questions.jsonl"),
                                "--transcripts", str(SAMPLE / "qmsum-sample.jsonl")])
    rows = {r["domain"]: r for r in table.data}
    assert set(rows) == {"Committee", "all"}
    for row in rows.values():
        assert row["questions"] == 24 and row["meetings"] == 2
        assert 0 < row["mrr"] <= row["transcript_mrr"] <= 1  # a meeting listed first takes at least one place
        assert row["transcript_top1"] <= row["transcript_mrr"]
        assert row["chance"] == pytest.approx(0.75)  # uniform among the two Committee meetings: (1 + 1/2) / 2
    assert rows["all"]["transcript_top1"] >= 0.9  # the two meetings' topics are apart (mental health, schools)
    assert table.notes and "turn MRR / meeting MRR" in table.notes[0]


def test_peer_groups_and_chance():
    assert qmsum_routing.peer_group("ES2004c", "Product") == ("Product", "c")
    assert qmsum_routing.peer_group("Bed002", "Academic") == ("Academic", "")
    assert qmsum_routing.chance_mrr(1) == 1.0 and qmsum_routing.chance_mrr(0) == 0.0
    assert qmsum_routing.chance_mrr(4) == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
