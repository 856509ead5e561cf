"""`python -m bench.train_ranker` end to end on the QMSum sample shipped in tests/data (two real meetings,
24 questions with gold turns): it builds the index, fits, cross-validates and writes a ranker file that
`ragqa` loads and ranks with."""
from __future__ import annotations

import json
from pathlib import Path

import ragqa
from bench import train_ranker
from ragqa.evaluation import evaluate, load_questions
from ragqa.ranking.features import FEATURE_NAMES
from ragqa.ranking.learned import load_ranker
from ragqa.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bench"


def test_train_ranker_on_the_sample_writes_a_ranker_ragqa_uses(tmp_path):
    out = tmp_path / "ranker.json"
    table = train_ranker.main(["--transcripts", str(SAMPLE / "qmsum-sample.jsonl"),
                               "--questions", str(SAMPLE / "qmsum-sample-questions.jsonl"),
                               "--embedder", "use-m3", "--folds", "2", "--cache", str(tmp_path / "cache"),
                               "--out", str(out)])
    rows = {r["ranker"].split(",")[0].split(" (")[0]: r for r in table.data}
    assert set(rows) == {"smoothed", "learned"} and len(table.data) == 3
    fitted = table.data[-1]
    assert fitted["mrr"] >= rows["smoothed"]["mrr"] - 0.05 and fitted["ndcg10"] > 0.5  # fitted on these questions
    spec = json.loads(out.read_text())
    assert spec["features"] == list(FEATURE_NAMES) and "24 questions" in spec["trained_on"]
    assert load_ranker(out).weights.tolist() == spec["weights"]

    settings = Settings().merged(embedder={"model": "use-m3"}, retrieval={"ranker_weights": str(out)})
    index = ragqa.load_index(tmp_path / "cache" / "bench-qmsum-sample-use-m3", settings=settings)
    report = evaluate(index, load_questions(SAMPLE / "qmsum-sample-questions.jsonl"), scope="oracle")
    assert report.questions == 24 and report.hit10 == 1.0
