"""Plain-text transcripts: the seed, labels, datelines, offsets, awkward layouts."""
from __future__ import annotations

from pathlib import Path

import pytest

from ragqa.parsing import parse_file, read_text
from ragqa.parsing.plaintext import parse_plaintext
from ragqa.types import NARRATION, Transcript

PUTIN, TOKAYEV = "Vladimir Putin", "Kassym-Jomart Tokayev"


def _one(path: Path) -> Transcript:
    transcripts, problems = parse_file(path)
    assert problems == []
    assert len(transcripts) == 1
    return transcripts[0]


def _write(tmp_path: Path, text: str, name: str = "talk.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_turns_and_metadata(samples: Path) -> None:
    path = samples / "000_8668bff71fb91613.txt"
    t = _one(path)
    assert t.id == "000_8668bff71fb91613"
    assert [turn.speaker for turn in t.turns] == [NARRATION, PUTIN, TOKAYEV, PUTIN, TOKAYEV]
    assert [turn.index for turn in t.turns] == [0, 1, 2, 3, 4]
    assert (t.date, t.place, t.source, t.path) == ("2025-10-10", "Dushanbe", "www.kremlin.ru", str(path))
    assert t.title == ("Il presidente russo Vladimir Putin ha incontrato il presidente kazako "
                       "Kassym-Jomart Tokayev a margine del vertice della CSI")
    assert t.turns[0].text.startswith("Dushanbe, 10 ottobre 2025 – Il presidente russo")
    assert t.turns[1].text.startswith("Caro Kassym-Jomart Kemelevich!\n\nSono molto lieto")
    assert t.turns[1].text.endswith("contribuirà senza dubbio allo sviluppo dei nostri legami.\n\nGrazie.")
    assert t.turns[1].text.count("\n\n") == 5  # six paragraphs in Putin's first turn
    assert t.turns[2].text.count("\n\n") == 7
    assert t.turns[4].text == "Grazie."
    assert all("Fonte" not in turn.text for turn in t.turns)


def test_offsets_point_at_the_turn_text(samples: Path) -> None:
    path = samples / "000_8668bff71fb91613.txt"
    source = read_text(path)
    for turn in _one(path).turns:
        assert source[turn.char_start:turn.char_end] == turn.text


def test_offsets_with_wide_paragraph_breaks(tmp_path: Path) -> None:
    source = "A: one\n\n  \n\ntwo\n\nB:   three  \n"
    turns = _one(_write(tmp_path, source)).turns
    assert [(t.speaker, t.text) for t in turns] == [("A", "one\n\ntwo"), ("B", "three")]
    assert source[turns[0].char_start:turns[0].char_end] == "one\n\n  \n\ntwo"
    assert source[turns[1].char_start:turns[1].char_end] == "three"


@pytest.mark.parametrize("name", ["utf16le_bom.txt", "utf16be_bom.txt", "utf16le_nobom.txt",
                                  "mixed_line_endings.txt"])
def test_seed_in_other_encodings_parses_the_same(bad: Path, samples: Path, name: str) -> None:
    expected = _one(samples / "000_8668bff71fb91613.txt")
    got = _one(bad / name)
    assert [(t.speaker, t.text, t.char_start) for t in got.turns] == \
        [(t.speaker, t.text, t.char_start) for t in expected.turns]
    assert (got.date, got.place, got.source) == (expected.date, expected.place, expected.source)


def test_no_speaker_labels_gives_narration_paragraphs(bad: Path) -> None:
    t = _one(bad / "no_speakers.txt")
    assert [turn.speaker for turn in t.turns] == [NARRATION] * 3
    assert t.turns[2].text == "La prossima riunione è prevista per il 2026."
    assert (t.title, t.date, t.place) == ("no_speakers", None, None)


def test_narration_before_the_first_speaker(tmp_path: Path) -> None:
    t = _one(_write(tmp_path, "Opening remarks were not recorded.\n\n(Applause.)\n\nQ: Why?\n\nA: Because.\n"))
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        (NARRATION, "Opening remarks were not recorded."), (NARRATION, "(Applause.)"),
        ("Q", "Why?"), ("A", "Because.")]
    assert t.date is None and t.title == "talk"


def test_label_without_text(bad: Path) -> None:
    t = _one(bad / "label_without_text.txt")
    assert [(turn.index, turn.speaker, turn.text) for turn in t.turns] == [
        (0, PUTIN, "Caro Kassym-Jomart Kemelevich!"), (1, PUTIN, "Vi aspettiamo.")]


def test_only_labels_is_a_problem(bad: Path) -> None:
    transcripts, problems = parse_file(bad / "only_labels.txt")
    assert transcripts == []
    assert [str(p) for p in problems] == [f"{bad / 'only_labels.txt'}: speaker labels but no text"]


@pytest.mark.parametrize(("name", "speakers", "texts"), [
    ("times_with_colons.txt", [NARRATION, PUTIN, TOKAYEV],
     ["10:30: apertura dei lavori.",
      "Alle 10:30: iniziamo.\n\n11:45: pausa caffè.\n\nOre 12:00: ripresa dei lavori.", "Grazie."]),
    ("urls_with_colons.txt", [NARRATION, PUTIN, TOKAYEV],
     ["https://en.kremlin.ru/events/president/news/17162",
      "Il testo è su http://kremlin.ru/events: leggetelo.\n\nmailto:press@kremlin.ru", "Grazie."]),
    ("line_per_turn.txt", ["Q", "A", "Q", "A"],
     ["Who met in Dushanbe?", "Vladimir Putin and Kassym-Jomart Tokayev.", "When?",
      "On 10 October 2025,\nat the CIS summit."]),
])
def test_colons_that_are_not_speakers(bad: Path, name: str, speakers: list[str], texts: list[str]) -> None:
    t = _one(bad / name)
    assert [turn.speaker for turn in t.turns] == speakers
    assert [turn.text for turn in t.turns] == texts


def test_sentences_with_colons_continue_the_turn(bad: Path) -> None:
    t = _one(bad / "sentence_colons.txt")
    assert [turn.speaker for turn in t.turns] == [PUTIN, TOKAYEV]
    assert t.turns[0].text.split("\n\n")[1:] == [
        "Ha ragione sul fatto che siamo alleati naturali: il Kazakistan e la Russia condividono il confine.",
        "Un solo dato: nove sedi distaccate di università russe operano in Kazakistan.",
        "Grazie. Nota: questo non è un nome."]


def test_timestamps_markdown_heading_and_bold_labels(bad: Path) -> None:
    t = _one(bad / "timestamped_labels.md")
    assert t.title == "Dushanbe meeting (excerpt)"
    assert [(turn.speaker, turn.start, turn.text) for turn in t.turns] == [
        (PUTIN, 5.0, "Caro Kassym-Jomart Kemelevich!"),
        (TOKAYEV, 70.0, "Grazie, caro Vladimir Vladimirovich."),
        (PUTIN, None, "Vi aspettiamo.")]


def test_cyrillic_speakers(bad: Path) -> None:
    t = _one(bad / "cp1251_russian.txt")
    assert t.speakers == ["Владимир Путин", "Касым-Жомарт Токаев"]


def test_bom_is_not_part_of_the_first_speaker(bad: Path) -> None:
    assert _one(bad / "utf8_bom.txt").speakers == [PUTIN, TOKAYEV]


@pytest.mark.parametrize(("source_line", "source"), [
    ("(Source: en.kremlin.ru)", "en.kremlin.ru"),
    ("(Источник: kremlin.ru)", "kremlin.ru"),
    ("Fonte: www.kremlin.ru", "www.kremlin.ru"),
])
def test_source_line(tmp_path: Path, source_line: str, source: str) -> None:
    t = _one(_write(tmp_path, f"Moscow, 5 May 2020 – Meeting.\n\nA: Hello.\n\n{source_line}\n"))
    assert t.source == source
    assert [turn.text for turn in t.turns] == ["Moscow, 5 May 2020 – Meeting.", "Hello."]
    assert (t.title, t.date, t.place) == ("Meeting", "2020-05-05", "Moscow")


def test_blank_file_gives_problems(bad: Path) -> None:
    for name, message in [("empty.txt", "file is empty"), ("whitespace_only.txt", "file contains only whitespace")]:
        transcripts, problems = parse_file(bad / name)
        assert transcripts == []
        assert [(p.path, p.message) for p in problems] == [(str(bad / name), message)]


def test_capitalised_guest_in_a_script_of_capitals_stays_a_speaker() -> None:
    (t,), _ = parse_plaintext("MONICA: Hi.\n\nROSS: Hey.\n\nMR. HECKLES: Keep it down!\n\nMONICA: Sorry.\n", "s.txt", "s")
    assert [turn.speaker for turn in t.turns] == ["MONICA", "ROSS", "MR. HECKLES", "MONICA"]


def test_markdown_headings_are_narration_and_rules_are_dropped() -> None:
    text = "# Episode 1\n\n**Host:** Hi.\n\n---\n\nMore.\n\n## Part 2\n\nA word from our sponsor.\n\n**Guest:** Yes.\n"
    (t,), _ = parse_plaintext(text, "ep.md", "ep")
    assert t.title == "Episode 1"
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Host", "Hi.\n\nMore."), (NARRATION, "Part 2\n\nA word from our sponsor."), ("Guest", "Yes.")]
    assert all(text[turn.char_start:turn.char_end].startswith(turn.text.split("\n")[0]) for turn in t.turns)
