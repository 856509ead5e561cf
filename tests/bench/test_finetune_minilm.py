"""`python -m bench.finetune_minilm --val` end to end on the QMSum sample shipped in tests/data (two real
meetings, 24 questions with gold turns, one fine-tuned layer to keep it short): fine-tuning, out-of-fold
cosines, the cross-validated rankers, the second stage and the val check all run and report."""
from __future__ import annotations

from pathlib import Path

import pytest
from sentence_transformers import SentenceTransformer

from bench import finetune_minilm

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bench"


@pytest.mark.slow
def test_finetune_minilm_on_the_sample_reports_every_ranking(tmp_path):
    sample = ["--transcripts", str(SAMPLE / "qmsum-sample.jsonl"),
              "--questions", str(SAMPLE / "qmsum-sample-questions.jsonl")]
    table = finetune_minilm.main([*sample, "--val-transcripts", sample[1], "--val-questions", sample[3],
                                  "--layers", "1", "--val", "--cache", str(tmp_path)])
    names = [row["ranking"] for row in table.data]
    assert names[:4] == ["bundled ranker (fitted on all train)", *finetune_minilm.RANKERS]
    assert names[4].startswith("second stage: bundled ranker's top ") and len(names) == 5
    for row in table.data:
        for key in ("mrr", "ndcg10", "val_mrr", "val_ndcg10"):
            assert 0.0 < row[key] <= 1.0, row
    # the bundled ranker reaches MRR 0.9 on these meetings (tests/test_evaluation.py); "val" is the same data here
    assert table.data[0]["val_mrr"] == table.data[0]["mrr"] >= 0.8
    model = SentenceTransformer(str(tmp_path / "minilm-qmsum-1"), device="cpu")
    assert model.get_embedding_dimension() == 384
