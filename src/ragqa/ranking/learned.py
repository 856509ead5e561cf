"""The learned passage ranker: a linear scorer over `features.passage_features`, weights fitted on QMSum train.

The bundled weights (`ragqa/models/passage_ranker.json`) were fitted by `python -m training.train_ranker`
(listwise softmax loss: the probability that the top chunk holds an evidence turn) on the 1,095 QMSum
*train* questions; docs/quality.md has the cross-validated and val numbers. The file's `encoder` section holds
a second set of weights, over the same features plus `ENCODER_FEATURE_NAMES` (the ranker encoder's cosine), used
where the index stores that encoder's passage vectors; `python -m training.finetune_minilm --export` writes it.
Its `adapter` section holds a third, over those plus `ADAPTER_FEATURE_NAMES` (the query adapter's cosine), used
where the index's embedder has a query adapter too; `python -m training.train_query_adapter --export` writes it.

The scores are log-probabilities (up to a constant) that a chunk holds the answer; `per_turn` turns them into
the order that lists the most answer per cited turn first (docs/quality.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..embedding.query_adapter import ADAPTERS
from ..errors import RagqaError
from .features import ADAPTER_FEATURE_NAMES, ENCODER_FEATURE_NAMES, FEATURE_NAMES

BUNDLED = "passage_ranker.json"


@dataclass(frozen=True)
class PassageRanker:
    """Scores chunks as `features @ weights`; `names` must equal `features.FEATURE_NAMES`."""

    names: tuple[str, ...]
    weights: np.ndarray
    source: str
    encoder: str | None = None  # the ranker encoder of `with_encoder`
    with_encoder: "PassageRanker | None" = None  # weights over FEATURE_NAMES + ENCODER_FEATURE_NAMES
    adapter: str | None = None  # the embedder (`query_adapter.base_model_id`) whose query adapter `with_adapter` uses
    with_adapter: "PassageRanker | None" = None  # ... + ADAPTER_FEATURE_NAMES (needs `with_encoder`'s features)

    def score(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights


def per_turn(scores: np.ndarray, turn_counts: np.ndarray) -> np.ndarray:
    """The ranker's `scores` per turn each chunk cites: log P(chunk holds the answer) - log(its turns). A reader (and
    turn-level MRR) pays one place in the list for every turn a chunk cites, so under the softmax the ranker is
    fitted with, the most answer per place comes first when chunks are sorted by P / turns (Smith's rule)."""
    return scores - np.log(np.maximum(turn_counts, 1))


def load_ranker(path: Path | None = None) -> PassageRanker:
    """The ranker in `path` (a JSON written by `training.train_ranker`), or the bundled one."""
    return _load(str(path) if path is not None else None)


@lru_cache(maxsize=4)
def _load(path: str | None) -> PassageRanker:
    source = path or f"ragqa/models/{BUNDLED}"
    try:
        text = (Path(path).read_text(encoding="utf-8") if path is not None
                else resources.files("ragqa.models").joinpath(BUNDLED).read_text(encoding="utf-8"))
        spec = json.loads(text)
        names, weights = tuple(spec["features"]), np.asarray(spec["weights"], dtype=np.float64)
        section = spec.get("encoder")
        if section is not None:
            encoder = str(section["model"])
            encoder_names = tuple(section["features"])
            encoder_weights = np.asarray(section["weights"], dtype=np.float64)
        adapter_section = spec.get("adapter") if section is not None else None
        if adapter_section is not None:
            adapter = str(adapter_section["embedder"])
            adapter_names = tuple(adapter_section["features"])
            adapter_weights = np.asarray(adapter_section["weights"], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RagqaError(f"{source}: not a passage ranker file ({exc}); write one with python -m training.train_ranker") from exc
    _check(source, names, weights, FEATURE_NAMES, "training.train_ranker")
    if section is None:
        return PassageRanker(names=names, weights=weights, source=source)
    _check(source, encoder_names, encoder_weights, FEATURE_NAMES + ENCODER_FEATURE_NAMES,
           "training.finetune_minilm --export")
    with_encoder = PassageRanker(names=encoder_names, weights=encoder_weights, source=source)
    if adapter_section is None:
        return PassageRanker(names=names, weights=weights, source=source, encoder=encoder, with_encoder=with_encoder)
    _check(source, adapter_names, adapter_weights, FEATURE_NAMES + ENCODER_FEATURE_NAMES + ADAPTER_FEATURE_NAMES,
           "training.train_query_adapter --export")
    if adapter not in ADAPTERS:
        raise RagqaError(f"{source}: its adapter section is for {adapter!r}, which has no bundled query adapter "
                         f"(known: {sorted(ADAPTERS)})")
    return PassageRanker(names=names, weights=weights, source=source, encoder=encoder, with_encoder=with_encoder,
                         adapter=adapter,
                         with_adapter=PassageRanker(names=adapter_names, weights=adapter_weights, source=source))


def _check(source: str, names: tuple[str, ...], weights: np.ndarray, expected: tuple[str, ...], script: str) -> None:
    if names != expected or weights.shape != (len(expected),):
        raise RagqaError(f"{source}: ranker features {list(names)} do not match this version's "
                         f"{list(expected)}; retrain it with python -m {script}")
