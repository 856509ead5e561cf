"""Whole-transcript summaries with the extractive `none` backend on real samples."""
import re

import pytest

import ragqa
from ragqa.answering.citations import cited_numbers
from ragqa.answering.summarize import windows
from ragqa.settings import Settings


@pytest.fixture(scope="module")
def qmsum_index(tmp_path_factory):
    sample = "tests/data/samples/qmsum_Bed010_first40.jsonl"
    return ragqa.build_index([sample], tmp_path_factory.mktemp("summary") / "index",
                             settings=Settings(threads=2, llm={"backend": "none"}))


def test_windows_cover_every_turn_in_order_within_budget(qmsum_index):
    turns = qmsum_index.turns(qmsum_index.transcripts()[0].id)
    groups = windows(turns, 400)
    assert [i for g in groups for i in g] == list(range(len(turns)))
    assert len(groups) > 1


def test_extractive_summary_cites_turns_of_every_window(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    calls = []
    answer = qmsum_index.summarize(tid, progress=lambda done, total: calls.append((done, total)))
    assert answer.text.startswith("**Overview**")
    assert calls and calls[-1][0] == calls[-1][1]
    numbers = set(cited_numbers(answer.text))
    assert numbers == {c.n for c in answer.citations}
    turns = {t.index: t.text for t in qmsum_index.turns(tid)}
    for citation in answer.citations:
        assert citation.transcript_id == tid and len(citation.turns) == 1
        assert citation.quote.split(": ", 1)[1] == turns[citation.turns[0]]
    decisions = re.search(r"\*\*Decisions\*\*\n(.*?)(\n\n|$)", answer.text, re.S)
    assert decisions and "decided" in decisions.group(1)


def test_seed_summary_in_italian(seed_index):
    tid = seed_index.transcripts()[0].id
    answer = seed_index.summarize(tid, stream=True)
    text = "".join(answer)
    assert "[1]" in text and answer.answer.citations


def test_ask_routes_summary_questions_of_one_transcript(qmsum_index):
    routed = qmsum_index.ask("What was decided?")
    assert routed.text.startswith("**Overview**") and routed.citations
    normal = qmsum_index.ask("Which system are they adapting?")
    assert not normal.text.startswith("**Overview**")
