"""JSON (.json) and JSON Lines (.jsonl) transcripts.

Each transcript is an object `{id|meeting_id|doc_id, title?, date?, url?, turns: [{speaker, text,
start?, end?}]}`; other top-level fields go to `meta`. Turn indices are positions in `turns`, always:
empty turns are dropped without renumbering (QMSum gold turn numbers refer to these positions).
A .json file holds one object, a list of objects, or a bare list of turns. The turn list may also be
called `segments` (whisper, whisperX), `utterances` (AssemblyAI, Deepgram) or `meeting_transcripts` (QMSum),
and a turn's text `content` or `transcript` (Deepgram nests `utterances` in `results`). Times are seconds,
except in `utterances` whose times are all whole numbers: AssemblyAI's milliseconds.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ragqa.errors import ParseError
from ragqa.parsing.dates import parse_date
from ragqa.parsing.labels import timestamp_seconds
from ragqa.types import NARRATION, SourceProblem, Transcript, Turn

_ID_KEYS = ("id", "meeting_id", "doc_id")
# Lists of turns under other names: whisper/whisperX "segments", AssemblyAI "utterances", QMSum meeting files.
_TURN_KEYS = ("turns", "segments", "utterances", "meeting_transcripts")
_TEXT_KEYS = ("text", "content", "transcript")
_FIELDS = frozenset({*_ID_KEYS, *_TURN_KEYS, "title", "date", "url", "place", "source"})
_SHAPE = "a transcript object {id, turns: [{speaker, text}]}"
_MAX_LISTED = 5  # malformed turn numbers quoted in one problem message


def parse_json(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse a .json file: one transcript object, a list of them, or a bare list of turns."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _is_json(text.split("\n", 1)[0]):  # JSON Lines saved as .json
            return parse_jsonl(text, path, stem)
        raise ParseError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(path, f"invalid JSON: {exc}") from None
    if isinstance(data, list) and data and all(isinstance(x, dict) and "turns" not in x
                                               and any(k in x for k in _TEXT_KEYS) for x in data):
        data = {"turns": data}
    if isinstance(data, dict):
        transcript, found = _transcript(data, path, stem, where="")
        return [transcript], found
    if not isinstance(data, list):
        raise ParseError(path, f"expected {_SHAPE} or a list of them, found {_kind(data)}")
    if not data:
        raise ParseError(path, "empty list: no transcripts")
    transcripts: list[Transcript] = []
    problems: list[SourceProblem] = []
    for n, obj in enumerate(data, start=1):
        try:
            transcript, found = _transcript(obj, path, f"{stem}#{n}", where=f"object #{n}: ")
        except ParseError as exc:
            problems.append(SourceProblem(path, exc.message))
            continue
        transcripts.append(transcript)
        problems.extend(found)
    return transcripts, _collapse(problems)


def parse_jsonl(text: str, path: str, stem: str) -> tuple[list[Transcript], list[SourceProblem]]:
    """Parse a .jsonl file, one transcript object a line; a bad line is reported and skipped."""
    transcripts: list[Transcript] = []
    problems: list[SourceProblem] = []
    n = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        n += 1
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ParseError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", number) from None
            except (ValueError, RecursionError) as exc:
                raise ParseError(path, f"invalid JSON: {exc}", number) from None
            transcript, found = _transcript(obj, path, f"{stem}#{n}", where="", line=number)
        except ParseError as exc:
            problems.append(SourceProblem(path, exc.message, exc.line))
            continue
        transcripts.append(transcript)
        problems.extend(found)
    return transcripts, _collapse(problems)


def _collapse(problems: list[SourceProblem]) -> list[SourceProblem]:
    """At most _MAX_LISTED problems with one message, then one counting the rest."""
    counts: dict[str, int] = {}
    kept: list[SourceProblem] = []
    rest: dict[str, list[SourceProblem]] = {}
    for problem in problems:
        counts[problem.message] = counts.get(problem.message, 0) + 1
        if counts[problem.message] <= _MAX_LISTED:
            kept.append(problem)
        else:
            rest.setdefault(problem.message, []).append(problem)
    for message, more in rest.items():
        kept.append(SourceProblem(more[0].path, f"{message} (and {len(more)} more lines like this)", more[0].line))
    return kept


def _transcript(obj: Any, path: str, default_id: str, where: str,
                line: int | None = None) -> tuple[Transcript, list[SourceProblem]]:
    if not isinstance(obj, dict):
        raise ParseError(path, f"{where}expected {_SHAPE}, found {_kind(obj)}", line)
    results = obj.get("results")  # Deepgram: {"metadata": ..., "results": {"utterances": [...]}}
    holder = results if isinstance(results, dict) and _turn_list(results.get("utterances")) else obj
    key = next((k for k in _TURN_KEYS if _turn_list(holder.get(k))), "turns")
    raw_turns = holder.get(key)
    if not isinstance(raw_turns, list):
        found = "no 'turns' field" if raw_turns is None else f"'turns' is {_kind(raw_turns)}"
        raise ParseError(path, f"{where}expected {_SHAPE}, {found}", line)
    tid = next((str(obj[k]).strip() for k in _ID_KEYS
                if isinstance(obj.get(k), (str, int)) and str(obj[k]).strip()), default_id)
    turns: list[Turn] = []
    malformed: list[int] = []
    bad_times: list[int] = []
    for index, raw in enumerate(raw_turns):
        turn = _turn(index, raw, bad_times)
        if turn is None:
            malformed.append(index)
        elif turn.text:
            turns.append(turn)
    if key == "utterances" and _milliseconds(raw_turns):
        turns = [replace(t, start=_ms(t.start), end=_ms(t.end)) for t in turns]
    problems = []
    if malformed:
        problems.append(SourceProblem(
            path, f"{where}transcript {tid!r}: skipped {len(malformed)} malformed turn(s) "
                  f"(numbers {_listed(malformed)}); a turn is {{speaker, text, start?, end?}}", line))
    if bad_times:
        problems.append(SourceProblem(
            path, f"{where}transcript {tid!r}: ignored invalid start/end times in {len(bad_times)} turn(s) "
                  f"(numbers {_listed(bad_times)}); a time is seconds or hh:mm:ss.fff", line))
    if not turns:
        raise ParseError(path, f"{where}transcript {tid!r} has no turns with text", line)
    date_text = obj.get("date")
    date = parse_date(date_text) if isinstance(date_text, str) else None
    meta = {k: v for k, v in obj.items() if k not in _FIELDS}
    if date_text is not None and date is None:
        meta["date"] = date_text
    return Transcript(
        id=tid,
        turns=turns,
        title=_text(obj.get("title")) or tid,
        date=date,
        place=_text(obj.get("place")),
        url=_text(obj.get("url")),
        source=_text(obj.get("source")),
        meta=meta,
    ), problems


def _turn(index: int, raw: Any, bad_times: list[int]) -> Turn | None:
    """The turn at `index`, or None when it is malformed (empty text gives a turn with text "").

    Invalid start/end times are dropped and the index is added to `bad_times`.
    """
    text = next((raw[k] for k in _TEXT_KEYS if isinstance(raw.get(k), str)), None) if isinstance(raw, dict) else None
    if text is None:
        return None
    speaker = raw.get("speaker")
    if speaker is None:
        speaker = NARRATION
    elif isinstance(speaker, (str, int)) and not isinstance(speaker, bool):
        speaker = " ".join(str(speaker).split())
    else:
        return None
    try:
        start, end = _seconds(raw.get("start")), _seconds(raw.get("end"))
    except ValueError:
        start = end = None
        bad_times.append(index)
    return Turn(index=index, speaker=speaker, text=text.strip(), start=start, end=end)


def _milliseconds(raw_turns: list[Any]) -> bool:
    """AssemblyAI's utterances give whole milliseconds; seconds (Deepgram) have fractions."""
    times = [raw.get(k) for raw in raw_turns if isinstance(raw, dict) for k in ("start", "end") if k in raw]
    return bool(times) and all(isinstance(t, int) and not isinstance(t, bool) for t in times)


def _ms(value: float | None) -> float | None:
    return None if value is None else value / 1000


def _turn_list(value: Any) -> bool:
    """Whether `value` is a list of turn-like objects (some carry a text field)."""
    return isinstance(value, list) and any(isinstance(x, dict) and any(k in x for k in _TEXT_KEYS) for x in value)


def _seconds(value: Any) -> float | None:
    """Seconds from a number or "hh:mm:ss.fff"; None when absent. Raises ValueError when invalid."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    seconds = timestamp_seconds(value) if isinstance(value, str) else None
    if seconds is None:
        raise ValueError(f"not a time: {value!r}")
    return seconds


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:_MAX_LISTED])) + (", ..." if len(numbers) > _MAX_LISTED else "")


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _text(value: Any) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
