"""Speaker labels at the start of a line.

"Name: text", "[00:01:02] Name: text", "[00:00.000 --> 00:03.500] SPEAKER_00: text" (whisper with a
diarization label), "00:01:02<TAB>Name:<TAB>text" (Zoom chat), "Name (00:01:02): text",
"Name (retranslated): text", "**Name:** text", "**Name:** \\[04:30\\] text" (escaped Markdown time),
"Phoebe, Ross, and Joey: text" (a group), "10:02:33 From Alice to Everyone: text" (Zoom chat); "[Name] text",
"Name (00:01:02) text", and header lines "[Name] 00:01:02" / "Name  0:03" with the speech on the lines below,
or "Name" over a line that opens with "(00:01:02)"; whisper's "[00:00.000 --> 00:03.500] text" gives a
narration label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_LABEL = re.compile(
    rf"[ \t]*(?:\[(?P<t1>{_TIME})(?:[ \t]*-->[ \t]*{_TIME})?\][ \t]*|(?P<t0>{_TIME})[ \t]+)?"  # [00:01:02], 00:01:02
    r"(?:\*\*)?(?P<ob>\[)?(?P<name>[^\W\d_][^:\n\[\]()*]{0,79}?)(?(ob)\])[ \t]*"  # name, **bold** or [bracketed]
    rf"(?:[\[(](?P<t2>{_TIME})[\])][ \t]*|\([^()\n:]{{1,40}}\)[ \t]*)?"  # (00:01:02) or (retranslated)
    r"(?:\*\*)?:(?:\*\*)?(?=\s|$)"
    rf"(?:[ \t]*\\?\[\(?(?P<t3>{_TIME})\)?\\?\](?:\([^()\s]*\))?(?=\s|$))?"  # "**Name:** \[04:30\]", "[04:30](url)"
)
_BRACKET = re.compile(r"[ \t]*\[(?P<name>[^\[\]\n]{1,40})\][ \t]*(?=\S)")  # "[Alba] En 1928 ..."
_HEADER = re.compile(  # a line holding only a name and a time: the speech follows on the next lines
    rf"[ \t]*(?:\[(?P<bracketed>[^\[\]\n]{{1,40}})\][ \t]+|(?P<name>[^\W\d_][^:\n\[\]()*]{{0,39}}?)"
    rf"(?:[ \t]{{2,}}|\t))\[?(?P<time>{_TIME})\]?[ \t]*$")  # a bare name is followed by 2 spaces or a tab
_TIMED_NAME = re.compile(  # "Lex Fridman (00:00:00) text", "Alice [01:02]": a name and a bracketed time, no colon
    rf"[ \t]*(?:\*\*)?(?P<name>[^\W\d_][^:\n\[\]()*]{{0,39}}?)(?:\*\*)?[ \t]+"
    rf"(?:[\[(](?P<time>{_TIME})[\])]|\[\((?P<linked>{_TIME})\)\]\([^()\s]*\))[ \t]*")  # or "[(00:00:00)](url)"
_NAME_OVER_TIME = re.compile(  # "Lex Fridman" alone on a line, the next one opening with "(00:00:00)"
    rf"[ \t]*(?P<name>[^\W\d_][^:\n\[\]()*]{{0,39}}?)[ \t]*\n[ \t]*[\[(](?P<time>{_TIME})[\])][ \t]*")
_TIME_RANGE = re.compile(rf"[ \t]*\[(?P<time>{_TIME})[ \t]*-->[ \t]*{_TIME}\][ \t]*")  # "[00:00.000 --> 00:03.500]"
_ZOOM_FROM = re.compile(  # Zoom chat: "10:02:33 From Alice Smith to Everyone: text", "... From Alice Smith : text"
    rf"[ \t]*(?P<time>{_TIME})[ \t]+From[ \t]+(?P<name>[^:\n]{{1,80}}?)(?:[ \t]+to[ \t]+[^:\n]{{1,60}}?)?[ \t]*:[ \t]*")
_DIARIZED = re.compile(r"SPEAKER_\d+")
_GROUP_SPLIT = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+")
# Sound and action descriptions written in brackets, capitalised in some languages ("[Music] ...").
_SOUNDS = frozenset("""music applause laughter laughs laughing inaudible crosstalk silence noise singing cheering
cheers sighs foreign blank_audio musik música musique risas aplausos rires applaudissements applaus gelächter
musica risate applausi музыка смех аплодисменты""".split())
_TIMESTAMP = re.compile(r"(?:(?P<h>\d{1,3}):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<f>\d{1,3}))?$")
# Lower-case words allowed inside a name ("President of Russia", "Ludwig van Beethoven").
_CONNECTORS = frozenset("of the for and on at de di da del della van von der den du la le al el bin ibn y".split())
_FORBIDDEN = frozenset(',;!?"«»“”„…/\\|<>{}=+@#$%^&~`')  # "," and "&" only between a group's names
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
    endpos = len(text) if endpos is None else endpos
    zoom = _ZOOM_FROM.match(text, pos, endpos)
    if zoom and plausible_speaker(name := " ".join(zoom.group("name").split())):
        return Label(name, zoom.end(), timestamp_seconds(zoom.group("time")))
    match = _LABEL.match(text, pos, endpos)
    if not match:
        return None
    name = " ".join(match.group("name").split())
    if not plausible_speaker(name):
        return None
    stamp = match.group("t1") or match.group("t0") or match.group("t2") or match.group("t3")
    return Label(speaker=name, end=match.end(), start=timestamp_seconds(stamp) if stamp else None)


def match_bracket(text: str, pos: int = 0, endpos: int | None = None) -> Label | None:
    """A "[Name] text" prefix (no colon) at text[pos:endpos], or None; "[Music] ..." is not a speaker."""
    match = _BRACKET.match(text, pos, len(text) if endpos is None else endpos)
    if not match or not bracket_speaker(match.group("name")):
        return None
    return Label(speaker=match.group("name").strip(), end=match.end(), start=None)


def match_header(text: str, pos: int = 0, endpos: int | None = None) -> Label | None:
    """A name with a time and no colon at text[pos:endpos]: a line of only "[Name] 00:01:02" or "Name  0:03"
    (the speech is below it), or "Name (00:01:02) text"; else None."""
    endpos = len(text) if endpos is None else endpos
    match = _HEADER.match(text, pos, endpos)
    if not match:
        timed = _TIMED_NAME.match(text, pos, endpos)
        name = " ".join(timed.group("name").split()) if timed else ""
        stamp = timed.group("time") or timed.group("linked") if timed else None
        return Label(name, timed.end(), timestamp_seconds(stamp)) if timed and stamp and plausible_speaker(name) \
            else None
    bracketed = match.group("bracketed")
    name = " ".join((bracketed or match.group("name")).split())
    if not (bracket_speaker(name) if bracketed else plausible_speaker(name)):
        return None
    return Label(speaker=name, end=match.end(), start=timestamp_seconds(match.group("time")))


def match_name_over_time(text: str, pos: int = 0, endpos: int | None = None) -> Label | None:
    """A name alone on its line whose speech, on the next line, opens with "(00:00:00)" or "[00:00]"."""
    match = _NAME_OVER_TIME.match(text, pos, len(text) if endpos is None else endpos)
    if not match or not plausible_speaker(name := " ".join(match.group("name").split())):
        return None
    return Label(name, match.end(), timestamp_seconds(match.group("time")))


def match_time_range(text: str, pos: int = 0, endpos: int | None = None) -> Label | None:
    """whisper's "[00:00.000 --> 00:03.500] text" without a speaker: a narration label "" with the start time."""
    match = _TIME_RANGE.match(text, pos, len(text) if endpos is None else endpos)
    return Label("", match.end(), timestamp_seconds(match.group("time"))) if match else None


def bracket_speaker(name: str) -> bool:
    """"[Alba]", "[SPEAKER_00]" name a speaker; "[Music]", "[SIGHS]", "[risita]" describe a sound."""
    name = name.strip()
    if _DIARIZED.fullmatch(name):
        return True
    return plausible_speaker(name) and not name.isupper() and name.lower() not in _SOUNDS


def plausible_speaker(name: str) -> bool:
    """True for "Vladimir Putin", "Speaker 1", "Dr. Smith", "PM", "Q", "President of Russia Vladimir Putin",
    and for groups of such names, "Phoebe, Ross, Chandler, and Joey"."""
    if "," in name or "&" in name:
        parts = _GROUP_SPLIT.split(name)
        return 1 < len(parts) <= _MAX_WORDS and all(_one_speaker(part) for part in parts)
    return _one_speaker(name)


def _one_speaker(name: str) -> bool:
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
