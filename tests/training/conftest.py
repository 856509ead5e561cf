"""One cache folder for the training tests: the QMSum-sample indexes (e5-small, use-m3) and the seeded MiniLM
fold models are built by the first test that needs them and reused by the others, as the scripts reuse their
cache between runs (tests write their exports to their own tmp_path)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def training_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("training-cache")
