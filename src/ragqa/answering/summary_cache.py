"""What identifies a stored summary (the transcript's content hash, the focus, the prompt templates,
the model and the encoder that checks citations) and how one is kept in the index's summary store."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..settings import LLMSettings
from ..types import Answer, Citation

FORMAT = 1  # bumped when the summarizer changes what it writes for the same inputs
_MODEL_FIELDS = ("backend", "model", "base_url", "temperature", "max_tokens", "context_window")


def summary_key(content_hash: str, focus: str | None, templates: Sequence[str], llm: LLMSettings,
                encoder: str) -> str:
    """A hex digest naming one summary: same transcript content, focus (case and spacing aside),
    prompt templates, model and citation encoder give the same key."""
    parts = {"format": FORMAT, "content": content_hash, "focus": " ".join((focus or "").split()).casefold(),
             "templates": list(templates), "model": {k: getattr(llm, k) for k in _MODEL_FIELDS},
             "encoder": encoder}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """A JSON-ready form of a summary (everything `answer_from_dict` needs)."""
    return dataclasses.asdict(answer)


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The Answer `answer_to_dict` stored."""
    fields = dict(data)
    fields["citations"] = [Citation(**c) for c in fields.get("citations", [])]
    return Answer(**fields)
