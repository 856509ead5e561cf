"""WebVTT and SRT: voice tags, Name: prefixes, merging, timings, broken cues."""
from __future__ import annotations

from pathlib import Path

import pytest

from ragqa.parsing import parse_file
from ragqa.types import NARRATION, Transcript

PUTIN, TOKAYEV, CHEMEZOV = "Vladimir Putin", "Kassym-Jomart Tokayev", "Sergei Chemezov"


def _parse(path: Path) -> tuple[Transcript, list[tuple[int | None, str]]]:
    (transcript,), problems = parse_file(path)
    assert {p.path for p in problems} <= {str(path)}
    return transcript, [(p.line, p.message) for p in problems]


def _rows(t: Transcript) -> list[tuple[int, str, float | None, float | None]]:
    return [(turn.index, turn.speaker, turn.start, turn.end) for turn in t.turns]


def test_vtt_voice_tags_merge_consecutive_cues(samples: Path) -> None:
    t, problems = _parse(samples / "seed_excerpt.vtt")
    assert problems == []
    assert t.id == t.title == "seed_excerpt"
    assert _rows(t) == [(0, PUTIN, 1.0, 36.05), (1, TOKAYEV, 36.3, 56.65), (2, PUTIN, 56.9, 63.8)]
    assert t.turns[0].text.startswith("Caro Kassym-Jomart Kemelevich! Sono molto lieto di avere questa")
    assert t.turns[0].text.endswith("dei processi di integrazione nello spazio post-sovietico.")
    assert not any(c in turn.text for turn in t.turns for c in "<>")


def test_srt_name_prefixes(samples: Path) -> None:
    t, problems = _parse(samples / "kremlin_17162_excerpt.srt")
    assert problems == []
    assert _rows(t) == [(0, PUTIN, 2.0, 14.6), (1, CHEMEZOV, 14.9, 33.35), (2, PUTIN, 33.65, 52.1),
                        (3, CHEMEZOV, 52.4, 73.3), (4, PUTIN, 73.6, 79.2)]
    assert t.turns[1].text == ("Of course, the social aspect is the first thing we take into account. If we take "
                               "AvtoVAZ as an example, we received that company during the period of greatest "
                               "crisis and were obligated to reduce almost 60,000 jobs. When we obtained the "
                               "company, there were 130,000 employees; now there are 66,000.")


def test_utf16_srt_without_bom(bad: Path, samples: Path) -> None:
    t, _ = _parse(bad / "utf16be_nobom.srt")
    expected, _ = _parse(samples / "kremlin_17162_excerpt.srt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == \
        [(turn.speaker, turn.text, turn.start) for turn in expected.turns]


def test_vtt_blocks_tags_entities_and_two_voices_in_a_cue(bad: Path) -> None:
    t, problems = _parse(bad / "vtt_blocks_and_tags.vtt")
    assert problems == []
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        (PUTIN, "Caro Kassym-Jomart Kemelevich! Grazie & arrivederci.", 1.0, 5.0),
        (TOKAYEV, "Grazie, caro Vladimir Vladimirovich.", 5.0, 8.0),
        (PUTIN, "Prego.", 5.0, 8.0),
        (TOKAYEV, "A presto.", 8.0, 9.0)]


def test_vtt_missing_header_is_reported_and_cues_read(bad: Path) -> None:
    t, problems = _parse(bad / "vtt_missing_header.vtt")
    assert problems == [(1, "missing 'WEBVTT' header line; read the cues anyway")]
    assert _rows(t) == [(0, PUTIN, 1.0, 3.0), (1, TOKAYEV, 3.5, 5.0)]


def test_vtt_bad_timestamps_skip_only_their_cues(bad: Path) -> None:
    t, problems = _parse(bad / "vtt_bad_timestamps.vtt")
    assert problems == [
        (8, "bad cue timing '00:03.000 --> 00:0x.000'; cue skipped"),
        (12, "bad cue timing '00:61.000 --> 00:62.000'; cue skipped"),
        (16, "cue ends before it starts ('00:09.000 --> 00:08.000'); cue skipped")]
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        (PUTIN, "Caro Kassym-Jomart Kemelevich!"), (TOKAYEV, "Grazie.")]


def test_overlapping_cues_keep_file_order(bad: Path) -> None:
    t, problems = _parse(bad / "vtt_overlapping_cues.vtt")
    assert problems == []
    assert _rows(t) == [(0, PUTIN, 5.0, 9.0), (1, TOKAYEV, 4.0, 6.0), (2, PUTIN, 5.5, 7.0)]


def test_vtt_without_cues(bad: Path) -> None:
    transcripts, problems = parse_file(bad / "vtt_header_only.vtt")
    assert transcripts == []
    assert [p.message for p in problems] == ["no cues with text"]


@pytest.mark.parametrize(("name", "rows", "texts"), [
    ("srt_missing_numbers.srt", [(0, PUTIN, 1.0, 6.0), (1, TOKAYEV, 6.5, 8.0)],
     ["Caro Kassym-Jomart Kemelevich! Sono molto lieto di incontrarVi.", "Grazie."]),
    ("srt_no_blank_lines.srt", [(0, PUTIN, 1.0, 3.0), (1, TOKAYEV, 3.5, 6.0), (2, PUTIN, 6.5, 8.0)],
     ["Caro Kassym-Jomart Kemelevich!", "Grazie.", "Vi aspettiamo."]),
    ("srt_text_with_blank_line.srt", [(0, PUTIN, 1.0, 3.0), (1, TOKAYEV, 3.5, 6.0)],
     ["Caro Kassym-Jomart Kemelevich!", "Grazie."]),
])
def test_srt_layouts(bad: Path, name: str, rows: list, texts: list[str]) -> None:
    t, problems = _parse(bad / name)
    assert problems == []
    assert _rows(t) == rows
    assert [turn.text for turn in t.turns] == texts


def test_srt_bad_timings(bad: Path) -> None:
    t, problems = _parse(bad / "srt_bad_timestamps.srt")
    assert problems == [(6, "bad cue timing '00:00:03,500 -> 00:00:06,000'; cue skipped"),
                        (10, "bad cue timing '00:00:03,500 --> 6 seconds'; cue skipped")]
    assert _rows(t) == [(0, PUTIN, 1.0, 3.0), (1, TOKAYEV, 7.0, 8.0)]


def test_cues_before_any_speaker_are_narration(tmp_path: Path) -> None:
    path = tmp_path / "intro.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:02,000\n[Music]\n\n"
                    "2\n00:00:02,000 --> 00:00:04,000\n>> Anchor: Good evening.\n\n"
                    "3\n00:00:04,000 --> 00:00:05,000\nHere is the news.\n\n"
                    "4\n\n5\n00:00:06,000 --> 00:00:07,000\n- Guest: Thanks.\n", encoding="utf-8")
    t, problems = _parse(path)
    assert problems == [(13, "cue without a timing line; skipped")]
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        (NARRATION, "[Music]", 0.0, 2.0), ("Anchor", "Good evening. Here is the news.", 2.0, 5.0),
        ("Guest", "Thanks.", 6.0, 7.0)]


def test_capitalised_name_before_speech_counts_in_a_sparsely_labelled_file(tmp_path: Path) -> None:
    lines = ["Where is everybody?", "MAN: Over here!", "I told you: wait.", *["Fine."] * 9]
    path = tmp_path / "sdh.srt"
    path.write_text("".join(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},500\n{text}\n\n"
                            for n, text in enumerate(lines, start=1)), encoding="utf-8")
    t, _ = _parse(path)
    assert [(turn.speaker, turn.text[:17]) for turn in t.turns] == [
        (NARRATION, "Where is everybod"), ("MAN", "Over here!"), (NARRATION, "I told you: wait.")]
