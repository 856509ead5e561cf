"""The summary cache on both stores: a summary is stored with the index, served again from it, and
dropped when its transcript is replaced or removed (real seed transcript, extractive backend)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ragqa
from ragqa.answering.prompts import default_prompts_dir, read_prompt
from ragqa.answering.summarize import MAP_PROMPT, REDUCE_PROMPT
from ragqa.answering.summary_cache import answer_to_dict, summary_key

from store_support import STORES

SEED = Path(__file__).resolve().parent.parent / "data" / "samples" / "000_8668bff71fb91613.txt"
SEED_ID = SEED.stem


def _key(index: ragqa.Index, transcript_id: str, focus: str | None = None) -> str:
    templates = tuple(read_prompt(default_prompts_dir(), name) for name in (MAP_PROMPT, REDUCE_PROMPT))
    record = index.manifest.transcripts[transcript_id]
    return summary_key(record.content_hash, focus, templates, index.settings.llm, index.manifest.embedder)


@pytest.mark.parametrize("store", STORES)
def test_summary_is_stored_reused_and_dropped_with_its_transcript(store, make_settings, tmp_path):
    settings, folder = make_settings(store)
    source = tmp_path / SEED.name
    shutil.copy(SEED, source)
    index = ragqa.build_index([source], folder, settings=settings)
    key = _key(index, SEED_ID)
    assert index.backend.summaries.get(key) is None
    answer = index.summarize(SEED_ID)
    assert index.backend.summaries.get(key) == answer_to_dict(answer)

    reopened = ragqa.load_index(folder, settings=settings)  # another process sees the stored summary
    calls = []
    again = reopened.summarize(SEED_ID, progress=lambda done, total: calls.append((done, total)))
    assert again == answer and calls == [(1, 1)]
    assert _key(index, SEED_ID, "  Rosatom ") == _key(index, SEED_ID, "rosatom") != key

    index.add([source])  # unchanged: kept
    assert index.backend.summaries.get(key) is not None
    source.write_text(source.read_text(encoding="utf-8") + "\nVladimir Putin: Grazie a tutti.\n", encoding="utf-8")
    index.add([source])  # changed: dropped, and the new content has a key of its own
    assert index.backend.summaries.get(key) is None and _key(index, SEED_ID) != key
    index.summarize(SEED_ID)
    new_key = _key(index, SEED_ID)
    assert index.backend.summaries.get(new_key) is not None
    index.remove(SEED_ID)
    assert index.backend.summaries.get(new_key) is None
