"""Follow-up questions in conversations over the demo corpus (data/: the Italian seed and 40 English
en.kremlin.ru transcripts), in English, Italian and Russian (tests/data/conversations.jsonl).

Each conversation is played turn by turn through `Index.chat`, every answer fed back as history
(with its citations, as the UI and the CLI do). For the last question, whose answer is a fact:
- found@5: a passage holding the fact is among the 5 passages searched for the question (and, as a
  ceiling for the transcript carry-over, when the right transcript is given),
- answered: the answer states the fact and cites a passage holding it,
side by side with the same last question asked alone (`Index.ask`, no conversation). Also: the share
of follow-ups rewritten (first questions and questions that stand alone skip the rewrite) and the
time the rewrite step adds.

    python -m bench.conversations [--backend none|llamacpp] [--json out.json]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ragqa.answering.chat import answer_plan, plan_search, top_transcript
from ragqa.answering.conversation import read_conversation
from ragqa.answering.engine import engine_for
from ragqa.index import Index, build_index, load_index
from ragqa.settings import Settings
from ragqa.types import Answer, Hit

from .common import DEFAULT_CACHE, REPO, Table, machine, read_jsonl, save_results

CONVERSATIONS = REPO / "tests" / "data" / "conversations.jsonl"
CORPUS = REPO / "data"
SEARCH_K = 5


def demo_index(cache: Path, settings: Settings) -> Index:
    """The demo corpus index, built once into `cache`."""
    path = cache / "demo-index"
    if not (path / "manifest.json").exists():
        build_index([CORPUS], path, settings=settings, force=True)
    return load_index(path, settings=settings)


def holds(hits: list[Hit], transcript: str, forms: list[str]) -> bool:
    return any(h.transcript_id == transcript and any(f in h.text for f in forms) for h in hits)


def answered(answer: Answer, case: dict[str, Any]) -> bool:
    """States the fact and cites a passage of the right transcript that holds it."""
    text = answer.text.lower()
    return not answer.refused and any(f.lower() in text for f in case["in_answer"]) and any(
        c.transcript_id == case["transcript"] and any(f in c.quote for f in case["in_passage"])
        for c in answer.citations)


def play(index: Index, case: dict[str, Any]) -> dict[str, Any]:
    """Play one conversation; measure its last question with and without the conversation."""
    messages: list[dict[str, Any]] = []
    rewrites: list[dict[str, Any]] = []
    answer: Answer | None = None
    llm = engine_for(index).llm
    for question in case["turns"]:
        messages.append({"role": "user", "content": question})
        started = time.perf_counter()
        plan = plan_search(read_conversation(messages), index.speakers(), llm,
                           locate=lambda text: top_transcript(index, text))
        rewrites.append({"method": plan.method, "seconds": time.perf_counter() - started,
                         "follow_up": len(messages) > 1})
        answer = answer_plan(index, plan)  # what Index.chat does, with the plan kept for the table
        messages.append({"role": "assistant", "content": answer.text, **answer.to_dict()})
    assert answer is not None
    last = case["turns"][-1]
    alone = index.ask(last)
    searched = answer.standalone_question or last
    return {
        "id": case["id"], "standalone": searched, "rewrites": rewrites,
        "found_chat": holds(index.search(searched, k=SEARCH_K, transcript=plan.transcript),
                            case["transcript"], case["in_passage"]),
        "found_alone": holds(index.search(last, k=SEARCH_K), case["transcript"], case["in_passage"]),
        "found_scoped": holds(index.search(searched, k=SEARCH_K, transcript=case["transcript"]),
                              case["transcript"], case["in_passage"]),
        "answered_chat": answered(answer, case), "answered_alone": answered(alone, case),
        "answer": answer.text,
    }


def run(backend: str, cache: Path) -> list[Table]:
    settings = Settings(threads=2, llm={"backend": backend})
    index = demo_index(cache, settings)
    cases = read_jsonl(CONVERSATIONS)
    results = []
    for case in cases:
        result = play(index, case)
        results.append(result)
        print(f"{result['id']}: {result['standalone']!r} found={result['found_chat']} "
              f"answered={result['answered_chat']} | {result['answer'][:100]!r}", file=sys.stderr, flush=True)
    n = len(results)
    table = Table(f"Follow-up questions, demo corpus, {n} conversations (backend {backend})",
                  ["last question", f"found@{SEARCH_K}", "answered with the fact, cited"])
    table.add("asked alone (no conversation)", sum(r["found_alone"] for r in results) / n,
              sum(r["answered_alone"] for r in results) / n)
    table.add("in the conversation (Index.chat)", sum(r["found_chat"] for r in results) / n,
              sum(r["answered_chat"] for r in results) / n)
    table.add("ceiling: the searched question in its right transcript", sum(r["found_scoped"] for r in results) / n,
              "")
    steps = [s for r in results for s in r["rewrites"]]
    follow = [s for s in steps if s["follow_up"]]
    firsts = [s for s in steps if not s["follow_up"]]
    rewritten = [s for s in follow if s["method"] != "as is"]
    llm_steps = [s["seconds"] for s in steps if s["method"] == "llm"]
    rules_steps = [s["seconds"] for s in steps if s["method"] != "llm"]
    rewrite = Table("The rewrite step", ["questions", "n", "rewritten", "by the LLM", "median s"])
    rewrite.add("first questions", len(firsts), sum(s["method"] != "as is" for s in firsts),
                sum(s["method"] == "llm" for s in firsts), statistics.median([s["seconds"] for s in firsts]))
    rewrite.add("later questions", len(follow), len(rewritten), sum(s["method"] == "llm" for s in follow),
                statistics.median([s["seconds"] for s in follow]))
    rewrite.notes.append(f"median time of an LLM rewrite: "
                         f"{statistics.median(llm_steps) if llm_steps else 0:.2f} s; of a skipped or rule-based "
                         f"one: {statistics.median(rules_steps) * 1000:.1f} ms; machine: {machine()}")
    table.data = results
    return [table, rewrite]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["llamacpp", "none", "ollama", "openai"], default="none")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "conversations")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    tables = run(args.backend, args.cache)
    for table in tables:
        print(table.render(), "\n", flush=True)
    if args.json:
        save_results(args.json, tables)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
