"""Paths of the parsing fixtures (tests/data/samples and tests/data/bad)."""
from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def samples() -> Path:
    return DATA / "samples"


@pytest.fixture(scope="session")
def bad() -> Path:
    return DATA / "bad"
