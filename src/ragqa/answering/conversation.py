"""A conversation as the chat gives it: messages in the usual chat form, read into typed turns."""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import RagqaError

_TAG = re.compile(r"<[^>]+>")
_MARKER = re.compile(r"\s*\[\d{1,3}\]")
_SPACE_BEFORE_MARK = re.compile(r"\s+([?!.,;:])")


@dataclass(frozen=True)
class CitedSource:
    """Where a previous answer's citation points: a transcript and the speaker of the passage."""

    transcript_id: str
    speaker: str


@dataclass(frozen=True)
class Exchange:
    """One earlier question and the answer to it."""

    question: str
    answer: str = ""
    standalone_question: str | None = None  # the question as it was searched, when the caller kept it
    sources: tuple[CitedSource, ...] = ()

    @property
    def searched(self) -> str:
        """The question in the form that was searched (its standalone form when known)."""
        return self.standalone_question or self.question


@dataclass(frozen=True)
class Conversation:
    """The new question and the exchanges before it, oldest first."""

    question: str
    history: tuple[Exchange, ...] = field(default_factory=tuple)

    @property
    def previous(self) -> Exchange | None:
        return self.history[-1] if self.history else None


def plain_text(content: Any) -> str:
    """The text of a message's content: HTML tags and entities removed, citation markers dropped;
    a list of parts (multimodal chat form) keeps its text parts."""
    if isinstance(content, list):
        content = " ".join(plain_text(part) for part in content)
    elif isinstance(content, dict):
        content = content.get("text") or content.get("content") or ""
    text = html.unescape(_TAG.sub(" ", str(content or "")))
    return _SPACE_BEFORE_MARK.sub(r"\1", " ".join(_MARKER.sub("", text).split()))


def _sources(message: dict[str, Any]) -> tuple[CitedSource, ...]:
    found = []
    for item in message.get("citations") or ():
        if isinstance(item, dict) and item.get("transcript_id"):
            found.append(CitedSource(str(item["transcript_id"]), str(item.get("speaker") or "")))
    return tuple(found)


def _as_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Chat-form dicts from dicts or from (user, assistant) pairs (the older Gradio history form)."""
    out: list[dict[str, Any]] = []
    for n, item in enumerate(messages):
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            user, assistant = item
            if user is not None:
                out.append({"role": "user", "content": user})
            if assistant is not None:
                out.append({"role": "assistant", "content": assistant})
        else:
            raise RagqaError(f"messages[{n}]: expected {{'role': ..., 'content': ...}}, got {type(item).__name__}")
    return out


def read_conversation(messages: Sequence[Any]) -> Conversation:
    """A Conversation from chat messages ending with the user's new question. An assistant message
    may carry the `citations` and `standalone_question` of `Answer.to_dict()`; then a follow-up can
    keep to the transcript and speaker it was about. System messages are ignored."""
    items = _as_messages(messages)
    for n, item in enumerate(items):
        if item.get("role") not in ("user", "assistant", "system"):
            raise RagqaError(f"messages[{n}]: role must be 'user' or 'assistant', got {item.get('role')!r}")
    items = [m for m in items if m["role"] != "system"]
    if not items or items[-1]["role"] != "user":
        raise RagqaError("messages must end with the user's question")
    question = plain_text(items[-1].get("content"))
    if not question:
        raise RagqaError("the last message (the question) is empty")
    history: list[Exchange] = []
    pending: str | None = None
    for item in items[:-1]:
        text = plain_text(item.get("content"))
        if item["role"] == "user":
            if pending:
                history.append(Exchange(question=pending))
            pending = text or None
        elif pending is not None:
            standalone = item.get("standalone_question")
            history.append(Exchange(question=pending, answer=text,
                                    standalone_question=str(standalone) if standalone else None,
                                    sources=_sources(item)))
            pending = None
    if pending:
        history.append(Exchange(question=pending))
    return Conversation(question=question, history=tuple(history))
