"""The query adapter end to end on an e5-small index of real QMSum val meetings (tests/data/bench, two meetings,
24 questions): its cosine is computed against the vectors the index already stores, joins the learned ranker
inside a transcript for English questions only (not the fusion across transcripts), and an embedder without an
adapter ranks as before."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ragqa
from ragqa.embedding.query_adapter import query_adapter_for
from ragqa.ranking.learned import load_ranker
from ragqa.ranking.rank import learned_scores
from ragqa.ranking.search import candidates_for
from ragqa.types import Filters

DATA = Path(__file__).resolve().parent.parent / "data" / "bench"
QUESTIONS = [json.loads(line) for line in (DATA / "qmsum-sample-questions.jsonl").read_text().splitlines()]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e5_index(qmsum_sample_index) -> ragqa.Index:
    return qmsum_sample_index("e5-small")


def _candidates(index: ragqa.Index, question: str, transcript: str | None):
    settings = index.settings.retrieval
    with index.backend.candidates(Filters(transcript=transcript)) as source:
        return candidates_for(source, index.embedder, question, transcript is not None, settings)


def _without_adapter(c):
    return type(c)(**{**c.__dict__, "adapter_cosines": None})


def test_english_questions_inside_a_transcript_rank_with_the_adapted_cosine(e5_index):
    adapter = query_adapter_for(e5_index.embedder.model_id)
    ranker = load_ranker()
    assert adapter is not None and ranker.with_adapter is not None
    changed = 0
    for q in QUESTIONS[:6]:
        c = _candidates(e5_index, q["question"], q["meeting_id"])
        qv = e5_index.embedder.embed_queries([q["question"]])[0]
        expected = e5_index.backend.snapshot.vectors.take(c.rows) @ adapter.adapt(qv)
        assert c.encoder_cosines is not None and c.adapter_cosines is not None
        assert np.allclose(c.adapter_cosines, expected, atol=1e-5)
        with_adapter = learned_scores(c, ranker)
        without = learned_scores(_without_adapter(c), ranker)
        changed += int(not np.allclose(with_adapter, without))
    assert changed == 6


def test_other_languages_and_embedders_have_no_adapter(e5_index, qmsum_sample_index):
    italian = "Che cosa ha deciso il gruppo sul telecomando?"
    assert _candidates(e5_index, italian, QUESTIONS[0]["meeting_id"]).adapter_cosines is None
    use = qmsum_sample_index("use-m3", "none")
    assert query_adapter_for(use.embedder.model_id) is None
    assert _candidates(use, QUESTIONS[0]["question"], QUESTIONS[0]["meeting_id"]).adapter_cosines is None


def test_across_transcripts_the_adapter_is_not_used(e5_index):
    for question in (q["question"] for q in QUESTIONS[:6]):
        c = _candidates(e5_index, question, None)
        assert c.encoder_cosines is not None and c.adapter_cosines is None  # not even computed


def test_oracle_eval_with_the_adapter(e5_index, capsys):
    """Through the CLI, the 24 questions inside their meetings. Floors under what the sample measures (see the
    numbers in tests/test_evaluation.py) so that a broken ranking fails."""
    from ragqa.cli import main as cli_main

    assert cli_main(["eval", str(DATA / "qmsum-sample-questions.jsonl"), "--index", str(e5_index.path),
                     "--scope", "oracle", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 24 and report["mrr"] >= 0.8 and report["hit10"] == 1.0
