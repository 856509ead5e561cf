"""Inside a transcript the learned ranker lists chunks by its probability per cited turn (`ranking.learned.per_turn`):
the turns each chunk cites are kept per segment (and counted once for segments written before that), and search
follows that order. Real QMSum val meetings (tests/data/bench,
two meetings, 24 questions), where short turns ("Yeah .") ride along with the chunk before them."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import ragqa
from ragqa.ranking.learned import load_ranker, per_turn
from ragqa.ranking.rank import learned_scores
from ragqa.ranking.search import candidates_for
from ragqa.types import Filters
from ragqa.settings import Settings
from ragqa.store.files import sha256_file
from ragqa.store.manifest import SEGMENTS_DIR, Manifest
from ragqa.store.segment import COLUMNS_FILE

DATA = Path(__file__).resolve().parent.parent / "data" / "bench"
SAMPLE = DATA / "qmsum-sample.jsonl"
QUESTIONS = [json.loads(line) for line in (DATA / "qmsum-sample-questions.jsonl").read_text().splitlines()]

pytestmark = pytest.mark.slow


def _settings() -> Settings:
    return Settings().merged(embedder={"model": "use-m3"}, retrieval={"ranker_encoder": "none"})


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("per_turn") / "index"
    ragqa.build_index([SAMPLE], index_dir, settings=_settings())
    return index_dir


def _ids(index: ragqa.Index, scores: np.ndarray, rows: np.ndarray) -> list[str]:
    """The ids of the 10 best chunks by `scores` (ties by row), as search lists them."""
    return [index.backend.snapshot.chunk(int(rows[i]))["id"] for i in np.lexsort((rows, -scores))[:10]]


def test_per_turn_divides_the_probability_by_the_turns_cited():
    scores = np.log(np.array([0.5, 0.3, 0.2]))
    turns = np.array([3, 1, 0])  # 0.5 over 3 turns is less answer per place than 0.3 over 1; 0 counts as 1
    assert np.allclose(np.exp(per_turn(scores, turns)), [0.5 / 3, 0.3, 0.2])
    assert np.array_equal(per_turn(scores, np.ones(3, dtype=int)), scores)


def test_segments_keep_the_turns_each_chunk_cites(sample_dir):
    snapshot = ragqa.load_index(sample_dir, settings=_settings()).backend.snapshot
    counts = [len(snapshot.chunk(row)["turns"]) for row in range(snapshot.size)]
    assert snapshot.turn_counts.tolist() == counts and max(counts) > 1  # riders make chunks of several turns


def test_search_in_a_transcript_lists_chunks_per_cited_turn(sample_dir):
    index = ragqa.load_index(sample_dir, settings=_settings())
    ranker, reordered = load_ranker(), 0
    for question in QUESTIONS:
        with index.backend.candidates(Filters(transcript=question["meeting_id"])) as source:
            c = candidates_for(source, index.embedder, question["question"], True, index.settings.retrieval)
        scores = learned_scores(c, ranker)
        hits = index.search(question["question"], k=10, transcript=question["meeting_id"])
        assert [h.chunk_id for h in hits] == _ids(index, per_turn(scores, c.turn_counts), c.rows)
        reordered += [h.chunk_id for h in hits] != _ids(index, scores, c.rows)  # the raw scores' order
    assert reordered >= 3  # the order changes for real questions, not only in principle


def test_a_segment_written_without_turn_counts_counts_them_when_opened(sample_dir, tmp_path):
    index_dir = Path(shutil.copytree(sample_dir, tmp_path / "index"))
    manifest = Manifest.load(index_dir)
    for record in manifest.segments:  # rewrite each segment's columns as earlier versions wrote them
        path = index_dir / SEGMENTS_DIR / record.name / COLUMNS_FILE
        with np.load(io.BytesIO(path.read_bytes())) as npz:
            arrays = {key: npz[key] for key in npz.files if key != "turn_count"}
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        record.files[COLUMNS_FILE] = [path.stat().st_size, sha256_file(path)]
    manifest.save(index_dir)
    old = ragqa.load_index(index_dir, settings=_settings())
    new = ragqa.load_index(sample_dir, settings=_settings())
    assert old.backend.snapshot.turn_counts.tolist() == new.backend.snapshot.turn_counts.tolist()
    question = QUESTIONS[0]
    assert ([h.chunk_id for h in old.search(question["question"], k=10, transcript=question["meeting_id"])]
            == [h.chunk_id for h in new.search(question["question"], k=10, transcript=question["meeting_id"])])
