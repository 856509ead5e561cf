"""Whether an answer copies its passages instead of answering. Asked to summarise a long stretch of
talk, a small model may reproduce the passages line by line ("[1] Project Manager: The method that
we're going to use …"); such an answer is grounded but answers nothing, and is asked again. Quoting the
one sentence that states a fact is an answer, not a copy."""
from __future__ import annotations

import re
from collections.abc import Sequence

from .citations import strip_markers

_WORD = re.compile(r"\w+")
RUN = 8  # words: a run this long found verbatim in a passage is copied
COPIED_SHARE = 0.6  # an answer with this share of its words in copied runs copies the passages
LONG = 30  # words: a shorter answer may quote the one sentence that holds the fact


def _words(text: str) -> list[str]:
    return _WORD.findall(strip_markers(text).casefold())


def copied_share(answer: str, passages: Sequence[str]) -> float:
    """The share of the answer's words that lie in a run of `RUN` words found verbatim in a passage."""
    return _copied_share(_words(answer), passages)


def _copied_share(words: list[str], passages: Sequence[str]) -> float:
    if len(words) < RUN:
        return 0.0
    runs = {tuple(w[i:i + RUN]) for w in map(_words, passages) for i in range(len(w) - RUN + 1)}
    covered = [False] * len(words)
    for i in range(len(words) - RUN + 1):
        if tuple(words[i:i + RUN]) in runs:
            covered[i:i + RUN] = [True] * RUN
    return sum(covered) / len(words)


def copies_passages(answer: str, passages: Sequence[str]) -> bool:
    """True when a long answer is mostly the passages' own words in verbatim runs (a short one may quote
    the sentence holding its fact)."""
    words = _words(answer)
    return len(words) >= LONG and _copied_share(words, passages) >= COPIED_SHARE
