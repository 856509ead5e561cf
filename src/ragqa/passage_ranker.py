"""The learned passage ranker: a linear scorer over `passage_features`, weights fitted on QMSum train.

The bundled weights (`ragqa/models/passage_ranker.json`) were fitted by `python -m bench.train_ranker`
(listwise softmax loss: the probability that the top chunk holds an evidence turn) on the 1,095 QMSum
*train* questions; docs/quality.md has the cross-validated and val numbers. `retrieval.ranker_weights`
points at another file written by that script.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import RagqaError
from .passage_features import FEATURE_NAMES

BUNDLED = "passage_ranker.json"


@dataclass(frozen=True)
class PassageRanker:
    """Scores chunks as `features @ weights`; `names` must equal `passage_features.FEATURE_NAMES`."""

    names: tuple[str, ...]
    weights: np.ndarray
    source: str

    def score(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights


def load_ranker(path: Path | None = None) -> PassageRanker:
    """The ranker in `path` (a JSON written by `bench.train_ranker`), or the bundled one."""
    return _load(str(path) if path is not None else None)


@lru_cache(maxsize=4)
def _load(path: str | None) -> PassageRanker:
    source = path or f"ragqa/models/{BUNDLED}"
    try:
        text = (Path(path).read_text(encoding="utf-8") if path is not None
                else resources.files("ragqa.models").joinpath(BUNDLED).read_text(encoding="utf-8"))
        spec = json.loads(text)
        names, weights = tuple(spec["features"]), np.asarray(spec["weights"], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RagqaError(f"{source}: not a passage ranker file ({exc}); write one with python -m bench.train_ranker") from exc
    if names != FEATURE_NAMES or weights.shape != (len(FEATURE_NAMES),):
        raise RagqaError(f"{source}: ranker features {list(names)} do not match this version's "
                         f"{list(FEATURE_NAMES)}; retrain it with python -m bench.train_ranker")
    return PassageRanker(names=names, weights=weights, source=source)
