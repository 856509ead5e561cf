"""The talk around the hits, on real indexes (seed, first 40 turns of QMSum Bed010), `none` backend:
neighbour expansion, merging, the token budget, speaker labels and the turn as the citation unit."""
import json

import pytest

from ragqa.answering.context import DISCUSSION, LOOKUP, Neighbours, Reach, chunk_hit, expand, question_reach
from ragqa.answering.postprocessors import estimate_tokens
from ragqa.answering.synthesizer import format_passages
from ragqa.index import build_from_transcripts
from ragqa.query_analysis import analyse
from ragqa.settings import Settings
from ragqa.types import Transcript, Turn
from tests.conftest import DATA


@pytest.fixture(scope="module")
def meeting_index(tmp_path_factory):
    row = json.loads((DATA / "samples" / "qmsum_Bed010_first40.jsonl").read_text(encoding="utf-8").splitlines()[0])
    transcript = Transcript(id="Bed010", title="Bed010", turns=[Turn(index=i, speaker=t["speaker"], text=t["text"])
                                                                 for i, t in enumerate(row["turns"])])
    return build_from_transcripts([transcript], tmp_path_factory.mktemp("bed010") / "index",
                                  settings=Settings(threads=2, llm={"backend": "none"}))


def _neighbours(index):
    return Neighbours(index.turns, index.settings.chunking)


def test_rebuilt_chunks_are_the_indexed_ones(seed_index):
    hits = seed_index.search("trade volume", k=5)
    chunks, position = _neighbours(seed_index).of(hits[0].transcript_id)
    for hit in hits:
        assert chunks[position[hit.chunk_id]].text == hit.text
        assert list(chunks[position[hit.chunk_id]].turns) == hit.turns


def test_hits_grow_into_consecutive_stretches_in_rank_order(meeting_index):
    hits = meeting_index.search("recording the meetings and the consent form", k=3)
    passages = expand(hits, _neighbours(meeting_index), DISCUSSION)
    chunks, position = _neighbours(meeting_index).of("Bed010")
    assert len(passages) > len(hits)
    ids = [p.hit.chunk_id for p in passages]
    assert len(ids) == len(set(ids))  # overlapping stretches merged: no passage twice
    assert {h.chunk_id for h in hits} <= set(ids)  # the hits themselves are always read
    for stretch in {p.stretch for p in passages}:
        spots = [position[p.hit.chunk_id] for p in passages if p.stretch == stretch]
        assert spots == list(range(spots[0], spots[0] + len(spots)))  # consecutive, in transcript order
    first_stretch = [p.hit.chunk_id for p in passages if p.stretch == passages[0].stretch]
    assert hits[0].chunk_id in first_stretch  # the best hit's stretch comes first
    assert all(p.hit.turns and p.hit.text.startswith(p.hit.speaker + ":") for p in passages)  # labelled, cited by turn
    assert not any("{" in p.hit.text for p in passages)  # transcription markup left out


def test_touching_and_overlapping_stretches_merge(seed_index):
    like = seed_index.search("border", k=1)[0]
    chunks, _ = _neighbours(seed_index).of(like.transcript_id)
    hits = [chunk_hit(chunks[i], like) for i in (7, 12, 6, 10)]  # 6-7 touch; 10 and 12 meet once grown
    alone = expand(hits, _neighbours(seed_index), Reach(chunks=0, tokens=10_000))
    assert [[p.hit.chunk_id for p in alone if p.stretch == s] for s in sorted({p.stretch for p in alone})] == [
        [chunks[6].id, chunks[7].id], [chunks[12].id], [chunks[10].id]]
    grown = expand(hits, _neighbours(seed_index), Reach(chunks=1, tokens=10_000))
    assert [p.hit.chunk_id for p in grown] == [c.id for c in chunks[5:14]]  # one stretch, 5..13
    assert {p.stretch for p in grown} == {0}


def test_budget_bounds_the_growth_but_keeps_the_hits(meeting_index):
    hits = meeting_index.search("microphones breathing", k=4)
    tight = expand(hits, _neighbours(meeting_index), Reach(chunks=3, tokens=1))
    assert sorted(p.hit.chunk_id for p in tight) == sorted(h.chunk_id for h in hits)
    wide = expand(hits, _neighbours(meeting_index), Reach(chunks=3, tokens=600))
    assert len(wide) > len(tight)
    assert sum(estimate_tokens(p.hit.text) + 4 for p in wide) <= max(600, sum(estimate_tokens(h.text) + 4
                                                                              for h in hits))


def test_speaker_filter_adds_only_that_speakers_talk(meeting_index):
    speaker = meeting_index.search("digits", k=1)[0].speaker
    hits = meeting_index.search("digits", k=3, speaker=speaker)
    passages = expand(hits, _neighbours(meeting_index), DISCUSSION, speaker=speaker)
    assert {p.hit.speaker for p in passages} == {speaker}


def test_without_turns_each_hit_is_its_own_passage(seed_index):
    hits = seed_index.search("border", k=3)
    passages = expand(hits, None, DISCUSSION)
    assert [p.hit for p in passages] == hits
    assert [p.stretch for p in passages] == [0, 1, 2]


def test_stretches_are_laid_out_under_their_heading():
    text = format_passages(["A: one [2]", "B: two", "A: three"], ["Meeting, 2020-01-01", None, "Other"])
    assert text == "— Meeting, 2020-01-01 —\n[1] A: one (2)\n[2] B: two\n\n— Other —\n[3] A: three"


@pytest.mark.parametrize("question, reach", [
    ("On what date will Tokayev make his official visit to Russia?", LOOKUP),
    ("When will Tokayev visit Russia?", LOOKUP),
    ("How many branches does Roskomnadzor have?", LOOKUP),
    ("Quanti abitanti ha Dushanbe?", LOOKUP),
    ("Сколько проектов уже реализовано?", LOOKUP),
    ("What did the team think about the energy source?", DISCUSSION),
    ("Why did Project Manager agree with Marketing?", DISCUSSION),
    ("Summarize the discussion about project finance.", DISCUSSION),
])
def test_question_reach(question, reach):
    assert question_reach(analyse(question, [])) == reach
