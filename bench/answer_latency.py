"""Answer latency and quality of the configured LLM backend, against the machine's physical floor.

Rates: the answer model's prompt and generation rate (tok/s) are measured first, in the same run, on one
fixed answer-sized request without the prompt cache (in-process llama.cpp, or the remote server's timings).

Part 1: for k = 3, 5, 8 passages, 11 questions (English, Italian, Russian) over the demo corpus (data/: the
Italian seed transcript and 40 English kremlin transcripts) are asked with streaming; per k the medians of
prompt tokens, tokens found in the prompt cache, time to sources (AnswerStream.sources), to the first token
and to the checked answer, each also as a ratio to its floor: sources vs the retrieval alone, first token vs
uncached prompt tokens / prompt rate, total vs that plus generated tokens / generation rate; and how many
answers state the expected fact and cite a passage that contains it.

Part 2 (in-process llama.cpp): the first and the second question after a fresh model load, asked at once
and after the warm-up `ragqa serve` runs before its first question.

Part 3 (--qmsum N): N QMSum validation questions over an index of their meetings; an answer counts as
grounded when the turns it cites overlap the question's gold evidence turns.

--tune REPS: instead, the prompt and generation rate of the bundled model under each llama.cpp setting
in TUNING_VARIANTS (each a fresh load), REPS runs each.

    python -m bench.answer_latency [--k 3 5 8] [--qmsum 20] [--backend none] [--json out.json]
    python -m bench.answer_latency --llm-url http://localhost:11434 --backend ollama --llm-model qwen2.5:1.5b
    python -m bench.answer_latency --tune 2
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent
from llama_index.core.llms import ChatMessage

from ragqa.answering.engine import DEFAULT_K, engine_for
from ragqa.answering.prompts import NO_ANSWER, load_prompts
from ragqa.index import Index, build_from_transcripts, build_index
from ragqa.llm import XLlamaCppLLM, bundled_model_path
from ragqa.llm.xllamacpp_llm import server_params, start_server
from ragqa.settings import Settings, load_settings
from ragqa.types import Answer, Transcript, Turn
from ragqa.ui.server import warm_up
from ragqa.ui.service import ChatService

from .common import DATA, DEFAULT_CACHE, REPO, Table, machine, median, read_jsonl, save_results, stable_order

SEED = REPO / "data" / "seed" / "000_8668bff71fb91613.txt"
DEMO = REPO / "data"
# (question, forms of the fact in the answer, forms of it in the cited passage): the Italian seed transcript
# and English kremlin transcripts of the demo corpus, asked in English, Italian and Russian
QUESTIONS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("How long is the border between Kazakhstan and Russia?", ("7591", "7,591", "7 591"), ("7591",)),
    ("What was the trade volume between Russia and Kazakhstan last year?", ("28",), ("28 miliardi",)),
    ("Quando Tokayev visiterà la Russia?", ("12 novembre",), ("12 novembre",)),
    ("Какая компания участвует в строительстве атомной электростанции?", ("Rosatom", "Росатом"), ("Rosatom",)),
    ("Сколько филиалов российских университетов работает в Казахстане?", ("9", "девять", "nine", "nove"), ("nove",)),
    ("How many branches of Russian universities operate in Kazakhstan?", ("9", "nine", "nove"), ("nove",)),
    ("How large was the deal in which Rosneft acquired TNK-BP?", ("61 billion",), ("61 billion",)),
    ("Quante volte di fila la nazionale russa ha vinto il campionato mondiale di bandy?",
     ("quarta", "quattro", "4", "fourth"), ("fourth time",)),
    ("Какую долю мировой добычи нефти обеспечивает ЛУКОЙЛ?", ("2%", "2 %", "2 проц", "два проц", "2 percent"),
     ("2 percent",)),
    ("How many children got new kindergartens built by LUKOIL?", ("2,000", "2000", "2 000"), ("2,000",)),
    ("In che anno è previsto il lancio del modulo che atterrerà su Marte?", ("2020",), ("2020",)),
]

GEN_TOKENS = 32  # tokens generated per rate measurement


# (label, CommonParams changes against ragqa's server_params), each measured in turns with the defaults
TUNING_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("1 thread", {"cpuparams.n_threads": 1, "cpuparams_batch.n_threads": 1}),
    ("1 thread generating, 2 reading", {"cpuparams.n_threads": 1}),
    ("poll 50 (spin-wait)", {"cpuparams.poll": 50, "cpuparams_batch.poll": 50}),
    ("n_ubatch 256", {"n_ubatch": 256}),
    ("n_batch = n_ubatch 1024", {"n_batch": 1024, "n_ubatch": 1024}),
    ("flash attention on", {"flash_attn_type": "LLAMA_FLASH_ATTN_TYPE_ENABLED"}),
    ("flash attention off", {"flash_attn_type": "LLAMA_FLASH_ATTN_TYPE_DISABLED"}),
    ("no mmap (read into RAM)", {"load_mode": "LLAMA_LOAD_MODE_NONE"}),
    ("mmap + mlock", {"load_mode": "LLAMA_LOAD_MODE_MMAP_MLOCK"}),
    ("no weight repacking", {"no_extra_bufts": True}),
    ("n_ctx 2048", {"n_ctx": 2048}),
]


def _apply(params: Any, changes: dict[str, Any]) -> None:
    """Set dotted CommonParams fields; enum members are given by name."""
    import xllamacpp

    enums = {"flash_attn_type": xllamacpp.llama_flash_attn_type, "load_mode": xllamacpp.llama_load_mode,
             "cache_type_k": xllamacpp.ggml_type, "cache_type_v": xllamacpp.ggml_type}
    for name, value in changes.items():
        target, _, field_name = name.rpartition(".")
        obj = getattr(params, target) if target else params
        setattr(obj, field_name, getattr(enums[field_name], value) if field_name in enums else value)


def rate_prompt() -> list[dict[str, str]]:
    """A fixed answer-sized chat request (system prompt, ~300 tokens of seed passages, a question)."""
    prompts = load_prompts()
    passages = SEED.read_text(encoding="utf-8")[:1000]
    user = prompts.qa.format(passages=passages, question=QUESTIONS[0][0], language="English",
                             no_answer=NO_ANSWER)
    return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


def measure_rates(chat: Callable[[dict[str, Any]], dict[str, Any]], reps: int,
                  gen_tokens: int = GEN_TOKENS) -> dict[str, float]:
    """Median prompt and generation rates (tok/s) of `reps` uncached llama.cpp runs of rate_prompt()."""
    payload = {"messages": rate_prompt(), "max_tokens": gen_tokens, "temperature": 0.0, "cache_prompt": False,
               "ignore_eos": True}
    runs = [chat(payload)["timings"] for _ in range(reps)]
    return {"prompt_n": runs[0]["prompt_n"], "prompt_tps": median([r["prompt_per_second"] for r in runs]),
            "gen_n": runs[0]["predicted_n"], "gen_tps": median([r["predicted_per_second"] for r in runs])}


def _loaded(params: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    server = start_server(params)
    return server, time.perf_counter() - start


def tuning_table(settings: Settings, reps: int, only: list[str] | None = None) -> Table:
    """Prompt and generation rate under each TUNING_VARIANTS entry against ragqa's defaults, on the same
    request: a server with the defaults stays loaded and the two are run in turns, so load from other
    processes hits both alike; the ratios are variant / default."""
    path = str(bundled_model_path(settings.llm.cache_dir))

    def params() -> Any:
        return server_params(path, settings.llm.context_window, settings.threads)

    base, base_load = _loaded(params())
    table = Table("llama.cpp settings on this machine, each in turns with ragqa's defaults",
                  ["setting", "load s", "prompt tok/s", "vs default", "gen tok/s", "vs default"])
    for label, changes in TUNING_VARIANTS:
        if only and not any(word in label for word in only):
            continue
        variant_params = params()
        _apply(variant_params, changes)
        server, load = _loaded(variant_params)
        pairs = [(measure_rates(base.handle_chat_completions, 1), measure_rates(server.handle_chat_completions, 1))
                 for _ in range(reps)]
        del server
        gc.collect()
        ref = {key: median([b[key] for b, _ in pairs]) for key in ("prompt_tps", "gen_tps")}
        got = {key: median([v[key] for _, v in pairs]) for key in ("prompt_tps", "gen_tps")}
        table.add(label, load, got["prompt_tps"], got["prompt_tps"] / ref["prompt_tps"], got["gen_tps"],
                  got["gen_tps"] / ref["gen_tps"])
        table.data.append({"setting": label, "changes": changes, "load_s": load, "default": ref, **got,
                           "prompt_n": pairs[0][1]["prompt_n"]})
        print(f"{label}: {got} (defaults {ref})", file=sys.stderr, flush=True)
    table.notes.append(f"ragqa's defaults (server_params): load {base_load:.1f} s; {reps} runs of each in turns, "
                       f"medians; request: {table.data[0]['prompt_n'] if table.data else 0} prompt tokens uncached, {GEN_TOKENS} "
                       f"generated (ignore_eos); machine: {machine()}")
    return table


def fact_ok(answer: Answer, in_answer: tuple[str, ...], in_passage: tuple[str, ...]) -> bool:
    """The answer states the fact and one of its citations quotes it."""
    text = answer.text.lower()
    return any(f.lower() in text for f in in_answer) and any(
        p.lower() in c.quote.lower() for c in answer.citations for p in in_passage)


class ModelCalls(BaseEventHandler):
    """The token counts and timings of every finished LLM chat call since `reset` (an answer may take
    more than one), read from `llm` (in-process llama.cpp) or the call's raw payload (remote servers)."""

    llm: Any = None
    calls: list[dict[str, float]] = []

    @classmethod
    def class_name(cls) -> str:
        return "ModelCalls"

    def reset(self, llm: Any) -> None:
        self.llm, self.calls = llm, []

    def handle(self, event: Any, **kwargs: Any) -> None:
        if isinstance(event, LLMChatEndEvent):
            self.calls.append(llm_timings(self.llm, event.response.raw if event.response is not None else None))


def watch_calls() -> ModelCalls:
    probe = ModelCalls()
    get_dispatcher().add_event_handler(probe)
    return probe


def _field(raw: Any, name: str) -> Any:
    if isinstance(raw, dict):
        return raw.get(name)
    return getattr(raw, name, None) or (getattr(raw, "model_extra", None) or {}).get(name)


def llm_timings(llm: Any, raw: Any) -> dict[str, float]:
    """prompt_n (all prompt tokens), cache_n, predicted_n and the rates, from llama.cpp in-process
    (`last_timings`), a llama.cpp server (`timings`), Ollama (`prompt_eval_count` ...) or OpenAI `usage`;
    NaN for what the backend does not report."""
    nan = float("nan")
    timings = dict(getattr(llm, "last_timings", {}) or {}) or dict(_field(raw, "timings") or {})
    if timings:
        cached = timings.get("cache_n", 0)
        return {"prompt_n": timings.get("prompt_n", nan) + cached, "cache_n": cached,
                "prompt_tps": timings.get("prompt_per_second", nan), "gen_n": timings.get("predicted_n", nan),
                "gen_tps": timings.get("predicted_per_second", nan)}
    if _field(raw, "prompt_eval_count") is not None:  # Ollama: durations in ns, evaluated tokens only
        prompt_n, gen_n = _field(raw, "prompt_eval_count"), _field(raw, "eval_count") or 0
        prompt_s, gen_s = (_field(raw, "prompt_eval_duration") or 0) / 1e9, (_field(raw, "eval_duration") or 0) / 1e9
        return {"prompt_n": prompt_n, "cache_n": nan, "prompt_tps": prompt_n / prompt_s if prompt_s else nan,
                "gen_n": gen_n, "gen_tps": gen_n / gen_s if gen_s else nan}
    usage = _field(raw, "usage")
    if usage is not None:
        details = _field(usage, "prompt_tokens_details")
        return {"prompt_n": _field(usage, "prompt_tokens"), "cache_n": _field(details, "cached_tokens") or nan,
                "prompt_tps": nan, "gen_n": _field(usage, "completion_tokens"), "gen_tps": nan}
    return {"prompt_n": nan, "cache_n": nan, "prompt_tps": nan, "gen_n": nan, "gen_tps": nan}


def timed_ask(index: Index, question: str, k: int, probe: ModelCalls) -> dict[str, Any]:
    """One streamed answer: retrieval alone, then time to sources (AnswerStream.sources), to the first
    text piece and to the checked answer; the model calls it took, the first one's token counts, and
    the counts summed over all of them."""
    start = time.perf_counter()
    index.search(question, k=k)
    search = time.perf_counter() - start
    probe.reset(engine_for(index).llm)
    start = time.perf_counter()
    stream = index.ask(question, k=k, stream=True)
    sources = time.perf_counter() - start if stream.sources else float("nan")
    first = None
    for _ in stream:
        if first is None:
            first = time.perf_counter() - start
    answer = stream.answer
    total = time.perf_counter() - start
    nan = float("nan")
    calls = probe.calls or [llm_timings(None, None)]
    uncached = [c["prompt_n"] - (c["cache_n"] if c["cache_n"] == c["cache_n"] else 0) for c in calls]
    return {"answer": answer, "search": search, "sources": sources, "ttft": first if first is not None else nan,
            "total": total, "llm_calls": len(probe.calls), "prompt_n": calls[0]["prompt_n"],
            "cache_n": calls[0]["cache_n"], "uncached_n": uncached[0], "uncached_all": sum(uncached),
            "gen_n": calls[0]["gen_n"], "gen_all": sum(c["gen_n"] for c in calls)}


def measured_rates(index: Index, reps: int) -> dict[str, float]:
    """Prompt and generation rate of the answer model on this machine now: uncached runs of rate_prompt()
    in-process, or through the remote server's own timings."""
    llm = engine_for(index).llm
    if llm is None:
        return {"prompt_n": float("nan"), "prompt_tps": float("nan"), "gen_n": float("nan"), "gen_tps": float("nan")}
    if isinstance(llm, XLlamaCppLLM):
        return measure_rates(llm.raw_chat, reps)
    probe = watch_calls()
    runs = []
    for n in range(reps):  # a different first line each time, so a server-side prompt cache cannot help
        messages = [ChatMessage(role=m["role"], content=f"Run {n}. {m['content']}" if m["role"] == "system"
                                else m["content"]) for m in rate_prompt()]
        probe.reset(llm)
        llm.chat(messages, max_tokens=GEN_TOKENS)
        runs.append(probe.calls[-1])
    return {"prompt_n": runs[0]["prompt_n"], "prompt_tps": median([r["prompt_tps"] for r in runs]),
            "gen_n": runs[0]["gen_n"], "gen_tps": median([r["gen_tps"] for r in runs])}


def floors(row: dict[str, Any], rates: dict[str, float]) -> dict[str, float]:
    """Physical floors: time to first token >= the first call's uncached prompt tokens / prompt rate; the
    whole answer >= all calls' uncached prompt tokens / prompt rate + their generated tokens / generation
    rate; sources >= the retrieval alone."""
    return {"sources_floor": row["search"], "ttft_floor": row["uncached_n"] / rates["prompt_tps"],
            "total_floor": row["uncached_all"] / rates["prompt_tps"] + row["gen_all"] / rates["gen_tps"]}


def demo_index(settings: Settings, cache: Path) -> Index:
    """The demo corpus (data/: the Italian seed transcript and 40 English kremlin transcripts), built once."""
    return build_index([DEMO], index_dir=cache / "demo-index", settings=settings)


def latency_table(index: Index, ks: list[int], rates: dict[str, float], label: str) -> Table:
    probe = watch_calls()
    table = Table(f"Answer latency per k, {len(QUESTIONS)} questions (en/it/ru), {label}; medians",
                  ["k", "prompt tok", "cached tok", "sources s", "x floor", "TTFT s", "x floor", "total s",
                   "x floor", "gen tok", "2nd call", "fact+cite"])
    for k in ks:
        rows = []
        for question, in_answer, in_passage in QUESTIONS:
            row = timed_ask(index, question, k, probe)
            row.update(floors(row, rates), ok=fact_ok(row["answer"], in_answer, in_passage))
            print(f"k={k} {question}\n  -> {row['answer'].text!r} ({row['ttft']:.1f} s / {row['total']:.1f} s)",
                  file=sys.stderr, flush=True)
            rows.append(row)
            table.data.append({"k": k, "question": question, **{key: (value.text if key == "answer" else value)
                                                               for key, value in row.items()}})

        def med(key: str) -> float:
            return median([r[key] for r in rows])

        table.add(k, med("prompt_n"), med("cache_n"), med("sources"), median([r["sources"] / r["sources_floor"]
                  for r in rows]), med("ttft"), median([r["ttft"] / r["ttft_floor"] for r in rows]), med("total"),
                  median([r["total"] / r["total_floor"] for r in rows]), med("gen_all"),
                  f"{sum(r['llm_calls'] > 1 for r in rows)}/{len(rows)}", f"{sum(r['ok'] for r in rows)}/{len(rows)}")
    table.notes.append(f"rates measured in this run: prompt {rates['prompt_tps']:.1f} tok/s, generation "
                       f"{rates['gen_tps']:.1f} tok/s ({rates['prompt_n']}-token request, uncached)")
    table.notes.append("prompt / cached tok: the first model call; gen tok: all calls; 2nd call: answers whose first "
                       "reply did not pass the citation check and were asked again on the best passages")
    table.notes.append("floors: sources = the retrieval alone (Index.search), TTFT = the first call's uncached prompt "
                       "tokens / prompt rate, total = all calls' uncached prompt tokens / prompt rate + generated "
                       f"tokens / generation rate; x floor = median of the per-question ratios; machine: {machine()}")
    return table


def first_question_table(index: Index) -> Table:
    """First and second question after a fresh model load: asked right away, and after the warm-up that
    `ragqa serve` runs before the first question arrives."""
    probe = watch_calls()
    table = Table("First vs second question after a fresh model load (k = default)",
                  ["start", "question", "warm-up s", "prompt tok", "cached tok", "TTFT s", "total s", "calls"])
    llm = engine_for(index).llm
    pairs = [(QUESTIONS[0][0], QUESTIONS[2][0])]
    for mode in ("cold (load on first question)", "after ragqa serve's warm-up"):
        unload = getattr(llm, "unload", None)
        if unload is not None:
            unload()
        warm = float("nan")
        if mode.startswith("after"):
            start = time.perf_counter()
            problem = warm_up(ChatService(index))
            warm = time.perf_counter() - start
            assert problem is None, problem
        for first, second in pairs:
            for n, question in enumerate((first, second), start=1):
                row = timed_ask(index, question, DEFAULT_K, probe)
                table.add(mode, f"{n}: {question[:40]}", warm if n == 1 else float("nan"), row["prompt_n"],
                          row["cache_n"], row["ttft"], row["total"], row["llm_calls"])
                table.data.append({"mode": mode, "n": n, "question": question, "warm_up_s": warm,
                                   **{key: value for key, value in row.items() if key != "answer"}})
    table.notes.append("cold: the model is unloaded, then two questions are asked; after warm-up: the model is "
                       "unloaded, ragqa.ui.server.warm_up runs (encoders, model load, the answer prompt's fixed "
                       "start read into the prompt cache), then the same two questions")
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
    engine = engine_for(index)
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
    parser.add_argument("--llm-url", default=None,
                        help="an Ollama or OpenAI-compatible server (backend openai unless --backend ollama)")
    parser.add_argument("--llm-model", default=None, help="the model name to ask the server for")
    parser.add_argument("--config", default=None, help="ragqa.toml to read settings from")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "answer", help="where indexes are kept")
    parser.add_argument("--rates", type=int, default=3, metavar="REPS", help="runs for the prompt/generation rate")
    parser.add_argument("--tune", type=int, default=0, metavar="REPS",
                        help="only measure the llama.cpp settings, REPS runs each")
    parser.add_argument("--variant", nargs="+", default=None, help="with --tune: the settings whose label has one "
                        "of these words")
    parser.add_argument("--json", type=Path, default=None, help="also write the tables as JSON")
    args = parser.parse_args(argv)
    llm: dict[str, Any] = {"backend": args.backend} if args.backend else {}
    if args.llm_url:
        llm = {"backend": args.backend or "openai", "base_url": args.llm_url, "model": args.llm_model}
    settings = load_settings(args.config)
    settings = settings.merged(llm=llm) if llm else settings
    tables: list[Table] = []

    def done(table: Table) -> None:  # printed and saved as each part ends, so a cut-short run keeps them
        tables.append(table)
        print(table.render() + "\n", flush=True)
        if args.json:
            save_results(args.json, tables)

    if args.tune:
        done(tuning_table(settings, args.tune, args.variant))
        return 0
    index = demo_index(settings, args.cache)
    label = f"backend {settings.llm.backend}" + (f" {settings.llm.model}" if settings.llm.model else "")
    rates = measured_rates(index, args.rates)
    for k in args.k:
        done(latency_table(index, [k], rates, label))
    if isinstance(engine_for(index).llm, XLlamaCppLLM):  # a remote server's load and cache are not ours to reset
        done(first_question_table(index))
    if args.qmsum:
        done(qmsum_table(settings, args.qmsum, args.qmsum_k, args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
