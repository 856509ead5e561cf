"""The passage ranker's encoder: all-MiniLM-L6-v2 fine-tuned on QMSum train questions (`python -m
training.finetune_minilm --export`), bundled in `ragqa/models` as weights and run by onnxruntime
(`embedding.bert_onnx`). Its passage vectors are stored per chunk at build time and its cosine with the question
is a feature of the learned passage ranker inside one transcript (docs/quality.md, round 8). It is English: it
applies to English questions and chunks.
"""
from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from ..cache import default_cache_dir
from ..errors import ModelUnavailableError
from .bert_onnx import BertSentenceEncoder, BertWeights, graph_file

RANKER_ENCODERS = {"minilm-qmsum": ("minilm_qmsum.npz", "minilm_vocab.txt")}  # name -> bundled weights, vocab
LANGUAGES = frozenset({"en"})  # the languages it was trained on
MAX_LENGTH = 128  # word pieces per text, as in fine-tuning
DIM = 384

_cache: dict[str, "RankerEncoder"] = {}
_lock = threading.Lock()


def applies_to(lang: str | None) -> bool:
    """Whether the encoder's cosine means something for text in `lang` (None: unknown, e.g. no stopwords)."""
    return lang is None or lang in LANGUAGES


class RankerEncoder:
    """Encodes questions and passages into L2-normalised 384-d vectors (float32)."""

    def __init__(self, name: str, encoder: BertSentenceEncoder) -> None:
        self.name = name
        self.dim = encoder.dim
        self._encoder = encoder

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encoder.encode([text])[0]


def load_ranker_encoder(name: str) -> RankerEncoder:
    """The bundled ranker encoder `name` (loaded once per process)."""
    if name not in RANKER_ENCODERS:
        raise ModelUnavailableError(f"no ranker encoder named {name!r}; known: {sorted(RANKER_ENCODERS)}")
    with _lock:
        if name not in _cache:
            weights_file, vocab_file = RANKER_ENCODERS[name]
            models = resources.files("ragqa.models")
            with resources.as_file(models.joinpath(weights_file)) as weights, \
                    resources.as_file(models.joinpath(vocab_file)) as vocab:
                try:
                    encoder = _encoder(Path(weights), Path(vocab))
                except (OSError, ValueError, KeyError, RuntimeError) as exc:
                    raise ModelUnavailableError(f"ragqa/models/{weights_file}: the ranker encoder {name!r} does not "
                                                f"load ({exc}); reinstall ragqa") from exc
            _cache[name] = RankerEncoder(name, encoder)
        return _cache[name]


def _encoder(weights: Path, vocab: Path) -> BertSentenceEncoder:
    """The encoder from its graph file in the cache folder; built in memory when the folder cannot be written or
    holds a file onnxruntime does not read (which is then removed, to be written again next time)."""
    try:
        graph = graph_file(weights, default_cache_dir() / "onnx")
    except OSError:
        return BertSentenceEncoder(BertWeights.load(weights), vocab, max_length=MAX_LENGTH)
    try:
        return BertSentenceEncoder(graph, vocab, max_length=MAX_LENGTH)
    except Exception:  # onnxruntime's load errors have no common base class
        graph.unlink(missing_ok=True)
        return BertSentenceEncoder(BertWeights.load(weights), vocab, max_length=MAX_LENGTH)


def passage_text(speaker: str, text: str) -> str:
    """What the encoder reads of a chunk: its text, led by its speaker label (chunk texts usually carry it)."""
    return text if text.startswith(f"{speaker}:") else f"{speaker}: {text}"
