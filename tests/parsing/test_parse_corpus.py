"""Real files written by others (tests/data/realworld/corpus/README.md): each is read with the speakers a
reader sees, and with the cue text a reference parser reads (webvtt-py for WebVTT and SubViewer, srt for
SubRip, pysubs2 for TTML/DFXP and SAMI, which ragqa reads with pysubs2 too)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pysubs2
import pytest
import srt
import webvtt

from ragqa.parsing import parse_file, read_text
from ragqa.types import Transcript

DATA = Path(__file__).resolve().parents[1] / "data"
EXPECTED: dict[str, list[str]] = json.loads((DATA / "realworld" / "corpus" / "expected.json").read_text("utf-8"))
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_DASH = re.compile(r"^\s*(?:>>|-(?!-))\s*")
_SOURCE_LINE = re.compile(r"^\(?(?:Fonte|Source):.*$")


def reference_lines(path: Path) -> list[str]:
    """The text lines of a file as a reference reader gives them."""
    if path.suffix in (".vtt", ".sbv"):
        captions = (webvtt.read if path.suffix == ".vtt" else webvtt.from_sbv)(str(path)).captions
        return [line for caption in captions for line in caption.text.split("\n")]
    if path.suffix in (".ttml", ".dfxp", ".sami", ".smi", ".ass"):
        kind = {".dfxp": "ttml", ".smi": "sami"}.get(path.suffix, path.suffix[1:])
        events = pysubs2.SSAFile.from_string(read_text(path), format_=kind).events
        return [line for event in events if event.is_text for line in event.plaintext.split("\n")]
    if path.suffix == ".srt":
        return [line for cue in srt.parse(read_text(path)) for line in _TAG.sub("", cue.content).split("\n")]
    if path.suffix == ".json":
        return [turn["text"] for turn in json.loads(read_text(path))["turns"]]
    if path.suffix == ".jsonl":
        objects = [json.loads(line) for line in read_text(path).splitlines() if line.strip()]
        return [turn["text"] for obj in objects for turn in obj["turns"]]
    return [line for line in read_text(path).split("\n") if not _SOURCE_LINE.match(line)]


def _words(lines: list[str], speakers: list[str]) -> list[str]:
    """Words of the lines without dialogue dashes and the expected speakers' labels."""
    names = "|".join(re.escape(name) for name in sorted(speakers, key=len, reverse=True))
    label = re.compile(rf"^(?:\[(?:{names})\]|(?:{names}):)\s*") if names else None
    words: list[str] = []
    for line in lines:
        line = _DASH.sub("", html.unescape(line))
        if label:
            line = label.sub("", line)
        words.extend(line.split())
    return words


def read_right(name: str) -> tuple[bool, str]:
    """Whether the file comes out with the expected speakers and the reference text, and what differs."""
    path = DATA / name
    transcripts, _ = parse_file(path)
    if not transcripts:
        return False, "nothing read"
    speakers = [s for t in transcripts for s in Transcript(t.id, t.turns).speakers]
    if list(dict.fromkeys(speakers)) != EXPECTED[name]:
        return False, f"speakers {list(dict.fromkeys(speakers))}"
    ours = [word for t in transcripts for turn in t.turns for word in turn.text.split()]
    reference = _words(reference_lines(path), EXPECTED[name])
    if ours != reference:
        at = next((k for k, (a, b) in enumerate(zip(ours, reference)) if a != b), min(len(ours), len(reference)))
        return False, f"text differs at word {at}: {ours[at:at + 8]} vs {reference[at:at + 8]}"
    return True, ""


def test_corpus_is_large_and_varied() -> None:
    assert len(EXPECTED) >= 40
    assert {Path(name).suffix for name in EXPECTED} >= {".vtt", ".srt", ".sbv", ".ttml", ".dfxp", ".sami", ".txt",
                                                        ".json", ".jsonl"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_is_read_right(name: str) -> None:
    ok, why = read_right(name)
    assert ok, why
