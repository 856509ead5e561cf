"""A real index over the seed transcript (Italian, Putin-Tokayev), shared by the answering tests."""
import pytest

import ragqa
from ragqa.settings import Settings


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seed_path):
    return ragqa.build_index([seed_path], tmp_path_factory.mktemp("seed-answer") / "index",
                             settings=Settings(threads=2, llm={"backend": "none"}))
