"""The one sentence splitter: long turns cut into chunks, answer and passage sentences, highlighted citations."""
from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…。])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of `text`, stripped, speaker labels kept ("Vladimir Putin: Grazie.")."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
