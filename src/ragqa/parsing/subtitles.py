"""Subtitles: WebVTT (.vtt), SubRip (.srt), YouTube SubViewer (.sbv), and, read by pysubs2, SubStation
Alpha (.ass/.ssa, an event's Name field is its speaker), TTML/DFXP and SAMI. Cues become speaker turns
with start/end seconds.

Speakers come from `<v Name>` voice tags, "Name:" or "[Name]" at the start of a cue line ("Name:"
or "[Name]" alone on its line names the speaker of the lines below). The file is consistently labelled when a
tenth of its cues carry a voice tag or "Name:"; only then do "Name:" prefixes count (a film's
dialogue has the odd `Digo: "..."`), except a name in capitals before mixed-case speech ("MAN: Hey!"). "[Name]" counts when Name is a capitalised name, not a sound
(`[Music]`, `[risas]`), as in Netflix SDH subtitles. A cue line without a label continues the
previous speaker in a consistently labelled file, elsewhere only when the previous line ends
mid-sentence; otherwise, and on a line that starts with a dialogue dash, it is narration ""
(speaker unknown). Consecutive cues of one speaker merge into one turn (start of the first, end of
the last). Cues with bad timings are reported with their line number and skipped; the rest is read.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path

import pysubs2

from ragqa.errors import ParseError
from ragqa.parsing.labels import bracket_speaker, match_bracket, match_label, timestamp_seconds
from ragqa.types import NARRATION, SourceProblem, Transcript, Turn

_ARROW = "-->"
_TIMING_LINE = re.compile(r"-->|^\s*\d[\d:.,]*\s*-+>")  # also catches malformed arrows ("->")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+(?P<name>[^>]+?)\s*>")
_BRACKET_LINE = re.compile(r"\s*\[(?P<name>[^\[\]\n]{1,40})\]\s*")  # "[Victoria]" alone: the speaker of the lines below
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # HTML-like tags, inline timestamps, ASS overrides {\an8}
_DIALOGUE_DASH = re.compile(r"^\s*(?:>>|-(?!-))\s*")  # "- Hi." or ">> Hi.", not a "---" separator
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")
_SBV_TIMING = re.compile(r"^[ \t]*(\d+:\d{2}:\d{2}\.\d{3}),(\d+:\d{2}:\d{2}\.\d{3})[ \t]*$", re.MULTILINE)
_PYSUBS2_FORMATS = {".ass": "ass", ".ssa": "ssa", ".ttml": "ttml", ".dfxp": "ttml", ".smi": "sami", ".sami": "sami"}
_VOICE_SPLIT = re.compile(r"(?=<v[\s.])")
_ASS_ESCAPE = re.compile(r"\\[hNn]")  # ASS/SSA hard space and line breaks inside SRT text
_IDENTIFIER = re.compile(r"^\s*(?:\d+|\S*\d\S*)\s*$")  # "12", "cue-3": a cue id, not spoken text
MIN_LABELLED_SHARE = 0.1  # "Name:" prefixes are speakers when at least this share of cues carries a label

Line = tuple[int, str]  # (1-based line number, text)


@dataclass
class _Cue:
    start: float
    end: float
    lines: list[str] = field(default_factory=list)
    voice: str | None = None  # the speaker of every line without a label of its own (SubStation's Name)


@dataclass
class _Draft:
    speaker: str
    start: float
    end: float
    parts: list[str]


def parse_vtt(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse a WebVTT file (a missing "WEBVTT" header is reported, the cues are still read)."""
    problems: list[SourceProblem] = []
    blocks = _blocks(text)
    first = blocks[0][0][1] if blocks else ""
    if first.startswith("WEBVTT") and first[6:7] in ("", " ", "\t"):
        header = blocks.pop(0)
        timed = [k for k, (_, line) in enumerate(header) if _TIMING_LINE.search(line)]
        if timed:  # no blank line after the header: the first cue shares its block
            blocks.insert(0, header[max(timed[0] - 1, 1):])
    else:
        problems.append(SourceProblem(path, "missing 'WEBVTT' header line; read the cues anyway", 1))
    blocks = [b for b in blocks if b[0][1].split(maxsplit=1)[0] not in _VTT_BLOCKS
              or any(_TIMING_LINE.search(line) for _, line in b[1:])]  # "NOTE x" above a timing line is a cue id
    return _transcript(_cues(blocks, path, problems), path, stem, problems)


def parse_srt(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse a SubRip file (index numbers optional)."""
    problems: list[SourceProblem] = []
    return _transcript(_cues(_blocks(text), path, problems), path, stem, problems)


def parse_sbv(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse a YouTube SubViewer file ("0:00:00.378,0:00:11.378" timing lines, otherwise like SRT)."""
    problems: list[SourceProblem] = []
    return _transcript(_cues(_blocks(_SBV_TIMING.sub(r"\1 --> \2", text)), path, problems), path, stem, problems)


def parse_pysubs2(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse .ass/.ssa, .ttml/.dfxp or .smi/.sami subtitles with pysubs2 (drawings and comments skipped)."""
    kind = _PYSUBS2_FORMATS[Path(path).suffix.lower()]
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=kind)
    except (pysubs2.exceptions.Pysubs2Error, ET.ParseError, ValueError, KeyError, IndexError,
            NotImplementedError) as exc:
        raise ParseError(path, f"cannot read {kind.upper()} subtitles: {exc}") from None
    cues = [_Cue(event.start / 1000, event.end / 1000, html.escape(event.plaintext, quote=False).split("\n"),
                 event.name.strip() or None)  # escaped: "<LAUGHING>" in the plain text is not a tag
            for event in subs.events if event.is_text and event.end >= event.start]
    return _transcript(cues, path, stem, [])


def _blocks(text: str) -> list[list[Line]]:
    """Runs of non-blank lines, with their line numbers."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _transcript(cues: list[_Cue], path: str, stem: str,
                problems: list[SourceProblem]) -> tuple[list[Transcript], list[SourceProblem]]:
    turns = _turns(cues)
    if not turns:
        detail = "; ".join(str(p) for p in problems[:3])
        raise ParseError(path, "no cues with text" + (f" ({detail})" if detail else ""))
    return [Transcript(id=stem, turns=turns, title=stem)], problems


def _cues(blocks: list[list[Line]], path: str, problems: list[SourceProblem]) -> list[_Cue]:
    cues: list[_Cue] = []
    previous_ok = False  # may a block without timing continue the previous cue's text?
    for block in blocks:
        timed = [k for k, (_, line) in enumerate(block) if _TIMING_LINE.search(line)]
        if not timed:
            if block[0][1].strip().isdigit():
                problems.append(SourceProblem(path, "cue without a timing line; skipped", block[0][0]))
                previous_ok = False
            elif previous_ok:
                cues[-1].lines.extend(line for _, line in block)
            else:
                problems.append(SourceProblem(path, "text outside any cue, ignored", block[0][0]))
            continue
        if timed[0] > 1:
            problems.append(SourceProblem(path, "text outside any cue, ignored", block[0][0]))
        for j, k in enumerate(timed):
            payload = block[k + 1: timed[j + 1] if j + 1 < len(timed) else len(block)]
            if j + 1 < len(timed) and payload and _IDENTIFIER.match(payload[-1][1]):
                payload = payload[:-1]  # cues without blank lines: drop the next cue's identifier
            number, line = block[k]
            cue = _timing(line)
            if isinstance(cue, str):
                problems.append(SourceProblem(path, f"{cue}; cue skipped", number))
                previous_ok = False
                continue
            cue.lines = [text for _, text in payload]
            cues.append(cue)
            previous_ok = True
    return cues


def _timing(line: str) -> _Cue | str:
    """A cue from its timing line, or the reason it is not valid."""
    left, _, right = line.partition(_ARROW)
    fields = right.split()
    start = timestamp_seconds(left.strip())
    end = timestamp_seconds(fields[0]) if fields else None
    if start is None or end is None:
        return f"bad cue timing {line.strip()!r}"
    if end < start:
        return f"cue ends before it starts ({line.strip()!r})"
    return _Cue(start, end)


@dataclass(frozen=True)
class _Line:
    speaker: str | None  # from a label on the line, else None
    text: str  # spoken text without the label
    whole: str  # the text with a "Name:" label left in (used when the file's labels do not count)
    colon: bool  # the speaker comes from a "Name:" prefix
    bracket: bool  # the speaker comes from a "[Name]" prefix
    dashed: bool  # the line starts with a dialogue dash ("- ..." or ">> ...")


def _speaker_lines(lines: list[str]) -> list[_Line]:
    """Each cue line with its speaker label (if any), tags removed."""
    out = []
    for raw in (part for whole in lines for part in _VOICE_SPLIT.split(whole) if part.strip()):
        voice = _VOICE.search(raw)
        line = html.unescape(_ASS_ESCAPE.sub(" ", _TAG.sub("", raw)))
        dash = _DIALOGUE_DASH.match(line)
        line = line[dash.end():] if dash else line
        whole = " ".join(line.split())
        speaker = voice.group("name").strip() if voice else None
        colon = bracket = False
        if speaker is None:
            label = match_label(line)
            found = label or match_bracket(line)
            alone = _BRACKET_LINE.fullmatch(line)
            if found:
                speaker, line, colon, bracket = found.speaker, line[found.end:], label is not None, label is None
            elif alone and bracket_speaker(alone.group("name")):
                speaker, line, bracket = alone.group("name").strip(), "", True
        line = " ".join(line.split())
        if line or colon or bracket:  # "MAN:" alone on its line names the speaker of the lines below it
            out.append(_Line(speaker, line, whole, colon, bracket, dash is not None))
    return out


NARRATION_TURN_WORDS = 60  # speakerless cues close a turn at the first sentence end past this many words


def _continues(draft: _Draft, speaker: str) -> bool:
    """Whether a cue by `speaker` extends `draft`. Named speakers' consecutive cues always merge; subtitles
    with no speakers are cut into paragraph-sized turns so that citations stay precise."""
    if draft.speaker != speaker:
        return False
    if speaker != NARRATION:
        return True
    words = sum(len(p.split()) for p in draft.parts)
    return not (words >= NARRATION_TURN_WORDS and _ends_sentence(draft))


def _ends_sentence(draft: _Draft) -> bool:
    return draft.parts[-1].rstrip("\"'»”’)]").endswith((".", "!", "?", "…"))


def _captioned_name(line: _Line) -> bool:
    """"MAN: Hey, you!": a capitalised name before mixed-case speech, as SDH captions mark a speaker."""
    return bool(line.speaker and line.speaker.isupper() and line.text and not line.text.isupper())


def _turns(cues: list[_Cue]) -> list[Turn]:
    per_cue = [(cue, [replace(line, speaker=line.speaker or cue.voice) for line in _speaker_lines(cue.lines)])
               for cue in cues]
    spoken = [lines for _, lines in per_cue if lines]
    labelled = sum(any(line.speaker and not line.bracket for line in lines) for lines in spoken)
    consistent = labelled >= MIN_LABELLED_SHARE * len(spoken)
    drafts: list[_Draft] = []
    pending: str | None = None  # named by a label alone on its line
    for cue, lines in per_cue:
        for line in lines:
            speaker, text = line.speaker, line.text
            if line.colon and not consistent and not _captioned_name(line):
                speaker, text = None, line.whole
            if not text:
                pending = speaker
                continue
            if speaker is None and pending:
                speaker = pending
            elif speaker is None:
                follows = bool(drafts) and not line.dashed and (consistent or not _ends_sentence(drafts[-1]))
                speaker = drafts[-1].speaker if follows else NARRATION
            pending = None
            if drafts and _continues(drafts[-1], speaker):
                drafts[-1].parts.append(text)
                drafts[-1].end = cue.end
            else:
                drafts.append(_Draft(speaker, cue.start, cue.end, [text]))
    return [Turn(index=i, speaker=d.speaker, text=" ".join(d.parts), start=d.start, end=d.end)
            for i, d in enumerate(drafts)]
