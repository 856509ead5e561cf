"""The scoring of `python -m bench.kremlin_facts` (issue #29): which returned passages hold a question's evidence
sentence, first-hit ranks and Hit@k / MRR, the distractor selection, and the dev set itself (every evidence
sentence verbatim on its page)."""
from __future__ import annotations

import json

import pytest

from bench import kremlin_facts as kf
from bench.common import CORPORA
from ragqa.types import Hit

QUESTION = kf.FactQuestion("en07", "en", "How long is the dam in the flooded area of the Volgograd Region?",
                           "kremlin-en-57252", "We have a dam there, which is 1.7 kilometres long.")


def _hit(page: str, text: str) -> Hit:
    return Hit(chunk_id="c", transcript_id=page, title="", speaker="Andrei Bocharov", turns=[1], text=text, score=0.0)


def test_a_passage_holds_the_evidence_on_its_page_only():
    passage = ("Andrei Bocharov: We have a dam there, which is 1.7 kilometres long. The shift in the wind direction "
               "towards the dam and gusts with speeds of 16 to 20 metres per second put essentially the entire local "
               "community at risk.")
    assert kf.holds_evidence(_hit("kremlin-en-57252", passage), QUESTION)
    assert kf.holds_evidence(_hit("kremlin-en-57252", passage.replace("  ", " ").replace("We have", "We have\n")),
                             QUESTION)  # spacing does not matter
    assert not kf.holds_evidence(_hit("kremlin-en-60396", passage), QUESTION)  # same words, another page
    assert not kf.holds_evidence(_hit("kremlin-en-57252", "Andrei Bocharov: Of the 81 settlements, 21 remain "
                                                          "flooded."), QUESTION)


def test_typographic_dashes_and_quotes_match_plain_ones():
    q = kf.FactQuestion("x", "en", "?", "p", "Our daily production is estimated at 11.3 million barrels – I believe.")
    assert kf.holds_evidence(_hit("p", "Our daily production is estimated at 11.3 million barrels - I believe."), q)


def test_first_hit_rank_and_scores():
    miss, good = _hit("kremlin-en-57252", "Of the 81 settlements, 21 remain flooded."), \
        _hit("kremlin-en-57252", "We have a dam there, which is 1.7 kilometres long.")
    assert kf.first_hit_rank([miss, miss, good], QUESTION) == 3
    assert kf.first_hit_rank([miss], QUESTION) is None
    s = kf.scores([1, 3, None, 6])
    assert s["n"] == 4
    assert s["hit1"] == pytest.approx(0.25) and s["hit5"] == pytest.approx(0.5)
    assert s["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)


def test_distractors_are_a_fixed_choice_around_the_needed_pages():
    pages = [{"doc_id": f"p{i}"} for i in range(30)]
    chosen = kf.select_pages(pages, {"p3", "p17"}, 10)
    ids = [p["doc_id"] for p in chosen]
    assert len(ids) == 10 and {"p3", "p17"} <= set(ids)
    assert ids == sorted(ids, key=lambda s: int(s[1:]))  # file order kept
    assert ids == [p["doc_id"] for p in kf.select_pages(pages, {"p3", "p17"}, 10)]
    assert kf.select_pages(pages, {"p3"}, None) == pages


def test_the_dev_set_quotes_its_pages():
    questions = kf.load_fact_questions()
    assert len(questions) >= 60 and len({q.page for q in questions}) >= 40
    langs = [q.lang for q in questions]
    assert all(langs.count(lang) >= 20 for lang in ("it", "ru", "en"))
    if not CORPORA["kremlin"].exists():
        pytest.skip("kremlin-en is not on this machine")
    needed = {q.page for q in questions}
    text = {}
    with open(CORPORA["kremlin"], encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["doc_id"] in needed:
                assert row["n_speakers"] >= 2
                text[row["doc_id"]] = "\n".join(t["text"] for t in row["turns"])
    for q in questions:
        assert q.evidence in text[q.page], q.qid
