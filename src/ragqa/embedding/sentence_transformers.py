"""Any sentence-transformers model, by name or local path, loaded without network access."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelUnavailableError
from .base import normalise


class SentenceTransformerEmbedder:
    """Wraps `sentence_transformers.SentenceTransformer` (CPU, local files only)."""

    def __init__(self, model: str, threads: int = 2, batch_size: int = 32,
                 query_prefix: str | None = None, passage_prefix: str | None = None,
                 model_id: str | None = None) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailableError(
                f"embedder '{model}' needs sentence-transformers: pip install 'ragqa[st]' "
                "(install torch==2.13.0 first for the CPU build)") from exc
        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises OSError/ValueError/HF errors for a missing model
            raise ModelUnavailableError(
                f"sentence-transformers model '{model}' is not available offline: give a local path or a model "
                f"already in the Hugging Face cache ({type(exc).__name__}: {exc})") from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.model_id = model_id or f"sentence-transformers/{Path(model).name if Path(model).exists() else model}"
        self.batch_size = batch_size
        self.query_prefix = query_prefix or ""
        self.passage_prefix = passage_prefix or ""

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        vectors = self._model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                                     convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
        return normalise(np.asarray(vectors).reshape(len(texts), self.dim))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)
