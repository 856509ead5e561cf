"""Whole-transcript summaries: map-reduce over every turn of one transcript in windows that fit the
model's context (with a focus, over the stretches of talk the transcript's search ranks highest for it,
up to FOCUS_WINDOWS windows). Map: the model lists each window's points tagged POINT / DECISION / ACTION /
QUESTION with the turns they come from; every point is checked against its window's turns like
answers are (`citations.verify`), empty and duplicate points are dropped. The sections (Overview,
Decisions, Action items, Open questions) are built here from the tags; the reduce call writes only
the overview, itself checked against the points' turns. Without an LLM: an extractive summary of the
most central sentences per window, with decisions and action items found by cue phrases (en/it/ru).
Summaries are kept in the index's summary cache (see `summary_cache`)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..language import detect_language, language_name
from ..lexical import strip_markup
from ..sentences import split_sentences
from ..types import Answer, Hit, Turn
from .citations import CheckedAnswer, make_citations, marker_numbers, normalise_markers, strip_markers, verify
from .postprocessors import estimate_tokens
from .prompts import default_prompts_dir, read_prompt
from .stream import AnswerStream
from .summary_cache import answer_from_dict, answer_to_dict, summary_key
from .support import EmbedFn, Similarity, SpeakerNames, key_terms

Progress = Callable[[int, int], None]
SECTIONS = ("Overview", "Decisions", "Action items", "Open questions")
KINDS = {"POINT": "Overview", "DECISION": "Decisions", "ACTION": "Action items", "QUESTION": "Open questions"}
MAP_PROMPT, REDUCE_PROMPT = "summary_map.txt", "summary_reduce.txt"
_PROMPT_ALLOWANCE = 256  # tokens for the template text and message framing
FOCUS_WINDOWS = 2  # map windows' worth of turns a focused summary reads
FOCUS_PAD = 5  # turns read either side of a passage that matches the focus
FOCUS_PASSAGES = 120  # the transcript's passages ranked for the focus
_CENTRAL_PER_WINDOW = 2
_REDUCE_MIN_POINTS = 3  # fewer points than this: the overview is the points themselves, no reduce call
_OVERVIEW_POINTS = 5  # points an overview made without the reduce call keeps
_OVERVIEW_SENTENCES = 4  # sentences of the reduce call's overview kept (the prompt asks for 2 to 4)
_DUPLICATE = 0.6  # key-term Jaccard at which a point repeats one already kept
_CUES = {
    "Decisions": re.compile(r"\b(we (have )?(decided|agreed)|let's go with|abbiamo deciso|abbiamo concordato|"
                            r"(è|e') stato deciso|решили|договорились|принято решение)\b", re.IGNORECASE),
    "Action items": re.compile(r"\b(I.ll (send|prepare|check|do)|will (send|prepare|check)|action item|"
                               r"(dovrà|dovremo|faremo|preparerà|invierà)|(нужно|необходимо|поручаю|подготовит))",
                               re.IGNORECASE),
}
_TAGGED = re.compile(r"^[\s\-*•>#\d.)]*\**\s*(POINT|DECISION|ACTION|QUESTION)S?\s*\**\s*[:：.\-–]\s*\**\s*(?P<body>.*)$",
                     re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_BRACKETS = re.compile(r"\[([\d\s,;\-–]+)\]")
_NOTHING = re.compile(r"^\W*(none|n/?a|nothing|no (decisions?|actions?|action items?|open questions?|questions?)"
                      r"( were| was)?( made| taken| raised| mentioned| recorded)?|nessun[oa]?|niente|нет|ничего)\W*$",
                      re.IGNORECASE)
_LABELS = {"Decisions": "Decision: ", "Action items": "Action: ", "Open questions": "Question: ", "Overview": ""}


@dataclass(frozen=True)
class Point:
    """One checked point of the summary: its section, its text with [n] markers where n is the turn's
    position in the transcript plus one, and those positions."""

    section: str
    text: str
    turns: tuple[int, ...]


def turn_hits(transcript_id: str, title: str, turns: Sequence[Turn]) -> list[Hit]:
    """One Hit per turn, so citation [n] is turn n-1 (Citation.turns=[turn index])."""
    return [Hit(chunk_id=f"{transcript_id}:{t.index}", transcript_id=transcript_id, title=title,
                speaker=t.speaker, turns=[t.index], text=f"{t.speaker}: {t.text}", score=1.0,
                start=t.start, end=t.end) for t in turns]


def windows(turns: Sequence[Turn], budget: int, positions: Sequence[int] | None = None) -> list[list[int]]:
    """Turn positions (all, or `positions` in order) grouped so each group's text fits `budget` tokens."""
    groups: list[list[int]] = [[]]
    used = 0
    for i in range(len(turns)) if positions is None else positions:
        cost = _turn_tokens(turns[i], i)
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(i)
        used += cost
    return [g for g in groups if g]


def _turn_tokens(turn: Turn, position: int) -> int:
    return estimate_tokens(f"[{position + 1}] {turn.speaker}: {strip_markup(turn.text)}")


def focus_positions(hits: Sequence[Hit], turns: Sequence[Turn], budget: int, pad: int = FOCUS_PAD) -> list[int]:
    """The turn positions a focused summary reads: around each passage of `hits` (the transcript's
    passages ranked for the focus, best first) its turns and `pad` turns either side, taken best first
    until `budget` tokens are used; in transcript order."""
    position = {t.index: i for i, t in enumerate(turns)}
    chosen: set[int] = set()
    used = 0
    for hit in hits:
        inside = [position[t] for t in hit.turns if t in position]
        if not inside:
            continue
        stretch = [i for i in range(max(min(inside) - pad, 0), min(max(inside) + pad + 1, len(turns)))
                   if i not in chosen]
        cost = sum(_turn_tokens(turns[i], i) for i in stretch)
        if chosen and used + cost > budget:
            break
        chosen.update(stretch)
        used += cost
    return sorted(chosen)


def _remap(text: str, mapping: Callable[[int], int]) -> str:
    """`text` with every [n] marker (also "[1, 2]", "[3-5]") rewritten as [mapping(n)][...]."""
    return _BRACKETS.sub(lambda m: "".join(f"[{mapping(n)}]" for n in marker_numbers(m.group(1))),
                         normalise_markers(text))


def parse_points(raw: str) -> list[tuple[str, str]]:
    """(section, text) of each point line the map step wrote; lines without a tag count as POINT
    when they cite a turn, headings and other lines are skipped, and so is a last line that stops
    mid-sentence (cut by the output limit)."""
    points = []
    lines = raw.strip().splitlines()
    if lines and not lines[-1].rstrip().endswith((".", "!", "?", "…", "]")):
        lines.pop()
    for line in lines:
        tagged = _TAGGED.match(line)
        if tagged:
            points.append((KINDS[tagged.group(1).upper()], tagged.group("body").strip()))
        elif _BRACKETS.search(line) and not line.strip().startswith(("#", "**")):
            points.append(("Overview", _BULLET.sub("", line).strip()))
    return points


def check_point(section: str, text: str, group: Sequence[int], hits: Sequence[Hit], similarity: Similarity | None,
                names: SpeakerNames) -> Point | None:
    """The point with its citations verified against the turns of its window (positions `group`),
    or None when it says nothing ("None") or no turn of the window supports it."""
    claim = strip_markers(normalise_markers(text))
    if not claim or _NOTHING.match(claim) or not key_terms(claim, names.terms):
        return None
    local_of = {j + 1: i + 1 for i, j in enumerate(group)}  # [n] as the window shows it -> its place in the window
    local = _remap(text, lambda n: local_of.get(n, 0))
    checked = verify(local, [hits[j].text for j in group], similarity, names)
    if not checked.passages or not strip_markers(checked.text):
        return None
    absolute = _remap(checked.text, lambda k: group[checked.passages[k - 1]] + 1)
    return Point(section=section, text=absolute, turns=tuple(group[p] for p in checked.passages))


def dedup(points: Sequence[Point], names: SpeakerNames) -> list[Point]:
    """Points without those that repeat an earlier one (shared key terms), in any section: small
    models write one statement under several tags."""
    kept: list[tuple[Point, set[str]]] = []
    for point in points:
        terms = key_terms(strip_markers(point.text), names.terms)
        if any(len(terms & t) >= _DUPLICATE * len(terms | t) for _, t in kept):
            continue
        kept.append((point, terms))
    return [p for p, _ in kept]


def _sentence(point: Point) -> str:
    """The point as one overview sentence: its text, its markers before the final stop."""
    body = strip_markers(point.text)
    stop = body[-1] if body[-1] in ".!?…" else "."
    return f"{body.rstrip('.!?…')} {''.join(f'[{t + 1}]' for t in point.turns)}{stop}"


def _points_line(point: Point) -> str:
    return f"- {_LABELS[point.section]}{point.text}"


def render(overview: str, points: Sequence[Point], hits: Sequence[Hit]) -> Answer:
    """The sectioned summary with markers renumbered 1..m in order of first appearance."""
    parts = [f"**Overview**\n{overview}"] if overview else []
    for name in SECTIONS[1:]:
        lines = [f"- {p.text}" for p in points if p.section == name]
        if lines:
            parts.append(f"**{name}**\n" + "\n".join(lines))
    text = "\n\n".join(parts)
    order: list[int] = []
    for m in _BRACKETS.finditer(text):
        for n in marker_numbers(m.group(1)):
            if n not in order:
                order.append(n)
    text = re.sub(r"[ \t]{2,}", " ", _remap(text, lambda n: order.index(n) + 1))
    checked = CheckedAnswer(text=text, passages=[n - 1 for n in order], flagged=[])
    return Answer(text=text, citations=make_citations(checked, hits))


def extractive_summary(hits: Sequence[Hit], groups: Sequence[Sequence[int]], similarity: Similarity | None,
                       focus: str | None, progress: Progress | None) -> Answer:
    """Central cited sentences of every window, decisions and action items by cue phrases."""
    overview: list[str] = []
    points: list[Point] = []
    for done, group in enumerate(groups, start=1):
        sentences = [(j, s) for j in group for s in split_sentences(strip_markup(hits[j].text.split(": ", 1)[-1]))
                     if len(s.split()) >= 4]
        if sentences:
            texts = [s for _, s in sentences]
            if similarity is not None:
                score = similarity.matrix(texts, texts).mean(axis=1)
                if focus:
                    score = score + similarity.matrix([focus], texts, left_is_query=True)[0] * 2
            else:
                score = np.array([len(t.split()) for t in texts], dtype=np.float32)
            for k in sorted(np.argsort(-score)[:_CENTRAL_PER_WINDOW]):
                j, s = sentences[int(k)]
                overview.append(f"{s.rstrip()} [{j + 1}]")
            for j, s in sentences:
                points.extend(Point(section=name, text=f"{s.rstrip()} [{j + 1}]", turns=(j,))
                              for name, cue in _CUES.items() if cue.search(s))
        if progress:
            progress(done, len(groups))
    return render(" ".join(overview), points, hits)


class _Memo:
    """An encoder function that embeds each distinct text once (a summary checks many points
    against the same window's turns)."""

    def __init__(self, fn: EmbedFn) -> None:
        self.fn = fn
        self.vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if new:
            self.vectors.update(zip(new, np.asarray(self.fn(new), dtype=np.float32)))
        return np.stack([self.vectors[t] for t in texts])


def _focus_line(focus: str | None, none_line: bool) -> str:
    if not focus:
        return ""
    return f'Keep only what bears on: "{focus}".' + (" When nothing in these turns does, write NONE." if none_line else "")


def _overview_prompt(template: str, points: Sequence[Point], language: str, focus: str | None,
                     budget: int) -> tuple[str, list[int]]:
    """The reduce prompt (points evenly thinned to fit `budget` tokens) and the turn positions its
    [n] markers number (marker n = positions[n - 1])."""
    chosen = list(points)
    while len(chosen) > 1 and sum(estimate_tokens(p.text) + 4 for p in chosen) > budget:
        chosen = chosen[::2] if len(chosen) > 3 else chosen[:-1]
    positions = sorted({t for p in chosen for t in p.turns})
    number = {t: i + 1 for i, t in enumerate(positions)}
    lines = "\n".join(_points_line(Point(p.section, _remap(p.text, lambda n: number.get(n - 1, 0)), p.turns))
                      for p in chosen)
    return template.format(points=lines, language=language, focus=_focus_line(focus, False)), positions


@dataclass
class _Summarizer:
    """One LLM summary run: `pieces()` yields each window's checked points as they are found and
    leaves the final Answer in `answer`."""

    llm: Any
    hits: list[Hit]
    groups: list[list[int]]
    similarity: Similarity | None
    names: SpeakerNames
    language: str
    focus: str | None
    map_prompt: str
    reduce_prompt: str
    reduce_budget: int
    refusal: str
    progress: Progress | None
    answer: Answer | None = None

    def pieces(self) -> Iterator[str]:
        points: list[Point] = []
        for done, group in enumerate(self.groups, start=1):
            passages = "\n".join(("…\n" if k and j != group[k - 1] + 1 else "") + f"[{j + 1}] {strip_markup(self.hits[j].text)}"
                                 for k, j in enumerate(group))  # "…": turns left out between two stretches
            prompt = self.map_prompt.format(passages=passages,
                                            language=language_name(self.language),
                                            focus=_focus_line(self.focus, True))
            found = []
            for section, text in parse_points(str(self.llm.complete(prompt))):
                point = check_point(section, text, group, self.hits, self.similarity, self.names)
                if point is not None:
                    found.append(point)
            merged = dedup(points + found, self.names)  # keeps every earlier point, so the new ones come last
            new, points = merged[len(points):], merged
            if self.progress:
                self.progress(done, len(self.groups))
            if new:
                yield "".join(_points_line(p) + "\n" for p in new)
        if not points:
            self.answer = Answer(text=self.refusal, citations=[], refused=True)
            return
        self.answer = render(self._overview(points), points, self.hits)

    def _overview(self, points: Sequence[Point]) -> str:
        """Cited overview sentences: written by the reduce call from all points when there are many,
        else (or when none of its sentences holds up) the first points themselves."""
        general = ([p for p in points if p.section == "Overview"] or [p for p in points if p.section == "Decisions"]
                   or list(points))
        fallback = " ".join(_sentence(p) for p in general[:_OVERVIEW_POINTS])
        if len(points) < _REDUCE_MIN_POINTS:
            return fallback
        prompt, positions = _overview_prompt(self.reduce_prompt, points, language_name(self.language), self.focus,
                                             self.reduce_budget)
        raw = str(self.llm.complete(prompt)).strip()
        checked = verify(" ".join(raw.split()), [self.hits[t].text for t in positions], self.similarity, self.names)
        if not checked.passages:
            return fallback
        overview = " ".join(split_sentences(checked.text)[:_OVERVIEW_SENTENCES])
        return _remap(overview, lambda k: positions[checked.passages[k - 1]] + 1)


def _final(answer: Answer, hits: Sequence[Hit]) -> AnswerStream:
    """A stream over a finished summary whose sources are its cited turns ([n] = sources[n - 1])."""
    by_turn = {h.turns[0]: h for h in hits}
    return AnswerStream.of(answer, [by_turn[c.turns[0]] for c in answer.citations])


def summarize(index: Any, transcript_id: str, focus: str | None = None, stream: bool = False,
              progress: Progress | None = None) -> Answer | AnswerStream:
    """A cited summary of one indexed transcript (see `Index.summarize`); served from the index's
    summary cache when the same transcript, focus, prompts and model were summarized before."""
    from .engine import engine_for

    engine = engine_for(index)
    record = index.manifest.transcripts[transcript_id]
    turns = index.turns(transcript_id)
    hits = turn_hits(transcript_id, record.title, turns)
    directory = default_prompts_dir()
    templates = (read_prompt(directory, MAP_PROMPT), read_prompt(directory, REDUCE_PROMPT))
    key = summary_key(record.content_hash, focus, templates, index.settings.llm, index.manifest.embedder)
    cached = index.backend.summaries.get(key)
    if cached is not None:
        answer = answer_from_dict(cached)
        if progress:
            progress(1, 1)
        return _final(answer, hits) if stream else answer
    language = detect_language(focus or " ".join(t.text for t in turns[:20]))

    def store(answer: Answer) -> Answer:
        index.backend.summaries.put(key, transcript_id, answer_to_dict(answer))
        return answer

    similarity = (Similarity(_Memo(engine.similarity.embed_fn),
                             _Memo(engine.similarity.query_embed_fn) if engine.similarity.query_embed_fn else None)
                  if engine.similarity is not None else None)
    llm_settings = index.settings.llm
    budget = max(256, llm_settings.context_window - llm_settings.max_tokens - estimate_tokens(templates[0])
                 - _PROMPT_ALLOWANCE)
    positions = None
    if focus:
        ranked = index.search(focus, k=FOCUS_PASSAGES, transcript=transcript_id)
        positions = focus_positions(ranked, turns, FOCUS_WINDOWS * budget)
    if engine.llm is None:
        answer = store(extractive_summary(hits, windows(turns, 1500, positions), similarity, focus, progress))
        return _final(answer, hits) if stream else answer
    run = _Summarizer(llm=engine.llm, hits=hits, groups=windows(turns, budget, positions), similarity=similarity,
                      names=SpeakerNames.of(record.speakers), language=language, focus=focus,
                      map_prompt=templates[0], reduce_prompt=templates[1],
                      reduce_budget=max(256, llm_settings.context_window - llm_settings.max_tokens
                                        - estimate_tokens(templates[1]) - _PROMPT_ALLOWANCE),
                      refusal=engine.prompts.refusal(language), progress=progress)

    def finish(_raw: str) -> Answer:
        assert run.answer is not None
        return run.answer if run.answer.refused else store(run.answer)

    if stream:
        return AnswerStream(run.pieces(), finish, engine.prompts.refusal(language), hits)
    for _ in run.pieces():
        pass
    return finish("")
