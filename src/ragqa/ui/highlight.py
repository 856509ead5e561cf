"""Which words of a cited passage support the answer: words shared with the sentences that cite it.

Matching is loose enough to work across languages and word forms (an English answer citing an
Italian passage): numbers match on their digits ("7,591" = "7.591"); words of five or more letters
match a word that differs by at most one edit in five ("Kazakhstan" = "Kazakistan",
"interest" = "interests", but not "Vladimir" = "Vladivostok"); shorter words must be equal;
stopwords of the answer's language never match.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from ..language import STOPWORDS, detect_language
from ..sentences import split_sentences

# a number with thousands separators ("7,591", "7.591", "7 591", "7, 591") or decimals, or a word
TOKEN = re.compile(r"\d+(?:(?:[.,][ \u00a0\u202f]?|[ \u00a0\u202f])\d{3}(?!\d))*(?:[.,]\d+)?|[^\W\d_]+",
                   re.UNICODE)
_LEADING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")
_EXTRA_STOP = frozenset(
    "also been being could should would will shall their there these those them then than very more most "
    "such only other some into over under between after before while where which whose your ours".split())
_FUZZY_MIN = 5  # shorter words must match exactly
_EDITS_PER_CHAR = 0.2
_JOIN_GAP = re.compile(r"[\s\-‐–'’]*")


def token_key(token: str, stopwords: frozenset[str] = frozenset()) -> str | None:
    """The normalised form of one token, or None when it should never be highlighted."""
    if token[0].isdigit():
        return "#" + re.sub(r"\D", "", token)
    word = token.casefold()
    if len(word) < 3 or word in stopwords:
        return None
    return word


class SupportWords:
    """The words of some answer text (stopwords of its language left out), to test passage words against."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        self.stopwords = STOPWORDS.get(detect_language(" ".join(texts)), frozenset()) | _EXTRA_STOP
        self.exact: set[str] = set()
        self._by_start: dict[str, list[str]] = {}
        for text in texts:
            for match in TOKEN.finditer(text):
                key = token_key(match.group(), self.stopwords)
                if key is not None and key not in self.exact:
                    self.exact.add(key)
                    if len(key) >= _FUZZY_MIN and not key.startswith("#"):
                        self._by_start.setdefault(key[:3], []).append(key)

    def supports(self, token: str) -> bool:
        key = token_key(token, self.stopwords)
        if key is None:
            return False
        if key in self.exact:
            return True
        if len(key) < _FUZZY_MIN or key.startswith("#"):
            return False
        return any(_close(key, other) for other in self._by_start.get(key[:3], ()))


def _close(a: str, b: str) -> bool:
    """At most one edit per five characters of the longer word (bounded Levenshtein)."""
    limit = int(max(len(a), len(b)) * _EDITS_PER_CHAR)
    return Levenshtein.distance(a, b, score_cutoff=limit) <= limit


def citing_sentences(answer: str, n: int) -> list[str]:
    """The sentences of `answer` that carry the marker `[n]` (the whole answer if none does)."""
    marker = f"[{n}]"
    sentences: list[str] = []
    for part in split_sentences(answer):
        lead = _LEADING_MARKERS.match(part)
        if lead and sentences:  # "... 7,591 km. [1]" cites the sentence before the marker
            sentences[-1] += " " + lead.group().strip()
            part = part[lead.end():].lstrip()
        sentences.append(part)
    cited = [s for s in sentences if marker in s]
    return cited or [answer]


def supporting_spans(quote: str, words: SupportWords) -> list[tuple[int, int]]:
    """Character spans of `quote` to highlight; neighbouring matches separated only by spaces or
    hyphens are merged into one span."""
    spans: list[tuple[int, int]] = []
    for match in TOKEN.finditer(quote):
        if not words.supports(match.group()):
            continue
        start, end = match.span()
        if spans and _JOIN_GAP.fullmatch(quote, spans[-1][1], start):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
