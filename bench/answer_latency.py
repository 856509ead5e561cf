"""Answer latency and quality of the configured LLM backend.

Part 1 (always): for k = 3, 5, 8 passages, the seed questions (English, Italian, Russian) are asked
with streaming; per question: time to first token, total time, prompt and generated tokens, their
rates (llama.cpp's own timings), and whether the checked answer states the expected fact and cites
a passage that contains it.

Part 2 (--qmsum N): N QMSum validation questions over an index of their meetings; an answer counts
as grounded when the turns it cites overlap the question's gold evidence turns.

    python -m bench.answer_latency [--k 3 5 8] [--qmsum 20] [--backend none] [--json out.json]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ragqa.answering import AnswerEngine
from ragqa.index import build_from_transcripts, build_index
from ragqa.settings import Settings, load_settings
from ragqa.types import Answer, Transcript, Turn

from .common import DATA, DEFAULT_CACHE, REPO, Table, machine, median, read_jsonl, save_results, stable_order

SEED = REPO / "tests" / "data" / "samples" / "000_8668bff71fb91613.txt"
# (question, forms of the fact in the answer, forms of it in the Italian passage)
SEED_QUESTIONS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("How long is the border between Kazakhstan and Russia?", ("7591", "7,591", "7 591"), ("7591",)),
    ("What was the trade volume between Russia and Kazakhstan last year?", ("28",), ("28 miliardi",)),
    ("Quando Tokayev visiterà la Russia?", ("12 novembre",), ("12 novembre",)),
    ("Какая компания участвует в строительстве атомной электростанции?", ("Rosatom", "Росатом"), ("Rosatom",)),
    ("Сколько филиалов российских университетов работает в Казахстане?", ("9", "девять", "nine", "nove"), ("nove",)),
    ("How many branches of Russian universities operate in Kazakhstan?", ("9", "nine", "nove"), ("nove",)),
]


def fact_ok(answer: Answer, in_answer: tuple[str, ...], in_passage: tuple[str, ...]) -> bool:
    """The answer states the fact and one of its citations quotes it."""
    text = answer.text.lower()
    return any(f.lower() in text for f in in_answer) and any(
        p.lower() in c.quote.lower() for c in answer.citations for p in in_passage)


def timed_ask(engine: AnswerEngine, question: str, k: int) -> dict[str, Any]:
    """Stream one answer; wall times plus llama.cpp's token counts and rates when it reports them."""
    start = time.perf_counter()
    stream = engine.ask(question, k=k, stream=True)
    first = None
    for _ in stream:
        if first is None:
            first = time.perf_counter() - start
    answer = stream.answer
    timings = dict(getattr(engine.llm, "last_timings", {}) or {})
    return {"answer": answer, "ttft": first if first is not None else float("nan"),
            "total": time.perf_counter() - start,
            "prompt_n": timings.get("prompt_n", float("nan")) + timings.get("cache_n", 0),
            "cached_n": timings.get("cache_n", float("nan")),
            "prompt_tps": timings.get("prompt_per_second", float("nan")),
            "gen_n": timings.get("predicted_n", float("nan")),
            "gen_tps": timings.get("predicted_per_second", float("nan"))}


def engine_for(index: Any, settings: Settings) -> AnswerEngine:
    embedder = index.embedder
    return AnswerEngine(index.search, settings, embed_fn=embedder.embed_passages,
                        query_embed_fn=embedder.embed_queries, speakers=index.speakers())


def seed_table(settings: Settings, ks: list[int], cache: Path) -> Table:
    index = build_index([SEED], index_dir=cache / "seed-index", settings=settings)
    engine = engine_for(index, settings)
    table = Table(f"Seed questions, backend {settings.llm.backend}",
                  ["k", "question", "TTFT s", "total s", "prompt tok", "cached", "prompt tok/s", "gen tok",
                   "gen tok/s", "fact+cite"])
    for k in ks:
        for question, in_answer, in_passage in SEED_QUESTIONS:
            row = timed_ask(engine, question, k)
            ok = fact_ok(row["answer"], in_answer, in_passage)
            table.add(k, question[:48], row["ttft"], row["total"], row["prompt_n"], row["cached_n"],
                      row["prompt_tps"], row["gen_n"], row["gen_tps"], "yes" if ok else "no")
            table.data.append({"k": k, "question": question, "ok": ok, "answer": row["answer"].text,
                               **{key: value for key, value in row.items() if key != "answer"}})
            print(f"k={k} {question}\n  -> {row['answer'].text!r}", file=sys.stderr, flush=True)
    for k in ks:
        rows = [d for d in table.data if d["k"] == k]
        table.notes.append(f"k={k}: median TTFT {median([r['ttft'] for r in rows]):.1f} s, median total "
                           f"{median([r['total'] for r in rows]):.1f} s, facts right and cited "
                           f"{sum(r['ok'] for r in rows)}/{len(rows)}")
    table.notes.append("prompt tok/s counts the tokens llama.cpp evaluated (prompt minus the cached prefix); "
                       f"machine: {machine()}")
    return table


def qmsum_table(settings: Settings, n: int, k: int, cache: Path) -> Table:
    questions = [q for q in stable_order(read_jsonl(DATA / "qmsum-val" / "questions.jsonl"), lambda r: r["qid"])
                 if q.get("type") == "specific" and q.get("gold_turns")][:n]
    meetings = {q["meeting_id"] for q in questions}
    transcripts = [Transcript(id=row["meeting_id"], title=row["meeting_id"],
                              turns=[Turn(index=i, speaker=t["speaker"], text=t["text"])
                                     for i, t in enumerate(row["turns"])])
                   for row in read_jsonl(DATA / "qmsum-val" / "transcripts.jsonl") if row["meeting_id"] in meetings]
    index = build_from_transcripts(transcripts, index_dir=cache / f"qmsum-{len(meetings)}m", settings=settings)
    engine = engine_for(index, settings)
    table = Table(f"QMSum validation, {len(questions)} specific questions, k={k}, backend {settings.llm.backend}",
                  ["qid", "total s", "cited turns", "gold turns", "overlap", "refused"])
    for q in questions:
        start = time.perf_counter()
        answer = engine.ask(q["question"], k=k, transcript=q["meeting_id"])
        assert isinstance(answer, Answer)
        cited = {t for c in answer.citations for t in c.turns}
        gold = set(q["gold_turns"])
        table.add(q["qid"], time.perf_counter() - start, len(cited), len(gold), len(cited & gold),
                  "yes" if answer.refused else "")
        table.data.append({"qid": q["qid"], "question": q["question"], "answer": answer.text,
                           "cited": sorted(cited), "grounded": bool(cited & gold), "refused": answer.refused})
        print(f"{q['qid']} {q['question']}\n  -> {answer.text!r}", file=sys.stderr, flush=True)
    answered = [d for d in table.data if not d["refused"]]
    table.notes.append(f"grounded (cited turns overlap gold): {sum(d['grounded'] for d in table.data)}/"
                       f"{len(table.data)}; refused {len(table.data) - len(answered)}; grounded among answered "
                       f"{sum(d['grounded'] for d in answered)}/{len(answered)}")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, nargs="+", default=[3, 5, 8])
    parser.add_argument("--qmsum", type=int, default=0, help="also answer N QMSum validation questions")
    parser.add_argument("--qmsum-k", type=int, default=5)
    parser.add_argument("--backend", choices=["llamacpp", "none", "ollama", "openai"], default=None)
    parser.add_argument("--config", default=None, help="ragqa.toml to read settings from")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "answer", help="where indexes are kept")
    parser.add_argument("--json", type=Path, default=None, help="also write the tables as JSON")
    args = parser.parse_args(argv)
    overrides = {"llm": {"backend": args.backend}} if args.backend else {}
    settings = load_settings(args.config)
    settings = settings.merged(**overrides) if overrides else settings
    tables = [seed_table(settings, args.k, args.cache)]
    print(tables[0].render(), flush=True)
    if args.qmsum:
        tables.append(qmsum_table(settings, args.qmsum, args.qmsum_k, args.cache))
        print("\n" + tables[1].render(), flush=True)
    if args.json:
        save_results(args.json, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
