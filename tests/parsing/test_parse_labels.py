"""Speaker labels and timestamps."""
from __future__ import annotations

import pytest

from ragqa.parsing.labels import Label, match_label, plausible_speaker, timestamp_seconds


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
