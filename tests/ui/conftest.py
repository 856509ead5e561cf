"""Fixtures for the UI tests: a small real index (seed transcript + one kremlin meeting) built once,
copied per test that writes to it, and the app served on a free 127.0.0.1 port."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import SOURCES, extractive_settings, free_port

import ragqa
from ragqa.index import Index
from ragqa.ui.server import launch
from ragqa.ui.service import ChatService


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-index") / "index"
    ragqa.build_index(SOURCES, index_dir=path, settings=extractive_settings())
    return path


@pytest.fixture
def index(built_index_dir: Path, tmp_path: Path) -> Index:
    """A private copy of the small index (tests may add to it)."""
    path = tmp_path / "index"
    shutil.copytree(built_index_dir, path)
    return ragqa.load_index(path, settings=extractive_settings())


@pytest.fixture
def served(index: Index) -> Iterator[str]:
    """The chat UI over a private index copy; yields its URL."""
    port = free_port()
    demo = launch(ChatService(index), host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
