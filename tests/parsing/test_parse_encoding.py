"""read_text: encodings, BOMs, line endings and binary files."""
from __future__ import annotations

from pathlib import Path

import pytest

from ragqa.errors import ParseError
from ragqa.parsing import read_text


@pytest.fixture(scope="module")
def seed_text(samples: Path) -> str:
    return (samples / "000_8668bff71fb91613.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["utf16le_bom.txt", "utf16be_bom.txt", "utf16le_nobom.txt",
                                  "mixed_line_endings.txt"])
def test_seed_in_other_encodings_reads_back_identical(bad: Path, seed_text: str, name: str) -> None:
    assert read_text(bad / name) == seed_text


def test_utf16_be_without_bom(bad: Path, samples: Path) -> None:
    expected = (samples / "kremlin_17162_excerpt.srt").read_text(encoding="utf-8")
    assert read_text(bad / "utf16be_nobom.srt") == expected


def test_utf8_bom_is_dropped(bad: Path) -> None:
    assert read_text(bad / "utf8_bom.txt").startswith("Vladimir Putin: Caro")


@pytest.mark.parametrize(("name", "fragments"), [
    ("latin1.txt", ["Però è così", "città", "c'è più verità"]),
    ("cp1252_quotes.txt", ["“Festival della Cultura”", "5 €", "un’ottima idea…"]),
    ("cp1251_russian.txt", ["Владимир Путин: Уважаемый", "Касым-Жомарт Токаев: Спасибо", "напряжённой"]),
])
def test_legacy_8bit_encodings(bad: Path, name: str, fragments: list[str]) -> None:
    text = read_text(bad / name)
    for fragment in fragments:
        assert fragment in text


def test_mostly_utf8_keeps_text_and_marks_the_stray_byte(bad: Path, seed_text: str) -> None:
    text = read_text(bad / "utf8_one_bad_byte.txt")
    assert text.count("\ufffd") == 1
    assert text.replace("\ufffd", "") == seed_text[:len(text) - 1]


def test_line_endings_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"A: one\r\n\r\nB: two\rthree\n")
    assert read_text(path) == "A: one\n\nB: two\nthree\n"


def test_empty_file_reads_as_empty_text(bad: Path) -> None:
    assert read_text(bad / "empty.txt") == ""


@pytest.mark.parametrize(("name", "message"), [
    ("png_renamed.txt", "binary file (a PNG image)"),
    ("pdf_renamed.md", "binary file (a PDF document)"),
    ("gzip_renamed.jsonl", "binary file (a gzip archive)"),
    ("binary_random.txt", "binary file (contains NUL bytes)"),
    ("binary_no_nul.txt", "not a text file"),
])
def test_binary_files_are_refused_with_a_clear_message(bad: Path, name: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_text(bad / name)
    assert message in str(caught.value)
    assert caught.value.path == str(bad / name)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="is a directory"):
        read_text(tmp_path)
    with pytest.raises(ParseError, match="cannot read file: No such file"):
        read_text(tmp_path / "missing.txt")


@pytest.mark.parametrize(("text", "encoding"), [
    ("Angela Merkel: Wir müssen über die Zukunft Europas sprechen. Das ist für uns wichtig.\n", "latin-1"),
    ("Emmanuel Macron: Très bien, c'est déjà l'été à Noël? Garçon, œuvre.\n", "cp1252"),
    ("Pedro Sánchez: ¿Qué tal? ¡Mañana será otro día, señor!\n", "latin-1"),
    ("Владимир Путин: Добрый день, уважаемые коллеги! Мы обсудим вопросы экономики.\n", "koi8-r"),
    ("Donald Tusk: Dziękuję bardzo. Żółć, gęślą jaźń. Łódź jest piękna.\n", "cp1250"),
])
def test_short_texts_in_8bit_encodings(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode(encoding))
    assert read_text(path) == text
