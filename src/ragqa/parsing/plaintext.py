"""Plain-text transcripts (.txt, .md): "Name: text" paragraphs, a dateline, a source line.

A turn starts where a paragraph (or, inside a paragraph that starts with a label, a line) begins
with a speaker label; unlabelled paragraphs continue the current turn. Unlabelled text before the
first label is narration, one turn per paragraph. `char_start:char_end` of each turn is the span of
its text in the decoded source (paragraph breaks inside it as written; `text` joins them with "\\n\\n").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ragqa.errors import ParseError
from ragqa.parsing.dates import parse_dateline
from ragqa.parsing.labels import match_label
from ragqa.types import NARRATION, SourceProblem, Transcript, Turn

_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_NON_SPACE = re.compile(r"\S")
_SOURCE = re.compile(
    r"\(?\s*(?:Fonte|Fonti|Source|Sources|Источник|Quelle|Fuente)\s*:\s*(?P<source>[^()\n]+?)\s*\)?\s*",
    re.IGNORECASE,
)
_HEADING = re.compile(r"#{1,6}[ \t]+(?P<title>[^\n]+?)[ \t#]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")

Span = tuple[int, int]


@dataclass
class _Segment:
    speaker: str | None  # None: no label, the text continues the current turn
    span: Span  # the text, without the label
    start: float | None = None


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
    segments = [segment for block in blocks for segment in _segments(text, block)]
    if segments[0].speaker is None:
        dateline = parse_dateline(text[slice(*segments[0].span)])
        if dateline:
            transcript.date, transcript.place = dateline.date, dateline.place
            if dateline.summary and not heading:
                transcript.title = _first_sentence(dateline.summary)
    transcript.turns = _turns(text, segments)
    if not transcript.turns:
        raise ParseError(path, "speaker labels but no text")
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


def _segments(text: str, block: Span) -> list[_Segment]:
    """A paragraph as one unlabelled segment, or split at every labelled line if its first line is labelled."""
    start, end = block
    line_end = _line_end(text, start, end)
    label = match_label(text, start, line_end)
    if label is None:
        return [_Segment(None, block)]
    segments: list[_Segment] = []
    current = _Segment(label.speaker, (label.end, end), label.start)
    while line_end < end:
        line_start = line_end + 1
        line_end = _line_end(text, line_start, end)
        label = match_label(text, line_start, line_end)
        if label:
            segments.append(_Segment(current.speaker, _trim(text, current.span[0], line_start), current.start))
            current = _Segment(label.speaker, (label.end, end), label.start)
    segments.append(_Segment(current.speaker, _trim(text, *current.span), current.start))
    return segments


def _line_end(text: str, start: int, end: int) -> int:
    newline = text.find("\n", start, end)
    return end if newline < 0 else newline


def _turns(text: str, segments: list[_Segment]) -> list[Turn]:
    drafts: list[_Draft] = []
    in_dialogue = False
    for segment in segments:
        if segment.speaker is not None:
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
    return _SENTENCE_END.split(summary, maxsplit=1)[0].rstrip(".")
