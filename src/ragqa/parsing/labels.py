"""Speaker labels at the start of a line.

"Name: text", "[00:01:02] Name: text", "Name (00:01:02): text", "Name (retranslated): text",
"**Name:** text".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_LABEL = re.compile(
    rf"[ \t]*(?:\[(?P<t1>{_TIME})\][ \t]*)?"  # [00:01:02] before the name
    r"(?:\*\*)?(?P<ob>\[)?(?P<name>[^\W\d_][^:\n\[\]()*]{0,79}?)(?(ob)\])[ \t]*"  # name, **bold** or [bracketed]
    rf"(?:[\[(](?P<t2>{_TIME})[\])][ \t]*|\([^()\n:]{{1,40}}\)[ \t]*)?"  # (00:01:02) or (retranslated)
    r"(?:\*\*)?:(?:\*\*)?(?=\s|$)"
)
_TIMESTAMP = re.compile(r"(?:(?P<h>\d{1,3}):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<f>\d{1,3}))?$")
# Lower-case words allowed inside a name ("President of Russia", "Ludwig van Beethoven").
_CONNECTORS = frozenset("of the for and on at de di da del della van von der den du la le al el bin ibn y".split())
_FORBIDDEN = frozenset(',;!?"«»“”„…/\\|<>{}=+@#$%^&~`')
_MAX_WORDS = 6
_MAX_ABBREVIATION = 4  # "Dr.", "Hon.", "Prof." end in a dot; "Grazie." ends a sentence


@dataclass(frozen=True)
class Label:
    """A speaker label found at the start of a line."""

    speaker: str
    end: int  # offset just after the label (the spoken text follows)
    start: float | None  # seconds, when the label carries a timestamp


def match_label(text: str, pos: int = 0, endpos: int | None = None) -> Label | None:
    """The speaker label at text[pos:endpos] (one line), or None when the line does not start with one."""
    match = _LABEL.match(text, pos, len(text) if endpos is None else endpos)
    if not match:
        return None
    name = " ".join(match.group("name").split())
    if not plausible_speaker(name):
        return None
    stamp = match.group("t1") or match.group("t2")
    return Label(speaker=name, end=match.end(), start=timestamp_seconds(stamp) if stamp else None)


def plausible_speaker(name: str) -> bool:
    """True for "Vladimir Putin", "Speaker 1", "Dr. Smith", "PM", "Q", "President of Russia Vladimir Putin"."""
    words = name.split()
    if not words or any(ch in _FORBIDDEN for ch in name):
        return False
    counted = 0
    for position, word in enumerate(words):
        core = word.rstrip(".")
        if not core or (word != core and (len(core) > _MAX_ABBREVIATION or not core.isalpha())):
            return False
        if position and (word.lower() in _CONNECTORS or core.isdigit()):
            counted += core.isdigit()
            continue
        if not core[0].isupper():
            return False
        counted += 1
    return 1 <= counted <= _MAX_WORDS


def timestamp_seconds(stamp: str) -> float | None:
    """Seconds in "[hh:]mm:ss[.fff]" (a comma is allowed as decimal mark), or None if it is not one."""
    match = _TIMESTAMP.match(stamp.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.group("h", "m", "s", "f")
    if int(minutes) >= 60 or int(seconds) >= 60:
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
