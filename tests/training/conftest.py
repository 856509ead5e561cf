"""One cache folder for the training tests: the session's QMSum-sample indexes (`qmsum_sample_cache`, shared with
the tests that search them) and the seeded MiniLM fold models, built by the first test that needs them and reused
by the others, as the scripts reuse their cache between runs (tests write their exports to their own tmp_path)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def training_cache(qmsum_sample_cache: Path) -> Path:
    return qmsum_sample_cache
