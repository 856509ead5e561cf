"""Whole-meeting summaries on QMSum val meetings: ragqa's `Index.summarize` side by side with
LlamaIndex's `SummaryIndex` + `tree_summarize`, both driven by the same LLM object.

    flock /tmp/ragqa-heavy.lock python -m bench.summaries --meetings TS3010a --json out.json

Per meeting: "Summarize the whole meeting." and every QMSum question the summary router sends to a
summary (with the router's focus; LlamaIndex gets the question as written). ROUGE-1/2/L F1
(rouge-score, stemmed) against the QMSum answer where there is one (val has answers for the topic
questions only), seconds per summary and per 1,000 words, the share of summary sentences with a
verified citation, and the physical floor: the prompt tokens the model read divided by its prompt rate.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from .common import DATA, Table, read_jsonl, save_results, workdir

WHOLE = "Summarize the whole meeting."
_HEADING = re.compile(r"^\*\*[^*]+\*\*$")
_MARK = re.compile(r"\[\d+\]")


class _Timings:
    """Sums llama.cpp's timings over every LLM call (llama-index instrumentation events)."""

    def __init__(self) -> None:
        self.prompt_n = self.predicted_n = 0
        self.prompt_ms = self.predicted_ms = 0.0
        self.calls = 0
        self.outputs: list[str] = []  # what the model wrote, call by call
        self._last: Any = None

    def add(self, raw: Any) -> bool:
        """Count one request's timings; False for a request already counted (a completion that runs
        as a chat fires both events, with the same timings)."""
        timings = (raw or {}).get("timings") if isinstance(raw, dict) else None
        if not timings or timings == self._last:
            return False
        self._last = timings
        self.calls += 1
        self.prompt_n += int(timings.get("prompt_n", 0))
        self.prompt_ms += float(timings.get("prompt_ms", 0.0))
        self.predicted_n += int(timings.get("predicted_n", 0))
        self.predicted_ms += float(timings.get("predicted_ms", 0.0))
        return True


def _listen(timings: list[_Timings]) -> None:
    """Route every LLM call's raw response into `timings[-1]`."""
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMCompletionEndEvent

    class Handler(BaseEventHandler):
        @classmethod
        def class_name(cls) -> str:
            return "bench_summary_timings"

        def handle(self, event: Any, **kwargs: Any) -> None:
            if isinstance(event, (LLMChatEndEvent, LLMCompletionEndEvent)) and event.response is not None:
                if timings[-1].add(getattr(event.response, "raw", None)):
                    message = getattr(event.response, "message", None)
                    timings[-1].outputs.append(str(message.content if message is not None else event.response.text))

    get_dispatcher().add_event_handler(Handler())


def sentences(text: str) -> list[str]:
    """Summary sentences and bullets (section headings left out)."""
    from ragqa.sentences import split_sentences

    return [s for s in split_sentences(text) if not _HEADING.match(s.strip()) and re.search(r"\w", _MARK.sub("", s))]


def cited_share(text: str) -> float:
    found = sentences(text)
    return sum(bool(_MARK.search(s)) for s in found) / len(found) if found else 0.0


def rouge(prediction: str, reference: str) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    plain = _MARK.sub("", " ".join(s.lstrip("- ") for s in sentences(prediction)))  # no headings or markers
    return {k: 100 * v.fmeasure for k, v in scorer.score(reference, plain).items()}


def peer_summary(llm: Any, text: str, query: str) -> str:
    """LlamaIndex's own whole-document summary: SummaryIndex over the meeting, tree_summarize."""
    from llama_index.core import Document, SummaryIndex

    index = SummaryIndex.from_documents([Document(text=text)])
    return str(index.as_query_engine(response_mode="tree_summarize", llm=llm).query(query))


def run(meetings: list[str], with_peer: bool, max_topics: int, whole: bool = True) -> Table:
    import ragqa
    from ragqa.answering.engine import engine_for
    from ragqa.answering.summary_router import summary_request
    from ragqa.lexical import strip_markup
    from ragqa.settings import Settings

    rows = {r["meeting_id"]: r for r in read_jsonl(DATA / "qmsum-val" / "transcripts.jsonl")}
    questions = read_jsonl(DATA / "qmsum-val" / "questions.jsonl")
    table = Table("Summaries of QMSum val meetings (ROUGE F1 x100 against the QMSum answer)",
                  ["meeting", "words", "query", "system", "R-1", "R-2", "R-L", "s", "s/1k words", "cited",
                   "floor s"])
    timings: list[_Timings] = [_Timings()]
    _listen(timings)
    with workdir("bench-summaries") as tmp:
        source = tmp / "meetings.jsonl"
        source.write_text("".join(json.dumps(rows[m], ensure_ascii=False) + "\n" for m in meetings), encoding="utf-8")
        index = ragqa.build_index([source], tmp / "index", settings=Settings(threads=2))
        llm = engine_for(index).llm
        ids = {info.title: info.id for info in index.transcripts()} | {info.id: info.id for info in index.transcripts()}
        for meeting in meetings:
            tid = ids[meeting]
            turns = index.turns(tid)
            words = sum(len(t.text.split()) for t in turns)
            text = "\n".join(f"{t.speaker}: {strip_markup(t.text)}" for t in turns)  # as ragqa's map step reads it
            topics: list[tuple[str, str | None, str | None]] = []
            for q in questions:
                routed, focus = summary_request(q["question"])
                if q["meeting_id"] == meeting and routed:
                    topics.append((q["question"], focus or q["question"], q["answer"]))
            queries = ([(WHOLE, None, None)] if whole else []) + topics[:max_topics]
            for query, focus, reference in queries:
                systems = [("ragqa", lambda: index.summarize(tid, focus=focus).text)]
                if with_peer:
                    systems.append(("LlamaIndex tree_summarize", lambda: peer_summary(llm, text, query)))
                for system, make in systems:
                    timings.append(_Timings())
                    started = time.perf_counter()
                    summary = make()
                    seconds = time.perf_counter() - started
                    t = timings[-1]
                    floor = t.prompt_ms / 1000  # prompt tokens / prompt rate
                    scores = rouge(summary, reference) if reference else {}
                    record = {"meeting": meeting, "words": words, "query": query, "focus": focus, "system": system,
                              "seconds": seconds, "summary": summary, "reference": reference, "rouge": scores,
                              "cited_share": cited_share(summary), "llm_calls": t.calls, "prompt_tokens": t.prompt_n,
                              "prompt_seconds": t.prompt_ms / 1000, "generated_tokens": t.predicted_n,
                              "generation_seconds": t.predicted_ms / 1000, "floor_seconds": floor,
                              "llm_outputs": t.outputs}
                    table.data.append(record)
                    table.add(meeting, words, query[:60], system, scores.get("rouge1"), scores.get("rouge2"),
                              scores.get("rougeL"), seconds, 1000 * seconds / words, record["cited_share"], floor)
                    print(json.dumps({k: v for k, v in record.items() if k not in ("summary", "reference", "llm_outputs")}),
                          flush=True)
    table.notes.append("floor s: prompt tokens read by the model / its measured prompt rate (llama.cpp timings)")
    table.notes.append("cited: share of summary sentences and bullets carrying a verified [n] citation")
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", nargs="+", default=["TS3010a"], help="QMSum val meeting ids")
    parser.add_argument("--topics", type=int, default=2, help="topic questions per meeting (besides the whole one)")
    parser.add_argument("--no-peer", action="store_true", help="ragqa only")
    parser.add_argument("--no-whole", action="store_true", help="topic questions only, no whole-meeting summary")
    parser.add_argument("--json", type=Path, help="also write the table and every summary here")
    args = parser.parse_args(argv)
    table = run(args.meetings, not args.no_peer, args.topics, not args.no_whole)
    print(table.render())
    if args.json:
        save_results(args.json, [table])


if __name__ == "__main__":
    main()
