"""Fixtures for the reliability suite: a tiny two-segment index, the two commands that change it, and a
fork server that starts CLI runs without re-importing ragqa each time."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from killpoint import ForkServer
from reliability_support import LIBRARY_V2, TRANSCRIPTS, child_env, write_transcripts

import ragqa
from ragqa.settings import Settings


@pytest.fixture(scope="session")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two segments: {harbour} then {library}. Tests work on copies."""
    root = tmp_path_factory.mktemp("base")
    harbour, library = write_transcripts(root / "src", {k: TRANSCRIPTS[k] for k in ("harbour", "library")})
    index = ragqa.build_index([harbour], root / "index", settings=Settings())
    index.add([library])
    return root / "index"


@pytest.fixture(scope="session")
def commands(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """CLI arguments (without --index) of the two writing commands, run over a copy of `base_index`:
    `build harbour museum` keeps harbour, removes library (its segment is deleted) and embeds museum;
    `add library(v2) school` replaces library (its old segment is deleted) and embeds school."""
    root = tmp_path_factory.mktemp("commands")
    build = write_transcripts(root / "build", {k: TRANSCRIPTS[k] for k in ("harbour", "museum")})
    add = write_transcripts(root / "add", {"library": LIBRARY_V2, "school": TRANSCRIPTS["school"]})
    return {"build": ["build", *map(str, build)], "add": ["add", *map(str, add)]}


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    """Forks one real CLI process per run (see killpoint.py), to kill or to limit."""
    server = ForkServer(child_env())
    yield server
    server.close()
