"""Citation markers in a generated answer: parse, verify against the passages, renumber.

Every `[n]` must name a retrieved passage that supports its sentence (see `support`). Unsupported
or out-of-range markers are removed (and reported as flagged); a sentence whose numbers appear in
none of its cited passages is removed; an uncited sentence gets the passage that supports it or is
removed. The surviving citations are renumbered 1..m in order of first appearance.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..types import Citation, Hit
from .support import NO_NAMES, Evidence, Similarity, SpeakerNames, evidence_matrix, key_terms, numbers

_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:,|;|-|–|and|e|и)\s*\d{1,3})*)\s*\]")
_LOOSE_MARKER = re.compile(  # forms small models write instead of [n]
    r"[\[(【]\s*(?:passage|passage n°|passaggio|passaggi|fragment|fragmento|pasaje|source|quelle|abschnitt|"
    r"источник|фрагмент|пассаж)?\s*#?\s*(\d{1,3})\s*[\])】]", re.IGNORECASE)
_MARKER_AFTER_STOP = re.compile(r"([.!?…])((?:\s*\[\d[^\]\n]*\])+)")
_MARKER_OPENING_LINE = re.compile(r"(?m)^([ \t]*)((?:\[\d[^\]\n]*\][ \t]*)+)(?=\w)(.*)$")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
_SEPARATOR = re.compile(r"((?<=[.!?…])\s+|\n+)")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?…])")


def _marker_to_sentence_end(match: re.Match[str]) -> str:
    indent, markers, rest = match.group(1), match.group(2).replace(" ", "").replace("\t", ""), match.group(3)
    end = _SENTENCE_END.search(rest)
    at = end.start() if end else len(rest.rstrip())
    return f"{indent}{rest[:at].rstrip()} {markers}{rest[at:]}"


def normalise_markers(text: str) -> str:
    """Rewrite loose forms ("[Passage 2]", "(2)", "【2】") as [2]; move markers that open a line to the
    end of its first sentence ("[1] fact." -> "fact [1].", the passages' own layout) and markers written
    after a sentence's full stop in front of it ("fact. [1]" -> "fact [1].")."""
    text = _LOOSE_MARKER.sub(lambda m: f"[{m.group(1)}]", text)
    text = _MARKER_OPENING_LINE.sub(_marker_to_sentence_end, text)
    return _MARKER_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text)


def marker_numbers(group: str) -> list[int]:
    """Numbers of one marker's inside: "1, 2" -> [1, 2]; "1-3" -> [1, 2, 3]."""
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and|e|и)\s*", group.strip()):
        bounds = re.split(r"\s*[-–]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            out.extend(range(lo, hi + 1) if 0 < hi - lo < 10 else [lo, hi])
        elif part.isdigit():
            out.append(int(part))
    return out


def cited_numbers(text: str) -> list[int]:
    """All [n] numbers in `text`, in order (duplicates kept)."""
    return [n for m in _MARKER.finditer(normalise_markers(text)) for n in marker_numbers(m.group(1))]


def strip_markers(text: str) -> str:
    """`text` without citation markers."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _MARKER.sub("", text)).strip()


@dataclass
class _Sentence:
    text: str
    separator: str
    markers: list[int]  # as written, in order
    kept: list[int] = field(default_factory=list)  # 0-based passage indices that support it
    dropped: bool = False


@dataclass
class CheckedAnswer:
    """A verified answer: text with renumbered markers, the cited passages in marker order."""

    text: str
    passages: list[int]  # 0-based indices into the retrieved passages; marker n = passages[n - 1]
    flagged: list[int]  # marker numbers (as the model wrote them) removed as unsupported or invalid


def _segments(text: str) -> list[_Sentence]:
    parts = _SEPARATOR.split(text)
    sentences = []
    for i in range(0, len(parts), 2):
        sentence = parts[i]
        separator = parts[i + 1] if i + 1 < len(parts) else ""
        markers = [n for m in _MARKER.finditer(sentence) for n in marker_numbers(m.group(1))]
        sentences.append(_Sentence(text=sentence, separator=separator, markers=markers))
    return sentences


def _cover(kept: list[int], claim_numbers: set[str], row: list[Evidence], passages: Sequence[str]) -> list[int]:
    """Passages that together support a claim and carry all its numbers: the cited ones that
    support it, completed (or, when none does, replaced) by the best supporting passages; [] when
    the claim cannot be covered."""
    ranked = sorted((j for j, ev in enumerate(row) if ev.supports),
                    key=lambda j: (-len(row[j].shared_numbers), -(row[j].similarity or 0.0),
                                   -len(row[j].shared_terms), j))
    kept = list(kept) or ranked[:1]
    missing = claim_numbers - set().union(*(numbers(passages[j]) for j in kept)) if kept else claim_numbers
    for number in sorted(missing):
        j = next((j for j in ranked if number in numbers(passages[j])), None)
        if j is None:
            return []
        if j not in kept:
            kept.append(j)
    return kept


_DATED_YEAR = re.compile(r"(?P<date>\b\d{1,2}(?:st|nd|rd|th)?\s+[^\W\d]{3,}|\b[^\W\d]{3,}\s+\d{1,2}(?:st|nd|rd|th)?)"
                         r",?\s+(?P<year>(?:19|20)\d\d)\b")


def _drop_added_years(sentence: str, passage_numbers: set[str]) -> str:
    """The sentence without the year a model added to a day and month no passage dates with it
    ("on November 12, 2025" when the passages say only "il 12 novembre")."""
    return _DATED_YEAR.sub(lambda m: m.group() if m.group("year") in passage_numbers else m.group("date"),
                           sentence)


def verify(text: str, passages: Sequence[str], similarity: Similarity | None,
           names: SpeakerNames = NO_NAMES) -> CheckedAnswer:
    """Check every citation of `text` against `passages` (numbered from 1) and renumber. A year the
    model added to a date is removed first (`_drop_added_years`)."""
    sentences = _segments(normalise_markers(text))
    passage_numbers: set[str] = set().union(*map(numbers, passages))
    for sentence in sentences:
        sentence.text = _drop_added_years(sentence.text, passage_numbers)
    claims = [strip_markers(s.text) for s in sentences]
    evidence = evidence_matrix(claims, passages, similarity, names)
    flagged: list[int] = []
    for sentence, claim, row in zip(sentences, claims, evidence):
        claim_numbers = numbers(claim)
        if sentence.markers:
            valid = [n for n in dict.fromkeys(sentence.markers) if 1 <= n <= len(passages)]
            sentence.kept = [n - 1 for n in valid if row[n - 1].supports]
            flagged.extend(n for n in dict.fromkeys(sentence.markers) if n - 1 not in sentence.kept)
        if not (claim_numbers or key_terms(claim, names.terms)):
            continue  # no claim ("Thank you.") - kept as written, markers kept if they are valid
        sentence.kept = _cover(sentence.kept, claim_numbers, row, passages)
        if not sentence.kept:
            flagged.extend(n for n in dict.fromkeys(sentence.markers) if n not in flagged)
            sentence.dropped = True
    order: list[int] = []
    for sentence in sentences:
        for j in sentence.kept:
            if j not in order:
                order.append(j)
    new_number = {j: i + 1 for i, j in enumerate(order)}
    pieces: list[str] = []
    for sentence in sentences:
        if sentence.dropped:
            continue
        pieces.append(_rewrite(sentence, new_number) + sentence.separator)
    return CheckedAnswer(text=_tidy("".join(pieces)), passages=order, flagged=sorted(set(flagged)))


def _rewrite(sentence: _Sentence, new_number: dict[int, int]) -> str:
    """The sentence with each marker mapped to the new numbers of its kept passages; a kept passage
    no marker named (a repaired or added citation) goes before the final full stop."""
    placed: set[int] = set()

    def replace(match: re.Match[str]) -> str:
        kept = [n - 1 for n in marker_numbers(match.group(1)) if n - 1 in sentence.kept and n - 1 not in placed]
        placed.update(kept)
        return "".join(f"[{new_number[j]}]" for j in kept)

    text = _MARKER.sub(replace, sentence.text)
    extra = "".join(f"[{new_number[j]}]" for j in sentence.kept if j not in placed)
    if not extra:
        return text
    stripped = text.rstrip()
    body = stripped.rstrip(".!?…:;")
    return f"{body.rstrip()} {extra}{stripped[len(body):]}{text[len(stripped):]}"


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+(\[\d)", r" \1", text)
    text = re.sub(r"\s+\[", " [", text)
    text = re.sub(r",\s*(\[\d)", r" \1", text)
    text = re.sub(r"\]\s+([.,;:!?…])", r"]\1", text)
    text = re.sub(r"^[\s.,;:!?…]+", "", text)  # what a dropped or empty first sentence left
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip()


def make_citations(checked: CheckedAnswer, hits: Sequence[Hit]) -> list[Citation]:
    """Citation objects for the passages a checked answer cites, numbered as in its text."""
    return [hits[j].cited_as(n) for n, j in enumerate(checked.passages, start=1)]
