"""Speaker labels and timestamps."""
from __future__ import annotations

import pytest

from ragqa.parsing.labels import Label, match_bracket, match_header, match_label, plausible_speaker, timestamp_seconds


@pytest.mark.parametrize("name", [
    "Vladimir Putin", "Kassym-Jomart Tokayev", "Speaker 1", "PM", "Dr. Smith", "Q", "A", "Grad E",
    "PhD A", "Hon. Bill Morneau", "President of Russia Vladimir Putin", "Владимир Путин", "O'Brien",
    "Ludwig van Beethoven", "Mr Dmitriev",
])
def test_plausible_speakers(name: str) -> None:
    assert plausible_speaker(name)


@pytest.mark.parametrize("name", [
    "Un solo dato", "Ha ragione sul fatto che siamo alleati naturali", "Grazie. Nota",
    "One Two Three Four Five Six Seven", "Well, then", "the chairman", "Really?", "",
    "Visit www/kremlin", "U.S. delegation",
])
def test_implausible_speakers(name: str) -> None:
    assert not plausible_speaker(name)


@pytest.mark.parametrize(("line", "expected"), [
    ("Vladimir Putin: Caro amico", Label("Vladimir Putin", 15, None)),
    ("[00:01:02] Speaker 1: hello", Label("Speaker 1", 21, 62.0)),
    ("Dr. Smith (01:02.5): hello", Label("Dr. Smith", 20, 62.5)),
    ("**Q:** Who?", Label("Q", 6, None)),
    ("**Q**: Who?", Label("Q", 6, None)),
    ("A:", Label("A", 2, None)),
    ("Vladimir Putin (retranslated): Thank you.", Label("Vladimir Putin", 30, None)),
])
def test_match_label(line: str, expected: Label) -> None:
    assert match_label(line) == expected


@pytest.mark.parametrize("line", [
    "10:30: apertura", "Ore 10:30: ripresa", "https://en.kremlin.ru/events", "mailto:press@kremlin.ru",
    "Nota:bene", "  ", "Il testo: secondo me va bene",
])
def test_no_label(line: str) -> None:
    assert match_label(line) is None


def test_match_label_respects_pos_and_endpos() -> None:
    text = "intro\nVladimir Putin: yes\nmore"
    assert match_label(text, 6, 25) == Label("Vladimir Putin", 21, None)
    assert match_label(text, 6, 19) is None  # the colon is beyond endpos


@pytest.mark.parametrize(("stamp", "seconds"), [
    ("00:01.000", 1.0), ("01:02:03,5", 3723.5), ("1:02:03.250", 3723.25), ("59:59", 3599.0),
])
def test_timestamp_seconds(stamp: str, seconds: float) -> None:
    assert timestamp_seconds(stamp) == pytest.approx(seconds)


@pytest.mark.parametrize("stamp", ["00:61.000", "61:00", "00:0x.000", "6 seconds", "1e5", "12", "-00:01"])
def test_bad_timestamps(stamp: str) -> None:
    assert timestamp_seconds(stamp) is None


@pytest.mark.parametrize(("line", "expected"), [
    ("00:01:02\tAlice Moreno:\tHello", Label("Alice Moreno", 22, 62.0)),
    ("**Host:** \\[04:30\\] Welcome", Label("Host", 19, 270.0)),
    ("Phoebe, Ross, and Joey: Hi!", Label("Phoebe, Ross, and Joey", 23, None)),
])
def test_match_label_zoom_markdown_time_and_groups(line: str, expected: Label) -> None:
    assert match_label(line) == expected


@pytest.mark.parametrize(("line", "speaker"), [
    ("[Alba] En 1928,", "Alba"), ("[SPEAKER_01] Thanks.", "SPEAKER_01"), ("[Music] la la", None),
    ("[SIGHS] Fine.", None), ("[risita] Sí.", None), ("[Alba]", None),
])
def test_match_bracket(line: str, speaker: str | None) -> None:
    found = match_bracket(line)
    assert (found.speaker if found else None) == speaker


@pytest.mark.parametrize(("line", "expected"), [
    ("[Alice Moreno] 00:00:09", Label("Alice Moreno", 23, 9.0)),
    ("Speaker 1  0:03", Label("Speaker 1", 15, 3.0)),
    ("[Music] 00:00:09", None), ("Ore 10:30", None), ("Alice Moreno 00:00:09 hello", None),
])
def test_match_header(line: str, expected: Label | None) -> None:
    assert match_header(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("10:02:33 From Alice Moreno to Everyone: Hi all", Label("Alice Moreno", 40, 36153.0)),
    ("10:02:40 From Bob Tan : hello", Label("Bob Tan", 24, 36160.0)),
])
def test_zoom_chat_from_lines(line: str, expected: Label) -> None:
    assert match_label(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Lex Fridman (00:00:00) The following is a conversation", Label("Lex Fridman", 23, 0.0)),
    ("**Alice Moreno** [01:02]", Label("Alice Moreno", 24, 62.0)),
    ("Chapter 3 was long (ok) fine", None),
])
def test_name_with_a_bracketed_time(line: str, expected: Label | None) -> None:
    assert match_header(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("[00:00.000 --> 00:03.500] SPEAKER_00: Hello", Label("SPEAKER_00", 37, 0.0)),
    ("[00:01:02.000 --> 00:01:04.000]  Bob Tan: Hi", Label("Bob Tan", 41, 62.0)),
    ("01:23 Alice Moreno: Welcome", Label("Alice Moreno", 19, 83.0)),
])
def test_labels_after_whisper_time_ranges_and_short_times(line: str, expected: Label) -> None:
    assert match_label(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("**Lex Fridman** [(00:00:00)](https://youtube.com/watch?v=x&t=0) The following", Label("Lex Fridman", 64, 0.0)),
    ("**Host:** [04:30](https://example.org/ep1#t=270) Welcome", Label("Host", 48, 270.0)),
])
def test_linked_markdown_times(line: str, expected: Label) -> None:
    assert (match_label(line) or match_header(line)) == expected
