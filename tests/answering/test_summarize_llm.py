"""Whole-transcript summary with the real bundled Qwen model on a real QMSum excerpt (slow): the first
cited points stream before the summary is done, the sections are built from them, every line cited."""
import json
import re
from pathlib import Path

import pytest

import ragqa
from ragqa.answering.citations import cited_numbers
from ragqa.settings import Settings

pytestmark = pytest.mark.slow
MEETING = Path(__file__).resolve().parents[1] / "data" / "samples" / "qmsum_Bed010_first40.jsonl"


def test_streamed_summary_of_a_meeting_excerpt(tmp_path):
    meeting = json.loads(MEETING.read_text(encoding="utf-8").splitlines()[0])
    excerpt = tmp_path / "qmsum_Bed010_first20.jsonl"  # 20 turns, 358 words: the model reads it in one window
    excerpt.write_text(json.dumps({**meeting, "turns": meeting["turns"][:20]}) + "\n", encoding="utf-8")
    index = ragqa.build_index([excerpt], tmp_path / "index", settings=Settings(threads=2, llm={"backend": "llamacpp"}))
    tid = index.transcripts()[0].id
    stream = index.summarize(tid, stream=True)
    assert len(stream.sources) == len(index.turns(tid))
    first = next(iter(stream))
    assert first.startswith("- ") and cited_numbers(first)
    assert all(1 <= n <= len(stream.sources) for n in cited_numbers(first))
    answer = stream.answer
    assert answer.text.startswith("**Overview**\n") and not answer.refused
    assert set(cited_numbers(answer.text)) == {c.n for c in answer.citations}
    bullets = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(set(bullets))
    assert not any(re.match(r"- (none|n/a)\b", b, re.IGNORECASE) for b in bullets)
    lines = [line for line in answer.text.splitlines() if line and not line.startswith("**")]
    assert all(cited_numbers(line) for line in lines)
    assert index.summarize(tid) == answer  # stored with the index
