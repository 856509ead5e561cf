"""Exceptions with messages meant for users (no traceback needed to act on them)."""
from __future__ import annotations


class RagqaError(Exception):
    """Base class: every error ragqa raises on purpose."""


class ParseError(RagqaError):
    """A source file cannot be parsed."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path, self.message, self.line = path, message, line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class IndexFormatError(RagqaError):
    """The index on disk is missing, corrupt, or built with other settings."""


class ModelUnavailableError(RagqaError):
    """A model (embedder or LLM) is not installed or cannot be loaded offline."""
