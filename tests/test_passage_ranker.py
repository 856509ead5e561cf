import json

import numpy as np
import pytest

from ragqa.errors import RagqaError
from ragqa.passage_features import FEATURE_NAMES
from ragqa.passage_ranker import load_ranker


def test_bundled_ranker_matches_the_features():
    ranker = load_ranker()
    assert ranker.names == FEATURE_NAMES and ranker.weights.shape == (len(FEATURE_NAMES),)
    assert np.all(np.isfinite(ranker.weights)) and np.any(ranker.weights != 0)


def test_ranker_file_is_read_and_scores_linearly(tmp_path):
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"features": list(FEATURE_NAMES), "weights": [1.0] + [0.0] * (len(FEATURE_NAMES) - 1)}))
    ranker = load_ranker(path)
    features = np.arange(2 * len(FEATURE_NAMES), dtype=float).reshape(2, -1)
    assert ranker.score(features).tolist() == [0.0, float(len(FEATURE_NAMES))]


def test_bad_ranker_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(RagqaError, match="broken.json: not a passage ranker file"):
        load_ranker(broken)
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"features": ["lexical", "dense"], "weights": [1.0, 1.0]}))
    with pytest.raises(RagqaError, match="stale.json: ranker features .* retrain"):
        load_ranker(stale)
