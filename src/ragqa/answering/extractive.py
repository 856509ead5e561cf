"""The `none` backend: an answer made of the passages' own best sentences, cited, with no model.

Sentences are ranked by similarity to the question (the encoder, query side) plus shared key terms
and numbers; nothing is said when no sentence is relevant enough.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..types import Hit
from .citations import CheckedAnswer
from ..sentences import split_sentences
from .support import NO_NAMES, Similarity, SpeakerNames, key_terms, numbers

RELEVANT_SIMILARITY = 0.42  # normalised question-sentence similarity that is enough alone
WEAK_SIMILARITY = 0.28  # enough together with a shared key term or number
CONFIDENT_SIMILARITY = 0.55  # above every unanswerable demo question (max 0.48; docs/quality.md, "Answers")
MAX_SENTENCES = 2
_MARKER = re.compile(r"\[(\d+)\]")  # a transcript's own "[1]" must not read as one of our citations


@dataclass(frozen=True)
class _Candidate:
    passage: int
    first: int  # sentence range [first, last] within the passage
    last: int
    text: str
    score: float

    def overlaps(self, other: "_Candidate") -> bool:
        return self.passage == other.passage and self.first <= other.last and other.first <= self.last


def _spans(hit: Hit) -> list[tuple[int, int, str]]:
    """Single sentences and pairs of consecutive sentences of the passage (a fact is often split
    over two: "... trade volume ... . Last year it reached 28 billion."), without the speaker label."""
    text = hit.text
    if hit.speaker and text.startswith(hit.speaker + ":"):
        text = text[len(hit.speaker) + 1:]
    sentences = [s for s in split_sentences(text) if len(s.split()) >= 3]
    pairs = [(i, i + 1, f"{a} {b}") for i, (a, b) in enumerate(zip(sentences, sentences[1:]))]
    return [(i, i, s) for i, s in enumerate(sentences)] + pairs


def extractive_answer(question: str, hits: Sequence[Hit], similarity: Similarity | None,
                      names: SpeakerNames = NO_NAMES, relevant_similarity: float = RELEVANT_SIMILARITY,
                      weak_similarity: float = WEAK_SIMILARITY) -> CheckedAnswer | None:
    """The best supporting sentences, each cited to its passage; None when nothing is relevant
    (similarity to the question at least `relevant_similarity`, or `weak_similarity` with a shared
    key term or number)."""
    spans = [(j, first, last, text) for j, hit in enumerate(hits) for first, last, text in _spans(hit)]
    if not spans:
        return None
    q_terms, q_numbers = key_terms(question, names.terms), numbers(question)
    sims = (similarity.matrix([names.strip(question)], [names.strip(text) for *_, text in spans],
                              left_is_query=True)[0] if similarity is not None else None)
    candidates: list[_Candidate] = []
    for i, (j, first, last, text) in enumerate(spans):
        shared = len(q_terms & key_terms(text, names.terms)) + len(q_numbers & numbers(text))
        if sims is None:
            relevant, score = shared > 0, float(shared)
        else:
            sim = float(sims[i])
            relevant = sim >= relevant_similarity or (shared > 0 and sim >= weak_similarity)
            score = sim + 0.05 * shared
        if relevant:
            candidates.append(_Candidate(passage=j, first=first, last=last, text=text, score=score))
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):  # best first, no overlapping spans
        if len(chosen) < MAX_SENTENCES and not any(candidate.overlaps(c) for c in chosen):
            chosen.append(candidate)
    if not chosen:
        return None
    order: list[int] = []
    lines = []
    for candidate in chosen:
        if candidate.passage not in order:
            order.append(candidate.passage)
        speaker = hits[candidate.passage].speaker
        said = _MARKER.sub(r"#\1", candidate.text)
        quote = f'{speaker}: "{said}"' if speaker else said
        lines.append(f"{quote} [{order.index(candidate.passage) + 1}]")
    return CheckedAnswer(text="\n".join(lines), passages=order, flagged=[])


def confident_extract(question: str, hits: Sequence[Hit], similarity: Similarity | None,
                      names: SpeakerNames = NO_NAMES) -> CheckedAnswer | None:
    """The extractive answer when the passages clearly hold one (the fallback after the model
    refused them): stricter than `extractive_answer`, so questions they do not answer stay refused."""
    if similarity is None:
        return None
    return extractive_answer(question, hits, similarity, names, relevant_similarity=CONFIDENT_SIMILARITY,
                             weak_similarity=CONFIDENT_SIMILARITY)
