"""The ranker encoder's passage vectors end to end: a build stores them per segment, the snapshot serves them,
and the learned ranker inside a transcript uses their cosine for English questions only; indexes without them
(built with `ranker_encoder = "none"`, or mixed) fall back to the ranker without them. Real QMSum val meetings
(tests/data/bench, two meetings, 24 questions)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import ragqa
from ragqa.embedding.ranker_encoder import load_ranker_encoder, passage_text
from ragqa.ranking.learned import load_ranker
from ragqa.ranking.gates import encoder_language_ok
from ragqa.ranking.rank import learned_scores, rank_candidates
from ragqa.ranking.search import candidates_for
from ragqa.types import Filters
from ragqa.settings import Settings

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "bench" / "qmsum-sample.jsonl"
SEED = DATA / "samples" / "000_8668bff71fb91613.txt"
QUESTIONS = [json.loads(line) for line in (DATA / "bench" / "qmsum-sample-questions.jsonl").read_text().splitlines()]

pytestmark = pytest.mark.slow


def _settings(encoder: str = "minilm-qmsum") -> Settings:
    return Settings().merged(embedder={"model": "use-m3"}, retrieval={"ranker_encoder": encoder})


@pytest.fixture(scope="module")
def sample_index(qmsum_sample_index) -> ragqa.Index:
    index = qmsum_sample_index("use-m3")
    assert index.settings.retrieval == _settings().retrieval
    return index


def _gather(index, question: str, filters: Filters, settings):
    with index.backend.candidates(filters) as source:
        return candidates_for(source, index.embedder, question, filters.transcript is not None, settings)


def _candidates(index: ragqa.Index, question: dict):
    return _gather(index, question["question"], Filters(transcript=question["meeting_id"]), index.settings.retrieval)


def test_build_stores_the_encoders_vectors_of_every_chunk(sample_index):
    segments = sample_index.manifest.segments
    assert segments and all(s.ranker_encoder == "minilm-qmsum" and "ranker_vectors.npy" in s.files for s in segments)
    snapshot = sample_index.backend.snapshot
    assert snapshot.ranker_encoder == "minilm-qmsum" and len(snapshot.ranker_vectors) == snapshot.size
    rows = np.array([0, 7, snapshot.size - 1])
    stored = snapshot.ranker_vectors.take(rows)
    chunks = [snapshot.chunk(int(r)) for r in rows]
    fresh = load_ranker_encoder("minilm-qmsum").encode_passages([passage_text(c["speaker"], c["text"]) for c in chunks])
    assert np.allclose(stored, fresh, atol=2e-3)  # stored as float16


def test_english_questions_rank_with_the_encoder_features(sample_index):
    ranker = load_ranker()
    changed = 0
    for question in QUESTIONS[:6]:
        c = _candidates(sample_index, question)
        assert c.encoder_cosines is not None and encoder_language_ok(c.langs).all()
        scores = learned_scores(c, ranker)
        without = learned_scores(_without_encoder(c), ranker)
        changed += int(np.argmax(scores) != np.argmax(without) or not np.allclose(scores, without))
        hits = sample_index.search(question["question"], k=3, transcript=question["meeting_id"])
        assert [h.score for h in hits] == pytest.approx(sorted(scores, reverse=True)[:3])
    assert changed == 6


def test_other_languages_and_indexes_without_vectors_use_the_plain_ranker(sample_index, qmsum_sample_index, tmp_path,
                                                                          capsys):
    italian = {"question": "Riassumi la discussione sulla salute mentale durante il lockdown.",
               "meeting_id": QUESTIONS[0]["meeting_id"]}
    assert _candidates(sample_index, italian).encoder_cosines is None
    from ragqa.cli import main as cli_main

    # the session's index built by this same command, copied: the command then finds nothing to do
    shutil.copytree(qmsum_sample_index("use-m3", "none").path, tmp_path / "plain")
    assert cli_main(["build", str(SAMPLE), "--index", str(tmp_path / "plain"), "--embedder", "use-m3",
                     "--ranker-encoder", "none", "--quiet"]) == 0
    plain = ragqa.load_index(tmp_path / "plain")
    assert all(s.ranker_encoder is None and "ranker_vectors.npy" not in s.files for s in plain.manifest.segments)
    assert plain.backend.snapshot.ranker_encoder is None
    assert "note:" not in capsys.readouterr().err  # asked for no encoder: nothing is missing
    c = _candidates(plain, QUESTIONS[0])
    assert c.encoder_cosines is None
    scores = learned_scores(c, load_ranker())
    hits = plain.search(QUESTIONS[0]["question"], k=1, transcript=QUESTIONS[0]["meeting_id"])
    assert hits[0].score == pytest.approx(scores.max())
    # a segment with vectors next to one without: the index serves the plain ranker until rebuilt with --force
    mixed = ragqa.load_index(plain.path, settings=_settings())
    mixed.add([SEED])
    assert mixed.backend.snapshot.ranker_encoder is None
    assert _candidates(mixed, QUESTIONS[0]).encoder_cosines is None
    rebuild = ["build", str(SAMPLE), str(SEED), "--index", str(plain.path), "--embedder", "use-m3", "--quiet"]
    assert cli_main(rebuild) == 0  # both transcripts unchanged: nothing re-embedded, and the user is told why
    note = capsys.readouterr().err
    assert "without the minilm-qmsum ranker encoder's vectors" in note and "ragqa build --force" in note
    forced = ragqa.build_index([SAMPLE, SEED], plain.path, settings=_settings(), force=True)
    assert forced.backend.snapshot.ranker_encoder == "minilm-qmsum"
    assert cli_main(rebuild) == 0 and "note:" not in capsys.readouterr().err
    seed_rows = np.flatnonzero(forced.backend.snapshot.langs_of(np.arange(forced.backend.snapshot.size)) == "it")
    assert len(seed_rows) and not forced.backend.snapshot.ranker_vectors.take(seed_rows).any()  # Italian: none
    # across transcripts in two languages, the encoder (English) does not tilt the fusion towards English chunks
    question = "How long is the border between Kazakhstan and Russia?"
    c = _gather(forced, question, Filters(), forced.settings.retrieval)
    ok = encoder_language_ok(c.langs)
    assert ok.any() and not ok.all()
    assert c.encoder_cosines is None  # so the question is not even encoded
    with_cosines = type(c)(**{**c.__dict__, "encoder_cosines": forced.backend.snapshot.ranker_vectors.scores(
        load_ranker_encoder("minilm-qmsum").encode_query(question), c.rows)})
    assert rank_candidates(with_cosines, 10, False, forced.settings.retrieval) == rank_candidates(
        c, 10, False, forced.settings.retrieval)


def _without_encoder(c):
    return type(c)(**{**c.__dict__, "encoder_cosines": None})


def test_across_transcripts_the_fusion_adds_the_encoders_cosine(sample_index):
    settings = sample_index.settings.retrieval
    changed = 0
    for question in (q["question"] for q in QUESTIONS[:6]):
        c = _gather(sample_index, question, Filters(), settings)
        assert c.encoder_cosines is not None and encoder_language_ok(c.langs).all()
        plain = rank_candidates(_without_encoder(c), 10, False, settings)
        ranked = rank_candidates(c, 10, False, settings)
        changed += int(ranked != plain)
        assert [h.score for h in sample_index.search(question, k=10)] == pytest.approx([s for _, s in ranked])
    assert changed == 6

