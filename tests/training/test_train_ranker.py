"""`python -m training.train_ranker` end to end on the QMSum sample shipped in tests/data (two real meetings,
24 questions with gold turns): it builds the index, fits, cross-validates and writes a ranker file that
`ragqa` loads and ranks with."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import ragqa
from training import train_ranker
from ragqa.evaluation import load_questions
from ragqa.ranking.features import FEATURE_NAMES
from ragqa.ranking.learned import load_ranker
from ragqa.ranking.rank import learned_features
from ragqa.ranking.search import candidates_for
from ragqa.settings import Settings
from ragqa.types import Filters

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bench"


def test_train_ranker_on_the_sample_writes_a_ranker_ragqa_uses(tmp_path, training_cache):
    out = tmp_path / "ranker.json"
    table = train_ranker.main(["--transcripts", str(SAMPLE / "qmsum-sample.jsonl"),
                               "--questions", str(SAMPLE / "qmsum-sample-questions.jsonl"),
                               "--embedder", "use-m3", "--folds", "2", "--cache", str(training_cache),
                               "--out", str(out)])
    rows = {r["ranker"].split(",")[0].split(" (")[0]: r for r in table.data}
    assert set(rows) == {"smoothed", "learned"} and len(table.data) == 3
    fitted = table.data[-1]
    assert fitted["mrr"] >= rows["smoothed"]["mrr"] - 0.05 and fitted["ndcg10"] > 0.5  # fitted on these questions
    spec = json.loads(out.read_text())
    assert spec["features"] == list(FEATURE_NAMES) and "24 questions" in spec["trained_on"]
    assert load_ranker(out).weights.tolist() == spec["weights"]

    index = ragqa.load_index(training_cache / "bench-qmsum-sample-use-m3",
                             settings=Settings().merged(embedder={"model": "use-m3"}))
    ranker, found = load_ranker(out), 0
    questions = load_questions(SAMPLE / "qmsum-sample-questions.jsonl")
    for q in questions:  # the fitted file ranks the serving path's candidates with a gold turn in its top 10
        with index.backend.candidates(Filters(transcript=q.transcript_id)) as source:
            c = candidates_for(source, index.embedder, q.question, True, index.settings.retrieval)
        top = c.rows[np.argsort(-ranker.score(learned_features(c)), kind="stable")[:10]]
        found += any(set(index.backend.snapshot.chunk(int(r))["turns"]) & set(q.gold_turns) for r in top)
    assert len(questions) == 24 and found == 24
