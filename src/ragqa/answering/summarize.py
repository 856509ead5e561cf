"""Whole-transcript summaries: map-reduce over every turn of one transcript in windows that fit the
model's context (map = cited points per window, reduce = one sectioned summary), citations checked
against the turns like answers are. Without an LLM: an extractive summary of the most central
sentences per window, with decisions and action items found by cue phrases (en/it/ru)."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..types import Answer, Hit, Turn
from .citations import CheckedAnswer, make_citations, verify
from .language import language_name, question_language
from .postprocessors import estimate_tokens
from .prompts import _read, default_prompts_dir
from .stream import AnswerStream
from .support import NO_NAMES, Similarity, split_sentences

Progress = Callable[[int, int], None]
SECTIONS = ("Overview", "Decisions", "Action items", "Open questions")
_PROMPT_ALLOWANCE = 256  # tokens for the template text and message framing
_CENTRAL_PER_WINDOW = 2
_CUES = {
    "Decisions": re.compile(r"\b(we (have )?(decided|agreed)|let's go with|abbiamo deciso|abbiamo concordato|"
                            r"(è|e') stato deciso|решили|договорились|принято решение)\b", re.IGNORECASE),
    "Action items": re.compile(r"\b(I.ll (send|prepare|check|do)|will (send|prepare|check)|action item|"
                               r"(dovrà|dovremo|faremo|preparerà|invierà)|(нужно|необходимо|поручаю|подготовит))",
                               re.IGNORECASE),
}


def turn_hits(transcript_id: str, title: str, turns: Sequence[Turn]) -> list[Hit]:
    """One Hit per turn, so citation [n] is turn n-1 (Citation.turns=[turn index])."""
    return [Hit(chunk_id=f"{transcript_id}:{t.index}", transcript_id=transcript_id, title=title,
                speaker=t.speaker, turns=[t.index], text=f"{t.speaker}: {t.text}", score=1.0,
                start=t.start, end=t.end) for t in turns]


def windows(turns: Sequence[Turn], budget: int) -> list[list[int]]:
    """Consecutive turn positions grouped so each group's text fits `budget` tokens."""
    groups: list[list[int]] = [[]]
    used = 0
    for i, turn in enumerate(turns):
        cost = estimate_tokens(f"[{i + 1}] {turn.speaker}: {turn.text}")
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(i)
        used += cost
    return [g for g in groups if g]


def _render(sections: dict[str, list[str]]) -> str:
    parts = []
    for name in SECTIONS:
        lines = sections.get(name) or []
        if name == "Overview":
            parts.append(f"**{name}**\n" + " ".join(lines))
        elif lines:
            parts.append(f"**{name}**\n" + "\n".join(f"- {line}" for line in lines))
    return "\n\n".join(parts)


def extractive_summary(hits: Sequence[Hit], groups: Sequence[Sequence[int]], similarity: Similarity | None,
                       focus: str | None, progress: Progress | None) -> tuple[str, list[int]]:
    """Sections of central cited sentences; returns the text and the hit positions it cites (in order)."""
    sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
    cited: list[int] = []
    for done, group in enumerate(groups, start=1):
        sentences = [(j, s) for j in group for s in split_sentences(hits[j].text.split(": ", 1)[-1])
                     if len(s.split()) >= 4]
        if sentences:
            texts = [s for _, s in sentences]
            if similarity is not None:
                m = similarity.matrix(texts, texts)
                score = m.mean(axis=1)
                if focus:
                    score = score + similarity.matrix([focus], texts, left_is_query=True)[0] * 2
            else:
                score = np.array([len(t.split()) for t in texts], dtype=np.float32)
            for k in sorted(np.argsort(-score)[:_CENTRAL_PER_WINDOW]):
                j, s = sentences[int(k)]
                sections["Overview"].append((j, s))  # type: ignore[arg-type]
            for j, s in sentences:
                for name, cue in _CUES.items():
                    if cue.search(s):
                        sections[name].append((j, s))  # type: ignore[arg-type]
        if progress:
            progress(done, len(groups))
    numbered: dict[str, list[str]] = {}
    for name, items in sections.items():
        lines = []
        for j, s in items:  # type: ignore[misc]
            if j not in cited:
                cited.append(j)
            lines.append(f"{s.rstrip()} [{cited.index(j) + 1}]")
        numbered[name] = lines
    return _render(numbered), cited


def _numbered(hits: Sequence[Hit], positions: Sequence[int]) -> str:
    return "\n".join(f"[{j + 1}] {hits[j].text}" for j in positions)


def _focus_line(focus: str | None) -> str:
    return f'Keep only what bears on: "{focus}".' if focus else ""


def summarize(index: Any, transcript_id: str, focus: str | None = None, stream: bool = False,
              progress: Progress | None = None) -> Answer | AnswerStream:
    """A cited summary of one indexed transcript (see `Index.summarize`)."""
    from .engine import engine_for

    engine = engine_for(index)
    record = index.manifest.transcripts[transcript_id]
    turns = index.turns(transcript_id)
    hits = turn_hits(transcript_id, record.title, turns)
    llm_settings = index.settings.llm
    language = question_language(focus or " ".join(t.text for t in turns[:20]))
    if engine.llm is None:
        groups = windows(turns, 1500)
        text, cited = extractive_summary(hits, groups, engine.similarity, focus, progress)
        answer = Answer(text=text, citations=make_citations(CheckedAnswer(text=text, passages=cited, flagged=[]), hits))
        return AnswerStream.of(answer) if stream else answer
    directory = default_prompts_dir()
    map_prompt, reduce_prompt = _read(directory, "summary_map.txt"), _read(directory, "summary_reduce.txt")
    budget = max(256, llm_settings.context_window - llm_settings.max_tokens - estimate_tokens(map_prompt)
                 - _PROMPT_ALLOWANCE)
    groups = windows(turns, budget)
    points: list[str] = []
    for done, group in enumerate(groups, start=1):
        prompt = map_prompt.format(passages=_numbered(hits, group), language=language_name(language),
                                   focus=_focus_line(focus))
        points.append(str(engine.llm.complete(prompt)).strip())
        if progress:
            progress(done, len(groups))
    raw = reduce_prompt.format(points="\n".join(points), language=language_name(language),
                               focus=_focus_line(focus))
    checked = verify(str(engine.llm.complete(raw)).strip(), [h.text for h in hits], engine.similarity, NO_NAMES)
    answer = Answer(text=checked.text, citations=make_citations(checked, hits), flagged=checked.flagged,
                    refused=not checked.passages)
    return AnswerStream.of(answer) if stream else answer
