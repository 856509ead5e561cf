"""Find transcript files, pick the parser by suffix, and collect problems without stopping the batch."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ragqa.errors import ParseError
from ragqa.parsing.encoding import read_text
from ragqa.parsing.jsonturns import parse_json, parse_jsonl
from ragqa.parsing.plaintext import parse_plaintext
from ragqa.parsing.subtitles import parse_pysubs2, parse_sbv, parse_srt, parse_vtt
from ragqa.types import SourceProblem, Transcript

Parser = Callable[[str, str, str], tuple[list[Transcript], list[SourceProblem]]]

_PARSERS: dict[str, Parser] = {
    ".txt": parse_plaintext,
    ".md": parse_plaintext,
    ".json": parse_json,
    ".jsonl": parse_jsonl,
    ".vtt": parse_vtt,
    ".srt": parse_srt,
    ".sbv": parse_sbv,
    ".ass": parse_pysubs2,
    ".ssa": parse_pysubs2,
    ".ttml": parse_pysubs2,
    ".dfxp": parse_pysubs2,
    ".smi": parse_pysubs2,
    ".sami": parse_pysubs2,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_PARSERS)
_NOT_TRANSCRIPTS = frozenset({"readme", "license", "licence", "changelog", "contributing"})  # skipped in walks
_SUPPORTED = ", ".join(SUPPORTED_SUFFIXES)
_NAMED_BY_FILE = frozenset(_PARSERS) - {".json", ".jsonl"}  # formats whose transcript id is the file stem


@dataclass
class LoadResult:
    """Everything read from a batch of paths, and what could not be read."""

    transcripts: list[Transcript] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)


def parse_file(path: str | Path) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse one file by its suffix. Bad content gives problems, never an exception.

    A file may yield several transcripts (.json/.jsonl) and problems alongside them (a bad line).
    Duplicate ids inside the file keep the first transcript.
    """
    path = Path(path)
    name = str(path)
    parser = _PARSERS.get(path.suffix.lower())
    if path.is_dir():
        return [], [SourceProblem(name, "is a directory, not a file")]
    if parser is None:
        kind = f"'{path.suffix}'" if path.suffix else "without a suffix"
        return [], [SourceProblem(name, f"unsupported file type {kind}; supported: {_SUPPORTED}")]
    try:
        text = read_text(path)
        if not text.strip():
            raise ParseError(name, "file is empty" if not text else "file contains only whitespace")
        transcripts, problems = parser(text, name, path.stem)
    except ParseError as exc:
        return [], [SourceProblem(exc.path, exc.message, exc.line)]
    for transcript in transcripts:
        transcript.path = name
    kept = drop_duplicates(transcripts, {}, problems)
    return kept, problems


def load_sources(paths: Iterable[str | Path]) -> LoadResult:
    """Parse files and directories.

    Directories are walked recursively in sorted order, skipping hidden entries, files with other
    suffixes, and README/LICENSE/CHANGELOG/CONTRIBUTING files (named explicitly, they are parsed).

    A path that is missing, unreadable or holds no transcripts gives a problem and the batch goes on.
    A transcript whose id was already read is skipped with a problem naming both files.
    """
    result = LoadResult()
    first_file: dict[str, str] = {}  # transcript id -> file it was first read from
    done: set[Path] = set()
    for raw in paths:
        for file in source_files(Path(raw), result.problems):
            real = file.resolve()
            if real in done:
                continue
            done.add(real)
            transcripts, problems = parse_file(file)
            result.problems.extend(problems)
            result.transcripts.extend(drop_duplicates(transcripts, first_file, result.problems))
    return result


def source_files(path: Path, problems: list[SourceProblem]) -> list[Path]:
    """The files a command-line path stands for."""
    if not path.exists():
        message = "broken or looping symbolic link" if path.is_symlink() else "no such file or directory"
        problems.append(SourceProblem(str(path), message))
        return []
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    _walk(path, {_identity(path)}, found, problems)
    if not found:
        problems.append(SourceProblem(str(path), f"no transcript files ({_SUPPORTED}) in this directory"))
    return found


def _walk(directory: Path, ancestors: set[tuple[int, int]], found: list[Path],
          problems: list[SourceProblem]) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        problems.append(SourceProblem(str(directory), f"cannot list directory: {exc.strerror or exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
            identity = _identity(path) if is_dir else None
        except OSError as exc:
            message = "broken or looping symbolic link" if entry.is_symlink() else f"cannot read: {exc.strerror}"
            problems.append(SourceProblem(str(path), message))
            continue
        if identity is not None:
            if identity in ancestors:
                problems.append(SourceProblem(
                    str(path), f"symbolic link loop (points back to {os.path.realpath(path)}); skipped"))
            else:
                _walk(path, ancestors | {identity}, found, problems)
        elif path.suffix.lower() in _PARSERS and path.stem.lower() not in _NOT_TRANSCRIPTS:
            if is_file:
                found.append(path)
            elif entry.is_symlink():
                problems.append(SourceProblem(str(path), "broken or looping symbolic link"))


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def drop_duplicates(transcripts: list[Transcript], first_file: dict[str, str],
                     problems: list[SourceProblem]) -> list[Transcript]:
    """Transcripts whose id is new; later ones with a known id become problems (the same recording
    exported as talk.srt and talk.vtt is indexed once, and the problem says how to keep both)."""
    kept = []
    for transcript in transcripts:
        path = transcript.path or ""
        if transcript.id in first_file:
            named = Path(path).stem == transcript.id and Path(path).suffix.lower() in _NAMED_BY_FILE
            hint = ": its id is the file name without the suffix; rename one file to index both" if named else ""
            problems.append(SourceProblem(
                path, f"duplicate transcript id {transcript.id!r} (first read from {first_file[transcript.id]}); "
                      f"skipped{hint}"))
            continue
        first_file[transcript.id] = path
        kept.append(transcript)
    return kept
