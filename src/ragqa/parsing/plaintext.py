"""Plain-text transcripts (.txt, .md): "Name: text" paragraphs, a dateline, a source line.

A turn starts where a paragraph (or, inside a paragraph that starts with a label, a line) begins
with a speaker label (see labels.py: "Name:", "[Name]", "Name (00:01:02)", a "[Name] 00:01:02" header
line); unlabelled paragraphs continue the current turn. Unlabelled text before the first label is
narration, one turn per paragraph. Narration too, with what follows up to the next label: a Markdown
heading after the first paragraph ("## Part 2", its text) and a paragraph wholly in brackets
("[Scene: ...]", "(They all stare)"); a Markdown rule ("---") is dropped. A name in capitals alone
on its line ("MONICA", "JOEY (V.O.)") is a screenplay speaker when the file has at least three such
lines and one name comes twice; a scene heading ("INT. ...") there is narration. Not speakers: an
all-capitals phrase of several words used once ("MORE IMPORTANTLY:"), and section markers
("**Break:**"): the text after a marker is narration. `char_start:char_end` of each turn is the span
of its text in the decoded source (paragraph breaks inside it as written; `text` joins them with
"\\n\\n").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ragqa.errors import ParseError
from ragqa.parsing.dates import parse_dateline
from ragqa.parsing.labels import (
    Label,
    match_bracket,
    match_header,
    match_label,
    match_name_over_time,
    match_time_range,
    plausible_speaker,
)
from ragqa.sentences import split_sentences
from ragqa.types import NARRATION, SourceProblem, Transcript, Turn

_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_NON_SPACE = re.compile(r"\S")
_SOURCE = re.compile(
    r"\(?\s*(?:Fonte|Fonti|Source|Sources|Источник|Quelle|Fuente)\s*:\s*(?P<source>[^()\n]+?)\s*\)?\s*",
    re.IGNORECASE,
)
_HEADING = re.compile(r"#{1,6}[ \t]+(?P<title>[^\n]+?)[ \t#]*")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})[ \t]*")
_SCREENPLAY_NAME = re.compile(r"[ \t]*(?P<name>[^\W\d_a-z][^\W_a-z]*(?:[ .'-]+[^\W_a-z]+){0,2})"
                              r"[ \t]*(?:\((?:V\.O\.|O\.S\.|O\.C\.|CONT'D|CONT|OFF)\))?[ \t]*")
_DIRECTION = re.compile(r"\[[^\[\]]*\]|\([^()]*\)")  # "[Scene: Central Perk.]", "(They all stare.)"
_SCENE = re.compile(r"(?:INT|EXT|CUT|FADE|DISSOLVE|THE END)\b")
_MIN_SCREENPLAY_NAMES = 3
# Section markers of podcast and show transcripts, written like labels.
_MARKERS = frozenset("break intro introduction outro ad ads advert sponsor sponsors interlude music transcript "
                     "summary chapters notes note update edit timestamps links".split())

Span = tuple[int, int]


@dataclass
class _Segment:
    speaker: str | None  # None: no label, the text continues the current turn
    span: Span  # the text, without the label
    start: float | None = None
    line_start: int = 0  # where the line with the label begins


@dataclass
class _Draft:
    speaker: str
    start: float | None
    spans: list[Span] = field(default_factory=list)


def parse_plaintext(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse one plain-text transcript; its id is the file stem."""
    blocks = _paragraphs(text)
    if not blocks:
        raise ParseError(path, "no text")
    transcript = Transcript(id=stem, turns=[], title=stem)
    source = _SOURCE.fullmatch(text, *blocks[-1])
    if source and len(blocks) > 1:
        transcript.source = source.group("source")
        blocks.pop()
    heading = _HEADING.fullmatch(text, *blocks[0])
    if heading and len(blocks) > 1:
        transcript.title = heading.group("title")
        blocks.pop(0)
    screenplay = _is_screenplay(text, blocks)
    segments = _checked([segment for block in blocks for segment in _segments(text, block, screenplay)], text)
    if segments and segments[0].speaker is None:
        dateline = parse_dateline(text[slice(*segments[0].span)])
        if dateline:
            transcript.date, transcript.place = dateline.date, dateline.place
            if dateline.summary and not heading:
                transcript.title = _first_sentence(dateline.summary)
    transcript.turns = _turns(text, segments)
    if not transcript.turns:
        raise ParseError(path, "speaker labels but no text" if segments else "no text")
    return [transcript], []


def _paragraphs(text: str) -> list[Span]:
    """Spans of the non-blank paragraphs, trimmed of surrounding whitespace."""
    spans = []
    begin = 0
    for gap in [*_BLANK_LINES.finditer(text), None]:
        end = gap.start() if gap else len(text)
        span = _trim(text, begin, end)
        if span[0] < span[1]:
            spans.append(span)
        if gap:
            begin = gap.end()
    return spans


def _trim(text: str, start: int, end: int) -> Span:
    first = _NON_SPACE.search(text, start, end)
    if not first:
        return end, end
    end_trimmed = end
    while end_trimmed > first.start() and text[end_trimmed - 1].isspace():
        end_trimmed -= 1
    return first.start(), end_trimmed


def _segments(text: str, block: Span, screenplay: bool) -> list[_Segment]:
    """A paragraph as one unlabelled segment, or split at every labelled line if its first line is labelled."""
    start, end = block
    line_end = _line_end(text, start, end)
    label = _label(text, start, line_end, end, screenplay)
    if label is None:
        if _RULE.fullmatch(text, start, end):  # a Markdown rule "---" is no text
            return []
        heading = _HEADING.fullmatch(text, start, end)
        if heading:  # a Markdown heading "## Part 2" is narration
            return [_Segment(NARRATION, heading.span("title"))]
        scene = screenplay and _SCENE.match(text, start)  # "INT. CENTRAL PERK - DAY" is narration
        return [_Segment(NARRATION if scene or _DIRECTION.fullmatch(text, start, end) else None, block)]
    segments: list[_Segment] = []
    current = _Segment(label.speaker, (label.end, end), label.start, start)
    while line_end < end:
        line_start = line_end + 1
        line_end = _line_end(text, line_start, end)
        label = _label(text, line_start, line_end, end, screenplay)
        if label:
            segments.append(_Segment(current.speaker, _trim(text, current.span[0], line_start), current.start,
                                     current.line_start))
            current = _Segment(label.speaker, (label.end, end), label.start, line_start)
    segments.append(_Segment(current.speaker, _trim(text, *current.span), current.start, current.line_start))
    return segments


def _label(text: str, start: int, end: int, block_end: int, screenplay: bool) -> Label | None:
    found = (match_label(text, start, end) or match_header(text, start, end) or match_bracket(text, start, end)
             or match_name_over_time(text, start, block_end) or match_time_range(text, start, end))
    if found is None and screenplay:
        name = _screenplay_name(text, start, end)
        found = Label(name, end, None) if name else None
    return found


def _screenplay_name(text: str, start: int, end: int) -> str | None:
    match = _SCREENPLAY_NAME.fullmatch(text, start, end)
    if not match or _SCENE.match(match.group("name")) or not plausible_speaker(match.group("name")):
        return None
    return match.group("name")


def _is_screenplay(text: str, blocks: list[Span]) -> bool:
    """At least three paragraphs open with a name in capitals alone on its line, one name twice."""
    names = []
    for start, end in blocks:
        line_end = _line_end(text, start, end)
        if line_end < end and not match_label(text, start, line_end):
            name = _screenplay_name(text, start, line_end)
            if name:
                names.append(name)
    return len(names) >= _MIN_SCREENPLAY_NAMES and len(set(names)) < len(names)


def _checked(segments: list[_Segment], text: str) -> list[_Segment]:
    """Undo labels that are not speakers: section markers (narration), and capitalised phrases used once
    in a file whose speakers are mostly not written in capitals ("MR. HECKLES:" in a script of capitals stays)."""
    counts: dict[str, int] = {}
    for segment in segments:
        if segment.speaker:
            counts[segment.speaker] = counts.get(segment.speaker, 0) + 1
    capitals = sum(n for name, n in counts.items() if name.isupper()) * 2 > sum(counts.values())
    out = []
    for segment in segments:
        name = segment.speaker
        if name and name.lower().strip("* ") in _MARKERS:
            segment = _Segment(NARRATION, segment.span)
        elif name and counts[name] == 1 and len(name.split()) > 1 and name.isupper() and not capitals:
            segment = _Segment(None, _trim(text, segment.line_start, segment.span[1]))
        out.append(segment)
    return out


def _line_end(text: str, start: int, end: int) -> int:
    newline = text.find("\n", start, end)
    return end if newline < 0 else newline


def _turns(text: str, segments: list[_Segment]) -> list[Turn]:
    drafts: list[_Draft] = []
    in_dialogue = False
    for segment in segments:
        if segment.speaker == NARRATION:  # a section marker or scene heading: narration, and so is what follows
            drafts.append(_Draft(NARRATION, segment.start, [segment.span]))
            in_dialogue = True
        elif segment.speaker is not None:
            drafts.append(_Draft(segment.speaker, segment.start, [segment.span]))
            in_dialogue = True
        elif in_dialogue:
            drafts[-1].spans.append(segment.span)
        else:
            drafts.append(_Draft(NARRATION, None, [segment.span]))
    turns: list[Turn] = []
    for draft in drafts:
        spans = [span for span in draft.spans if span[0] < span[1]]
        if spans:
            turns.append(Turn(
                index=len(turns),
                speaker=draft.speaker,
                text="\n\n".join(text[a:b] for a, b in spans),
                start=draft.start,
                char_start=spans[0][0],
                char_end=spans[-1][1],
            ))
    return turns


def _first_sentence(summary: str) -> str:
    return (split_sentences(summary) or [""])[0].rstrip(".")
