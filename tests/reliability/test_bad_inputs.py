"""Every file of the bad-input corpus (tests/data/bad, outcomes in its README table) through the real
CLI: each problem is one clear line naming the file (and the line where the table says so), the rest
of the batch is indexed, `--strict` aborts with nothing changed, and no traceback reaches the user."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from reliability_support import (BAD, TRANSCRIPTS, assert_no_traceback, copy_index, fingerprint, run_cli,
                                 write_transcripts)

from ragqa.store.manifest import MANIFEST_NAME, Manifest

_ROW = re.compile(r"^\| `([^`]+)` \| .*? \| (.*) \|$")
_LINES = re.compile(r"\blines? (\d+(?:(?:, | and )\d+)*)")


def expected_outcomes() -> dict[str, str]:
    """File (relative to tests/data/bad) -> its expected outcome, from the README table."""
    rows = (_ROW.match(line) for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines())
    return {m.group(1): m.group(2) for m in rows if m}


OUTCOMES = expected_outcomes()
FILES = sorted(OUTCOMES)  # sorted paths: duplicates/first.jsonl before second.jsonl, sub/talk.txt before talk.txt


def gives_transcripts(outcome: str) -> bool:
    return outcome.startswith("parse") or " kept" in outcome or "parses when named explicitly" in outcome


def problem_lines(outcome: str) -> list[int]:
    """Line numbers the table says problems are reported at."""
    return [int(n) for m in _LINES.finditer(outcome) for n in re.split(r", | and ", m.group(1))]


def test_the_corpus_is_large_and_fully_described():
    on_disk = sorted(str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.name != "README.md")
    assert FILES == on_disk and len(FILES) >= 30
    assert sum("problem" in o for o in OUTCOMES.values()) >= 20 and sum(map(gives_transcripts, OUTCOMES.values())) >= 20


def check_batch(done: subprocess.CompletedProcess, index_dir: Path) -> None:
    """Exit 0; one `warning: PATH[:LINE]: message` line per problem; each file's transcripts indexed
    (or skipped as a named duplicate) exactly as the table says."""
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith(f"warning: {BAD}/") and len(line) < 300 for line in lines), lines
    indexed = {r.path for r in Manifest.load(index_dir).transcripts.values()}
    for rel, outcome in OUTCOMES.items():
        path = str(BAD / rel)
        named = [line for line in lines if line.startswith((f"warning: {path}:"))]
        if "problem" in outcome:
            assert named, f"{rel}: no error line ({outcome})"
        for n in problem_lines(outcome):
            assert any(line.startswith(f"warning: {path}:{n}: ") for line in named), f"{rel}: line {n} not named"
        if gives_transcripts(outcome):
            assert path in indexed or any("duplicate transcript id" in line for line in named), rel
        else:
            assert path not in indexed, f"{rel}: indexed, but the table says {outcome}"


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """`ragqa build` over every file of the corpus, named one by one."""
    tmp = tmp_path_factory.mktemp("bad-build")
    done = run_cli(["build", *[BAD / f for f in FILES], "--index", tmp / "index", "--quiet"], cwd=tmp, timeout=900)
    return done, tmp / "index"


@pytest.mark.slow
def test_build_reports_each_bad_file_and_indexes_the_rest(bad_build):
    done, index_dir = bad_build
    check_batch(done, index_dir)
    assert len(Manifest.load(index_dir).transcripts) >= 25


@pytest.mark.slow
def test_add_reports_each_bad_file_and_adds_the_rest(bad_build, tmp_path):
    index_dir = copy_index(bad_build[1], tmp_path / "index")
    (good,) = write_transcripts(tmp_path / "new", {"school": TRANSCRIPTS["school"]})
    done = run_cli(["add", *[BAD / f for f in FILES], good, "--index", index_dir, "--quiet"], cwd=tmp_path)
    check_batch(done, index_dir)
    assert done.stdout.startswith("added 1, unchanged ") and "school" in Manifest.load(index_dir).transcripts


def _unchanged(index_dir: Path, manifest: bytes, segments: list[str], answers: list) -> bool:
    return ((index_dir / MANIFEST_NAME).read_bytes() == manifest
            and sorted(p.name for p in (index_dir / "segments").iterdir()) == segments
            and fingerprint(index_dir) == answers)


@pytest.mark.parametrize("command,sources", [
    ("build", "files"), ("add", "files"), ("build", "folder"), ("add", "folder")])
def test_strict_aborts_with_nothing_changed(base_index, tmp_path, command, sources):
    index_dir = copy_index(base_index, tmp_path / "index")
    before = ((index_dir / MANIFEST_NAME).read_bytes(), sorted(p.name for p in (index_dir / "segments").iterdir()),
              fingerprint(index_dir))
    (good,) = write_transcripts(tmp_path / "new", {"school": TRANSCRIPTS["school"]})
    batch = [BAD / f for f in FILES] if sources == "files" else [BAD]
    done = run_cli([command, *batch, good, "--strict", "--index", index_dir, "--quiet"], cwd=tmp_path)
    assert_no_traceback(done)
    assert done.returncode == 2 and done.stdout == ""
    first, *listed = done.stderr.splitlines()
    assert re.fullmatch(r"error: nothing changed \(--strict\): \d+ problem\(s\) in the sources:", first), first
    assert listed and all(line.startswith(f"  {BAD}/") for line in listed), listed
    walked_past = {".hidden.txt", "slides.pdf"} if sources == "folder" else set()  # a walk skips these
    for rel, outcome in OUTCOMES.items():
        if "problem" in outcome and rel not in walked_past:
            assert any(line.startswith(f"  {BAD / rel}:") for line in listed), rel
    assert not any(str(BAD / name) in done.stderr for name in walked_past)
    assert _unchanged(index_dir, *before)
