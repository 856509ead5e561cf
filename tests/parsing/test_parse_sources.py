"""load_sources / parse_file: walking, dispatch, duplicates and path problems."""
from __future__ import annotations

import os
from pathlib import Path

from ragqa.parsing import SUPPORTED_SUFFIXES, load_sources, parse_file

SUPPORTED = ".txt, .md, .json, .jsonl, .vtt, .srt, .sbv, .ass, .ssa, .ttml, .dfxp, .smi, .sami"

REPO = Path(__file__).resolve().parent.parent.parent


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".json", ".jsonl", ".vtt", ".srt", ".sbv", ".ass", ".ssa",
                                       ".ttml", ".dfxp", ".smi", ".sami"}


def test_samples_directory(samples: Path) -> None:
    result = load_sources([samples])
    assert result.problems == []
    assert [(Path(t.path).name, t.id) for t in result.transcripts] == [
        ("000_8668bff71fb91613.txt", "000_8668bff71fb91613"),
        ("kremlin_17162.json", "kremlin-en-17162"),
        ("kremlin_17162_excerpt.srt", "kremlin_17162_excerpt"),
        ("kremlin_sample.jsonl", "kremlin-en-17691"),
        ("kremlin_sample.jsonl", "kremlin-en-60370"),
        ("qmsum_Bed010_first40.jsonl", "Bed010"),
        ("seed_excerpt.vtt", "seed_excerpt")]


def test_demo_corpus_loads_cleanly() -> None:
    result = load_sources([REPO / "data"])  # data/README.md is skipped in the walk
    assert result.problems == []
    assert len(result.transcripts) == 41
    assert result.transcripts[-1].id == "000_8668bff71fb91613"  # data/kremlin/ sorts before data/seed/
    kremlin = result.transcripts[:-1]
    assert all(t.url and t.url.startswith("http://en.kremlin.ru/") and t.date for t in kremlin)
    assert all(len(t.speakers) >= 2 and 8 <= len(t.turns) <= 80 for t in kremlin)
    assert sorted({t.date[:4] for t in kremlin}) == ["2012", "2013", "2016", "2017", "2018", "2019", "2020"]


def test_files_and_directories_mixed(samples: Path, bad: Path) -> None:
    result = load_sources([samples / "seed_excerpt.vtt", bad / "duplicates", samples / "seed_excerpt.vtt"])
    assert [t.id for t in result.transcripts] == ["seed_excerpt", "meeting-1", "meeting-2", "talk"]
    assert [str(p) for p in result.problems] == [
        f"{bad / 'duplicates/second.jsonl'}: duplicate transcript id 'meeting-1' "
        f"(first read from {bad / 'duplicates/first.jsonl'}); skipped",
        f"{bad / 'duplicates/talk.txt'}: duplicate transcript id 'talk' "
        f"(first read from {bad / 'duplicates/sub/talk.txt'}); skipped: its id is the file name without the "
        "suffix; rename one file to index both"]
    assert result.transcripts[1].turns[0].text == "kept"


def test_same_file_twice_is_read_once(samples: Path) -> None:
    seed = samples / "000_8668bff71fb91613.txt"
    result = load_sources([seed, samples, str(seed)])
    assert result.problems == []
    assert [t.id for t in result.transcripts].count("000_8668bff71fb91613") == 1


def test_missing_path_and_unsupported_file(tmp_path: Path, bad: Path) -> None:
    result = load_sources([tmp_path / "nope.txt", bad / "slides.pdf", bad / ".hidden.txt"])
    assert [t.id for t in result.transcripts] == [".hidden"]  # named explicitly: parsed
    assert [(p.path, p.message) for p in result.problems] == [
        (str(tmp_path / "nope.txt"), "no such file or directory"),
        (str(bad / "slides.pdf"), "unsupported file type '.pdf'; supported: "
         ".txt, .md, .json, .jsonl, .vtt, .srt, .sbv, .ass, .ssa, .ttml, .dfxp, .smi, .sami")]


def test_walk_skips_hidden_unsupported_and_readme_files(bad: Path) -> None:
    paths = {t.path for t in load_sources([bad]).transcripts} | {p.path for p in load_sources([bad]).problems}
    assert str(bad / "slides.pdf") not in paths
    assert str(bad / ".hidden.txt") not in paths
    assert str(bad / "README.md") not in paths


def test_empty_directory_and_directory_without_transcripts(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "other" / "README.md").write_text("# About\n", encoding="utf-8")
    result = load_sources([tmp_path / "empty", tmp_path / "other"])
    assert result.transcripts == []
    assert [(Path(p.path).name, p.message) for p in result.problems] == [
        ("empty", f"no transcript files ({SUPPORTED}) in this directory"),
        ("other", f"no transcript files ({SUPPORTED}) in this directory")]


def test_directory_symlink_loop(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "inner").mkdir(parents=True)
    (root / "inner" / "a.txt").write_text("A: hello\n", encoding="utf-8")
    os.symlink(root, root / "inner" / "back")
    result = load_sources([root])
    assert [t.id for t in result.transcripts] == ["a"]
    assert [(p.path, p.message) for p in result.problems] == [
        (str(root / "inner" / "back"), f"symbolic link loop (points back to {root.resolve()}); skipped")]


def test_looping_and_broken_file_symlinks(tmp_path: Path) -> None:
    os.symlink(tmp_path / "self.txt", tmp_path / "self.txt")
    os.symlink(tmp_path / "gone.srt", tmp_path / "dangling.srt")
    (tmp_path / "ok.txt").write_text("A: fine\n", encoding="utf-8")
    explicit = load_sources([tmp_path / "self.txt"])
    assert [p.message for p in explicit.problems] == ["broken or looping symbolic link"]
    walked = load_sources([tmp_path])
    assert [t.id for t in walked.transcripts] == ["ok"]
    assert sorted((Path(p.path).name, p.message) for p in walked.problems) == [
        ("dangling.srt", "broken or looping symbolic link"),
        ("self.txt", "broken or looping symbolic link")]


def test_directory_with_a_transcript_suffix(tmp_path: Path) -> None:
    folder = tmp_path / "meeting.txt"
    folder.mkdir()
    (folder / "part1.txt").write_text("A: one\n", encoding="utf-8")
    transcripts, problems = parse_file(folder)
    assert transcripts == []
    assert [(p.path, p.message) for p in problems] == [(str(folder), "is a directory, not a file")]
    assert [t.id for t in load_sources([tmp_path]).transcripts] == ["part1"]


def test_walk_order_is_sorted_and_stable(tmp_path: Path) -> None:
    for name in ["b/2.txt", "a.txt", "b/1.txt", "c.txt", "B.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"A: {name}\n", encoding="utf-8")
    first = [t.path for t in load_sources([tmp_path]).transcripts]
    assert first == [str(tmp_path / n) for n in ["B.txt", "a.txt", "b/1.txt", "b/2.txt", "c.txt"]]
    assert [t.path for t in load_sources([tmp_path]).transcripts] == first


def test_uppercase_suffix(tmp_path: Path) -> None:
    (tmp_path / "TALK.TXT").write_text("A: loud\n", encoding="utf-8")
    assert [t.id for t in load_sources([tmp_path]).transcripts] == ["TALK"]


def test_one_recording_in_three_formats(tmp_path: Path) -> None:
    cue = "00:00:01.000 --> 00:00:02.000\nAlice: Hello.\n"
    (tmp_path / "talk.srt").write_text("1\n" + cue.replace(".", ","), encoding="utf-8")
    (tmp_path / "talk.vtt").write_text("WEBVTT\n\n" + cue, encoding="utf-8")
    (tmp_path / "talk.txt").write_text("Alice: Hello.\n", encoding="utf-8")
    result = load_sources([tmp_path])
    assert [(t.id, t.path) for t in result.transcripts] == [("talk", str(tmp_path / "talk.srt"))]
    assert [p.message for p in result.problems] == [
        f"duplicate transcript id 'talk' (first read from {tmp_path / 'talk.srt'}); skipped: its id is the file "
        "name without the suffix; rename one file to index both"] * 2
