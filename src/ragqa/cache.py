"""Where ragqa keeps what it derives from its bundled models (the assembled GGUF, ONNX graphs)."""
from __future__ import annotations

from pathlib import Path


def default_cache_dir() -> Path:
    """~/.cache/ragqa (the bundled GGUF goes to `LLMSettings.cache_dir` when that is set)."""
    return Path.home() / ".cache" / "ragqa"
