"""The summary router on a labelled set of en/it/ru questions (tests/data/summary_router.tsv)."""
from pathlib import Path

from ragqa.answering.summary_router import summary_request

_SET = Path(__file__).parents[1] / "data" / "summary_router.tsv"


def _labelled() -> list[tuple[bool, str]]:
    rows = [line.split("\t", 1) for line in _SET.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return [(label == "1", question) for label, question in rows]


def test_router_precision_and_recall_on_labelled_set():
    rows = _labelled()
    predicted = [(gold, summary_request(q)[0]) for gold, q in rows]
    tp = sum(g and p for g, p in predicted)
    precision = tp / max(1, sum(p for _, p in predicted))
    recall = tp / sum(g for g, _ in predicted)
    assert len(rows) >= 40
    assert precision >= 0.9 and recall >= 0.85, (precision, recall)


def test_router_focus():
    assert summary_request("Summarize the discussion about the budget.") == (True, "the budget")
    assert summary_request("Everything Tokayev said about investment") == (True, "Tokayev said about investment")
    assert summary_request("Tutto quello che Putin ha detto sul gas?") == (True, "Putin ha detto sul gas")
    assert summary_request("Всё, что Токаев сказал об энергетике") == (True, "Токаев сказал об энергетике")
    assert summary_request("Summarize the meeting.") == (True, None)
    assert summary_request("Who is the prime minister?") == (False, None)
