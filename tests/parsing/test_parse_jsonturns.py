"""JSON and JSON Lines transcripts: real QMSum/kremlin shapes and broken files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragqa.parsing import parse_file
from ragqa.types import NARRATION


def test_qmsum_turn_indices_are_list_positions(samples: Path) -> None:
    path = samples / "qmsum_Bed010_first40.jsonl"
    raw = json.loads(path.read_text(encoding="utf-8"))
    transcripts, problems = parse_file(path)
    assert problems == []
    (t,) = transcripts
    assert (t.id, t.title, t.meta, t.path) == ("Bed010", "Bed010", {"domain": "Academic"}, str(path))
    assert raw["turns"][0]["text"] == ""  # the original's empty first turn is dropped, not renumbered
    assert [turn.index for turn in t.turns] == list(range(1, 40))
    for turn in t.turns:
        assert (turn.speaker, turn.text) == (raw["turns"][turn.index]["speaker"],
                                             raw["turns"][turn.index]["text"].strip())


def test_kremlin_jsonl(samples: Path) -> None:
    transcripts, problems = parse_file(samples / "kremlin_sample.jsonl")
    assert problems == []
    assert [(t.id, t.date, len(t.turns)) for t in transcripts] == [
        ("kremlin-en-17691", "2013-03-18", 32), ("kremlin-en-60370", "2019-04-25", 9)]
    first = transcripts[0]
    assert first.title == "Meeting with Russian Direct Investment Fund CEO Kirill Dmitriev"
    assert first.url == "http://en.kremlin.ru/events/president/news/17691"
    assert first.meta == {"n_speakers": 3}
    assert first.turns[0].speaker == NARRATION
    assert first.speakers[:3] == ["President of Russia Vladimir Putin", "Vladimir Putin", "Kirill Dmitriev"]


def test_single_pretty_printed_object(samples: Path) -> None:
    (t,), problems = parse_file(samples / "kremlin_17162.json")
    assert problems == []
    assert (t.id, t.date, len(t.turns), t.turns[-1].index) == ("kremlin-en-17162", "2012-12-18", 8, 7)
    assert t.turns[3].speaker == "Sergei Chemezov"


def test_bare_list_of_turns(bad: Path) -> None:
    (t,), problems = parse_file(bad / "json_list_of_turns.json")
    assert problems == []
    assert (t.id, [turn.index for turn in t.turns]) == ("json_list_of_turns", [0, 1, 2])
    assert t.speakers == ["President of Russia Vladimir Putin", "Vladimir Putin", "Sergei Chemezov"]


def test_malformed_turns_keep_their_numbers(bad: Path) -> None:
    path = bad / "json_malformed_turns.json"
    (t,), problems = parse_file(path)
    assert [(turn.index, turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        (0, "Vladimir Putin", "Caro Kassym-Jomart Kemelevich!", 1.5, 3.25),
        (5, "Kassym-Jomart Tokayev", "Grazie.", None, None),
        (7, NARRATION, "No speaker: narration.", None, None),
        (8, "Vladimir Putin", "Vi aspettiamo.", 9.0, 10.0)]
    assert [p.message for p in problems] == [
        "transcript 'mixed': skipped 4 malformed turn(s) (numbers 1, 2, 3, 6); a turn is "
        "{speaker, text, start?, end?}",
        "transcript 'mixed': ignored invalid start/end times in 1 turn(s) (numbers 5); a time is seconds "
        "or hh:mm:ss.fff"]
    assert {p.path for p in problems} == {str(path)}


def test_list_of_objects_with_bad_members(bad: Path) -> None:
    transcripts, problems = parse_file(bad / "json_multi_objects.json")
    assert [(t.id, t.date, t.meta) for t in transcripts] == [
        ("m-1", "2025-10-10", {}), ("json_multi_objects#2", None, {"domain": "Test"})]
    assert [p.message for p in problems] == [
        "object #3: expected a transcript object {id, turns: [{speaker, text}]}, 'turns' is an object",
        "object #4: expected a transcript object {id, turns: [{speaker, text}]}, found a string"]


@pytest.mark.parametrize(("name", "message", "line"), [
    ("json_wrong_shape_number.json",
     "expected a transcript object {id, turns: [{speaker, text}]} or a list of them, found a number", None),
    ("json_wrong_shape_object.json", "expected a transcript object {id, turns: [{speaker, text}]}, "
                                     "no 'turns' field", None),
    ("json_turns_not_list.json", "expected a transcript object {id, turns: [{speaker, text}]}, "
                                 "'turns' is a string", None),
    ("json_truncated.json", "invalid JSON: Unterminated string starting at (column 18)", 17),
    ("json_empty_list.json", "empty list: no transcripts", None),
    ("json_no_text_turns.json", "transcript 'silent' has no turns with text", None),
])
def test_broken_json_gives_one_problem(bad: Path, name: str, message: str, line: int | None) -> None:
    transcripts, problems = parse_file(bad / name)
    assert transcripts == []
    assert [(p.path, p.message, p.line) for p in problems] == [(str(bad / name), message, line)]


def test_deeply_nested_json(bad: Path) -> None:
    transcripts, (problem,) = parse_file(bad / "deeply_nested.json")
    assert transcripts == [] and problem.message.startswith("invalid JSON: maximum recursion depth")


def test_jsonl_bad_line_does_not_stop_the_others(bad: Path) -> None:
    transcripts, problems = parse_file(bad / "jsonl_one_bad_line.jsonl")
    assert [t.id for t in transcripts] == ["kremlin-en-17162", "kremlin-en-60370"]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(2, "invalid JSON")]


def test_jsonl_blank_lines_shapes_and_repeated_id(bad: Path) -> None:
    path = bad / "jsonl_blank_lines_and_bad_shapes.jsonl"
    transcripts, problems = parse_file(path)
    assert [(t.id, len(t.turns)) for t in transcripts] == [("kremlin-en-17162", 8)]
    assert [(p.line, p.message) for p in problems] == [
        (5, "expected a transcript object {id, turns: [{speaker, text}]}, found a list"),
        (6, "expected a transcript object {id, turns: [{speaker, text}]}, no 'turns' field"),
        (None, f"duplicate transcript id 'kremlin-en-17162' (first read from {path}); skipped")]


def test_json_lines_saved_as_json(bad: Path) -> None:
    transcripts, problems = parse_file(bad / "jsonl_as_json.json")
    assert problems == []
    assert [t.id for t in transcripts] == ["kremlin-en-17162", "kremlin-en-60370"]


def test_missing_ids_use_the_file_stem_and_position(tmp_path: Path) -> None:
    path = tmp_path / "meetings.jsonl"
    lines = [{"turns": [{"speaker": "A", "text": f"meeting {n}"}]} for n in range(3)]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    transcripts, problems = parse_file(path)
    assert problems == []
    assert [t.id for t in transcripts] == ["meetings#1", "meetings#2", "meetings#3"]


def test_many_identical_problems_are_summarised(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps({"qid": n, "question": "?"}) for n in range(20)), encoding="utf-8")
    transcripts, problems = parse_file(path)
    assert transcripts == []
    assert [p.line for p in problems] == [1, 2, 3, 4, 5, 6]
    assert problems[-1].message.endswith("no 'turns' field (and 15 more lines like this)")


def test_times_and_odd_field_types(tmp_path: Path) -> None:
    path = tmp_path / "timed.json"
    path.write_text(json.dumps({
        "id": 7, "title": "  Timed\n talk ", "date": "sometime", "url": 3,
        "turns": [{"speaker": 1, "text": " hi ", "start": "00:00:01.5", "end": 2},
                  {"speaker": None, "text": "note"}]}), encoding="utf-8")
    (t,), problems = parse_file(path)
    assert problems == []
    assert (t.id, t.title, t.date, t.url, t.meta) == ("7", "Timed talk", None, None, {"date": "sometime"})
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        ("1", "hi", 1.5, 2.0), (NARRATION, "note", None, None)]
