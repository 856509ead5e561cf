"""Where an answer starts repeating itself. A small model reading a long stretch of talk can loop
("The team said that … [2]." again and again up to its token limit); the answer ends before the
first sentence that says again what an earlier one said, and a stream stops generating there."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rapidfuzz import fuzz

from ..sentences import split_sentences

_MARKERS = re.compile(r"\[\d+(?:\s*[,;-]\s*\d+)*\]")
_WORD = re.compile(r"\w+")
SAME_SENTENCE = 90.0  # rapidfuzz ratio (0-100) above which two sentences say the same thing
_SHORT = 3  # words: sentences this short ("Yes.") may repeat
_RUN = 12  # words: a run this long said twice is a loop even without a sentence end


def _key(sentence: str) -> str:
    return " ".join(_WORD.findall(_MARKERS.sub(" ", sentence).casefold()))


def _sentence_starts(text: str) -> list[tuple[int, str]]:
    """Each sentence of `text` with its offset."""
    starts: list[tuple[int, str]] = []
    position = 0
    for sentence in split_sentences(text):
        position = text.find(sentence, position)
        starts.append((position, sentence))
        position += len(sentence)
    return starts


def _run_repeat(text: str) -> int | None:
    """Offset of the first word that starts a run of `_RUN` words already said earlier."""
    words = [(m.start(), m.group().casefold()) for m in _WORD.finditer(_MARKERS.sub(lambda m: " " * len(m.group()),
                                                                                     text))]
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - _RUN + 1):
        run = tuple(w for _, w in words[i:i + _RUN])
        if run in seen:
            return words[i][0]
        seen.add(run)
    return None


def repetition_start(text: str) -> int | None:
    """Offset where `text` starts repeating itself (a sentence like an earlier one, or a long run
    of words said twice), cut back to that sentence's start; None when it does not repeat."""
    earlier: list[str] = []
    sentences = _sentence_starts(text)
    for offset, sentence in sentences:
        key = _key(sentence)
        if len(key.split()) > _SHORT and any(fuzz.ratio(key, k) >= SAME_SENTENCE for k in earlier):
            return offset
        earlier.append(key)
    run = _run_repeat(text)
    if run is None:
        return None
    sentence_start = max((offset for offset, _ in sentences if offset <= run), default=0)
    return sentence_start or run  # a loop inside the first sentence is cut where it starts


def cut_repetition(text: str) -> str:
    """`text` up to where it starts repeating itself."""
    start = repetition_start(text)
    return text if start is None else text[:start].rstrip()


def until_repetition(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces of a stream until its text repeats itself; then the stream is closed, which stops
    the model. The piece in which the repetition shows is still yielded: the caller cuts the final
    text with `cut_repetition`."""
    text = ""
    iterator = iter(pieces)
    try:
        for count, piece in enumerate(iterator, start=1):
            text += piece
            yield piece
            ends = any(ch in piece for ch in ".!?…\n") or count % _RUN == 0
            if ends and repetition_start(text) is not None:
                return
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
