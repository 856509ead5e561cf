"""Whole-transcript summaries with the extractive `none` backend on real samples."""
import re

import pytest

import ragqa
from ragqa.answering.citations import cited_numbers
from ragqa.answering.summarize import (FOCUS_PAD, FOCUS_PASSAGES, Point, _turn_tokens, check_point, dedup, focus_positions, parse_points,
                                      render, turn_hits, windows)
from ragqa.answering.support import SpeakerNames
from ragqa.settings import Settings


@pytest.fixture(scope="module")
def qmsum_index(tmp_path_factory):
    sample = "tests/data/samples/qmsum_Bed010_first40.jsonl"
    return ragqa.build_index([sample], tmp_path_factory.mktemp("summary") / "index",
                             settings=Settings(threads=2, llm={"backend": "none"}))


def test_windows_cover_every_turn_in_order_within_budget(qmsum_index):
    turns = qmsum_index.turns(qmsum_index.transcripts()[0].id)
    groups = windows(turns, 400)
    assert [i for g in groups for i in g] == list(range(len(turns)))
    assert len(groups) > 1


def test_focus_reads_the_stretches_around_the_best_passages_within_budget(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    turns = qmsum_index.turns(tid)
    ranked = qmsum_index.search("German synthesis module for English sentences", k=20, transcript=tid)
    position = {t.index: i for i, t in enumerate(turns)}
    best = [position[t] for t in ranked[0].turns]
    small, large = focus_positions(ranked, turns, 150), focus_positions(ranked, turns, 600)
    assert small == sorted(small) and set(small) <= set(large) < set(range(len(turns)))
    assert set(range(max(min(best) - FOCUS_PAD, 0), max(best) + FOCUS_PAD + 1)) <= set(small)
    assert sum(_turn_tokens(turns[i], i) for i in large) <= 600
    assert any("synthesis" in turns[i].text for i in small)
    groups = windows(turns, 400, large)
    assert [i for g in groups for i in g] == large


def test_focused_summary_cites_only_the_turns_it_read(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    focus = "the German synthesis module"
    answer = qmsum_index.summarize(tid, focus=focus)
    turns = qmsum_index.turns(tid)
    read = {turns[i].index for i in focus_positions(qmsum_index.search(focus, k=60, transcript=tid), turns, 10 ** 6)}
    assert answer.citations and {c.turns[0] for c in answer.citations} <= read


def test_points_of_a_window_with_gaps_cite_the_turns_shown(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    turns = qmsum_index.turns(tid)
    hits = turn_hits(tid, "Bed010", turns)
    where = next(i for i, t in enumerate(turns) if "Robert and Johno" in t.text)
    group = [1, where, where + 3]  # a window of three stretches: markers are the turns' own numbers
    similarity, names = _similarity(qmsum_index), SpeakerNames.of(sorted({t.speaker for t in turns}))
    point = check_point("Overview", f"Robert and Johno give a report on last week's adventures [{where + 1}].", group,
                        hits, similarity, names)
    assert point is not None and point.turns == (where,) and point.text.endswith(f"[{where + 1}].")
    shown_elsewhere = check_point("Overview", f"Robert and Johno report on the adventures [{where + 2}].", group, hits,
                                  similarity, names)  # turn where+1 is not in the window: never cited
    assert shown_elsewhere is None or set(shown_elsewhere.turns) <= set(group)


def test_extractive_summary_cites_turns_of_every_window(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    calls = []
    answer = qmsum_index.summarize(tid, progress=lambda done, total: calls.append((done, total)))
    assert answer.text.startswith("**Overview**")
    assert calls and calls[-1][0] == calls[-1][1]
    numbers = set(cited_numbers(answer.text))
    assert numbers == {c.n for c in answer.citations}
    turns = {t.index: t.text for t in qmsum_index.turns(tid)}
    for citation in answer.citations:
        assert citation.transcript_id == tid and len(citation.turns) == 1
        assert citation.quote.split(": ", 1)[1] == turns[citation.turns[0]]
    decisions = re.search(r"\*\*Decisions\*\*\n(.*?)(\n\n|$)", answer.text, re.S)
    assert decisions and "decided" in decisions.group(1)


def test_seed_summary_in_italian(seed_index):
    tid = seed_index.transcripts()[0].id
    answer = seed_index.summarize(tid, stream=True)
    text = "".join(answer)
    assert "[1]" in text and answer.answer.citations


def test_ask_routes_summary_questions_of_one_transcript(qmsum_index):
    routed = qmsum_index.ask("What was decided?")
    assert routed.text.startswith("**Overview**") and routed.citations
    normal = qmsum_index.ask("Which system are they adapting?")
    assert not normal.text.startswith("**Overview**")


def _similarity(index):
    from ragqa.answering.engine import engine_for

    return engine_for(index).similarity


def test_map_lines_parse_into_sections_and_skip_headings():
    raw = ("Here are the main points:\n**Main points**\n- POINT: The team reviewed the demo [3][4].\n"
           "DECISION: They will use the Heidelberg parser [7].\n2. **ACTION**: PhD A will start the system [9-10].\n"
           "QUESTION: None.\n- The budget came up [12].\nACTION: The team will")
    assert parse_points(raw) == [("Overview", "The team reviewed the demo [3][4]."),
                                 ("Decisions", "They will use the Heidelberg parser [7]."),
                                 ("Action items", "PhD A will start the system [9-10]."),
                                 ("Open questions", "None."), ("Overview", "The budget came up [12].")]


def test_points_are_checked_against_their_window(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    turns = qmsum_index.turns(tid)
    hits = turn_hits(tid, "Bed010", turns)
    group = list(range(len(turns)))
    where = next(i for i, t in enumerate(turns) if "Robert and Johno" in t.text)
    similarity, names = _similarity(qmsum_index), SpeakerNames.of(sorted({t.speaker for t in turns}))
    wrong = 2 if where != 2 else 3  # a turn that says nothing of it ("Thank you .")
    point = check_point("Overview", f"Robert and Johno give a report on last week's adventures [{wrong}].", group,
                        hits, similarity, names)
    assert point is not None and point.turns == (where,) and point.text.endswith(f"[{where + 1}].")
    assert check_point("Decisions", "None [4].", group, hits, similarity, names) is None
    assert check_point("Decisions", "No decisions were made.", group, hits, similarity, names) is None
    again = Point("Overview", f"Robert and Johno report on last week's adventures [{where + 1}].", (where,))
    other = Point("Decisions", f"Robert and Johno give a report on last week's adventures [{where + 1}].", (where,))
    assert dedup([point, again, other], names) == [point]


def test_render_numbers_markers_in_order_and_cites_every_line(qmsum_index):
    tid = qmsum_index.transcripts()[0].id
    hits = turn_hits(tid, "Bed010", qmsum_index.turns(tid))
    points = [Point("Decisions", "They report first [9].", (8,)), Point("Action items", "PhD A starts [5][9].", (4, 8))]
    answer = render("The meeting opened [12].", points, hits)
    assert answer.text == ("**Overview**\nThe meeting opened [1].\n\n**Decisions**\n- They report first [2].\n\n"
                           "**Action items**\n- PhD A starts [3][2].")
    assert [c.turns for c in answer.citations] == [hits[11].turns, hits[8].turns, hits[4].turns]


def test_whole_transcript_question_over_several_transcripts_asks_to_pick(tmp_path, seed_path):
    index = ragqa.build_index([seed_path, "tests/data/samples/qmsum_Bed010_first40.jsonl"], tmp_path / "index",
                              settings=Settings(threads=2, llm={"backend": "none"}))
    answer = index.ask("Summarize what was said about the syntax trees")
    assert answer.text.startswith("This asks about a whole transcript, and the index holds 2.")
    assert "1. Bed010 (id Bed010) [1]" in answer.text and answer.citations[0].transcript_id == "Bed010"
    assert {c.transcript_id for c in answer.citations} <= {t.id for t in index.transcripts()}
    italian = index.ask("Riassumi l'incontro", stream=True)
    assert "".join(italian).startswith("La domanda riguarda un'intera trascrizione")
    routed = index.ask("Summarize the meeting", transcript="Bed010")
    assert routed.text.startswith("**Overview**")
