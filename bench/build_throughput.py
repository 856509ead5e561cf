"""Build throughput: turns/s of `ragqa build` next to the raw encode rate of the same encoders on the
same chunk texts (the embedder, and the passage ranker's encoder on the English chunks), and next to the
out-of-the-box LlamaIndex pipeline with that embedder, in one run. `--profile` splits one build into its stages
(the embedder, the ranker encoder, BM25 term counts, chunking, segment writes, the rest) next to each encoder's
raw speed on a sample of the same chunks.

    python -m bench.build_throughput [--quick] [--corpus kremlin --max-turns 2000] [--embedder e5-small]
    python -m bench.build_throughput --profile --corpus kremlin --pages 100 --min-speakers 2
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Iterator

from ragqa.chunking import chunk_transcript
from ragqa.embedding import make_embedder
from ragqa.embedding.ranker_encoder import applies_to, load_ranker_encoder, passage_text
from ragqa.changes import EMBED_BATCH, ranker_encoder_name
from ragqa.index import build_index
from ragqa.parsing import load_sources
from ragqa.settings import Settings, load_settings

from .common import CORPORA, EncodeTimer, Table, machine, read_jsonl, record_id, stable_order, stopwatch, subset_file, \
    workdir
from .llama_peer import llama_index_build

# (corpus, turns in the deterministic subset or None for all, embedder or None for the configured one)
QUICK = [("kremlin-sample", 60, "use-m3")]
FULL = [("kremlin", None, "use-m3"), ("qmsum-val", None, "use-m3"), ("kremlin", 300, None), ("qmsum-val", 400, None)]


def raw_encode_seconds(encode, texts: list[str]) -> float:
    """Time to encode `texts` with `encode` in the pipeline's batches, nothing else."""
    with stopwatch() as t:
        for start in range(0, len(texts), EMBED_BATCH):
            encode(texts[start:start + EMBED_BATCH])
    return t[0]


def measure(corpus: str, max_turns: int | None, settings: Settings, peer: bool) -> dict:
    """One row: the same texts encoded raw, built by ragqa, and (optionally) built by LlamaIndex."""
    with workdir("build") as tmp:
        source, n_transcripts = subset_file(corpus, max_turns, tmp)
        loaded = load_sources([source])
        turns = sum(len(t.turns) for t in loaded.transcripts)
        chunks = [c for t in loaded.transcripts for c in chunk_transcript(t, settings.chunking)]
        texts = [c.embed_text for c in chunks]
        embedder = make_embedder(settings)
        embedder.embed_passages(texts[:4])  # warm
        raw = raw_encode_seconds(embedder.embed_passages, texts)
        ranker_name = ranker_encoder_name(settings)
        ranker = load_ranker_encoder(ranker_name) if ranker_name is not None else None
        raw_ranker = 0.0
        if ranker is not None:
            raw_ranker = raw_encode_seconds(ranker.encode_passages, [passage_text(c.speaker, c.text) for c in chunks
                                                                     if applies_to(c.lang)])
        timers = [EncodeTimer(embedder)] + ([EncodeTimer(ranker, "encode_passages")] if ranker is not None else [])
        try:
            with stopwatch() as t:
                index = build_index([source], tmp / "index", settings=settings)
        finally:
            for timer in timers:
                timer.close()
        assert index.stats()["chunks"] == len(texts)
        encoding = sum(timer.seconds for timer in timers)
        row = {"corpus": corpus if max_turns is None else f"{corpus} (subset)", "embedder": settings.embedder.model,
               "transcripts": len(loaded.transcripts), "turns": turns, "chunks": len(texts),
               "raw_s": raw + raw_ranker, "raw_embedder_s": raw, "raw_ranker_s": raw_ranker, "build_s": t[0],
               "encode_in_build_s": encoding, "ranker_share": (timers[1].seconds if ranker else 0.0) / t[0],
               "raw_turns_s": turns / (raw + raw_ranker), "build_turns_s": turns / t[0],
               "overhead": t[0] / (raw + raw_ranker) - 1.0, "overhead_in_run": t[0] / encoding - 1.0}
        if peer:
            timer = EncodeTimer(embedder)
            try:
                with stopwatch() as t:
                    nodes = llama_index_build(source, embedder, tmp / "llama")
            finally:
                timer.close()
            row.update(llama_s=t[0], llama_nodes=nodes, llama_encode_s=timer.seconds,
                       llama_turns_s=turns / t[0], speedup=t[0] / row["build_s"])
        return row


# build stages timed by wrapping these functions where the build calls them: (stage, module, function)
STAGES = [("chunking", "ragqa.changes", "chunk_transcripts"), ("BM25 terms", "ragqa.changes", "term_frequencies"),
          ("writes", "ragqa.backends.local", "write_segment")]


@contextmanager
def stage_timers() -> Iterator[dict[str, float]]:
    """Seconds spent in each of `STAGES` while the block runs."""
    seconds = {name: 0.0 for name, _, _ in STAGES}
    originals: list[tuple[Any, str, Callable]] = []

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - start
        return wrapper

    for name, module_name, attr in STAGES:
        module = import_module(module_name)
        originals.append((module, attr, getattr(module, attr)))
        setattr(module, attr, timed(name, getattr(module, attr)))
    try:
        yield seconds
    finally:
        for module, attr, fn in originals:
            setattr(module, attr, fn)


def pages_file(corpus: str, pages: int, min_speakers: int, out_dir: Path) -> Path:
    """The first `pages` transcripts of `corpus` with at least `min_speakers` speakers, in the fixed hash order."""
    rows = [r for r in stable_order(read_jsonl(CORPORA[corpus]), record_id)
            if r.get("turns") and r.get("n_speakers", 2) >= min_speakers][:pages]
    out = out_dir / f"{corpus}-{pages}p.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out


def query_milliseconds(encode: Callable[[str], Any], question: str = "What did the group decide about the budget?",
                       repeats: int = 20) -> float:
    """Mean wall time of encoding one question, after 3 warm-ups."""
    for _ in range(3):
        encode(question)
    with stopwatch() as t:
        for _ in range(repeats):
            encode(question)
    return 1000 * t[0] / repeats


def profile(source: Path, settings: Settings, sample: int = 384) -> dict:
    """One build split into stages, and each encoder's raw chunks/s on an even sample of the same chunks."""
    loaded = load_sources([source])
    chunks = [c for t in loaded.transcripts for c in chunk_transcript(t, settings.chunking)]
    embedder = make_embedder(settings)
    ranker_name = ranker_encoder_name(settings)
    ranker = load_ranker_encoder(ranker_name) if ranker_name is not None else None
    picked = chunks[::max(1, len(chunks) // sample)][:sample]
    embedder.embed_passages([c.embed_text for c in picked[:4]])  # warm
    raw_embedder = len(picked) / raw_encode_seconds(embedder.embed_passages, [c.embed_text for c in picked])
    raw_ranker = float("nan")
    if ranker is not None:
        texts = [passage_text(c.speaker, c.text) for c in picked if applies_to(c.lang)]
        ranker.encode_passages(texts[:4])
        raw_ranker = len(texts) / raw_encode_seconds(ranker.encode_passages, texts)
    query_ms = {"embedder": query_milliseconds(lambda q: embedder.embed_queries([q])),
                "ranker": query_milliseconds(ranker.encode_query) if ranker is not None else float("nan")}
    timers = [EncodeTimer(embedder)] + ([EncodeTimer(ranker, "encode_passages")] if ranker is not None else [])
    with workdir("profile") as tmp:
        try:
            with stage_timers() as stages, stopwatch() as t:
                build_index([source], tmp / "index", settings=settings)
        finally:
            for timer in timers:
                timer.close()
    row = {"transcripts": len(loaded.transcripts), "turns": sum(len(t.turns) for t in loaded.transcripts),
           "chunks": len(chunks), "build_s": t[0], "embedder_s": timers[0].seconds,
           "embedder_texts": timers[0].texts, "raw_embedder_chunks_s": raw_embedder,
           "ranker_s": timers[1].seconds if ranker else 0.0, "ranker_texts": timers[1].texts if ranker else 0,
           "raw_ranker_chunks_s": raw_ranker, "embedder_query_ms": query_ms["embedder"],
           "ranker_query_ms": query_ms["ranker"], **{f"{k}_s": v for k, v in stages.items()}}
    row["other_s"] = t[0] - row["embedder_s"] - row["ranker_s"] - sum(stages.values())
    return row


def run_profile(corpus: str, pages: int, min_speakers: int, embedder: str | None) -> Table:
    base = load_settings()
    settings = base.merged(embedder={"model": embedder or base.embedder.model})
    with workdir("pages") as tmp:
        r = profile(pages_file(corpus, pages, min_speakers, tmp), settings)
    table = Table(f"Build profile ({corpus}, {r['transcripts']} pages with >= {min_speakers} speakers, "
                  f"{settings.embedder.model})",
                  ["stage", "seconds", "share", "texts", "chunks/s in the build", "raw chunks/s", "ms per query"])
    build = r["build_s"]
    table.add("whole build", build, "100%", r["chunks"], r["chunks"] / build, "-", "-")
    table.add("embedder", r["embedder_s"], f"{100 * r['embedder_s'] / build:.1f}%", r["embedder_texts"],
              r["embedder_texts"] / max(r["embedder_s"], 1e-9), r["raw_embedder_chunks_s"], r["embedder_query_ms"])
    table.add("ranker encoder", r["ranker_s"], f"{100 * r['ranker_s'] / build:.1f}%", r["ranker_texts"],
              r["ranker_texts"] / max(r["ranker_s"], 1e-9), r["raw_ranker_chunks_s"], r["ranker_query_ms"])
    for name, _, _ in STAGES:
        table.add(name, r[f"{name}_s"], f"{100 * r[f'{name}_s'] / build:.1f}%", "-", "-", "-", "-")
    table.add("other (parse, plan, manifest, open)", r["other_s"], f"{100 * r['other_s'] / build:.1f}%", "-", "-",
              "-", "-")
    table.data.append(r)
    table.notes += [f"{r['turns']} turns, {r['chunks']} chunks; raw chunks/s = the encoder alone on an even sample of "
                    "384 of these chunks, the pipeline's batches, just before the build",
                    f"load average at the end: {machine()['load']}"]
    return table


def run(quick: bool, embedder: str | None = None, cases: list | None = None, peer: bool = True) -> Table:
    base = load_settings()
    table = Table("Build throughput (turns/s; same texts, same embedder, same run)",
                  ["corpus", "embedder", "turns", "chunks", "raw encode t/s", "ragqa build t/s", "overhead",
                   "overhead (in-run)", "ranker encoder share", "LlamaIndex t/s", "LI nodes", "ragqa vs LI"])
    for corpus, max_turns, model in cases or (QUICK if quick else FULL):
        settings = base.merged(embedder={"model": model or embedder or base.embedder.model})
        r = measure(corpus, max_turns, settings, peer)
        table.add(r["corpus"], r["embedder"], r["turns"], r["chunks"], r["raw_turns_s"], r["build_turns_s"],
                  f"{100 * r['overhead']:+.1f}%", f"{100 * r['overhead_in_run']:+.1f}%",
                  f"{100 * r['ranker_share']:.0f}%",
                  r.get("llama_turns_s", float("nan")), r.get("llama_nodes", "-"),
                  f"{r['speedup']:.2f}x" if "speedup" in r else "-")
        table.data.append(r)
    table.notes += [
        "overhead = build wall time / raw encode time - 1 (raw encode: the chunk texts through the same embedder, "
        "and the English ones through the passage ranker's encoder, same batches, in the same process, just "
        "before the build); goal <= +10%",
        "overhead (in-run) = build wall time / time spent inside the encoders during that build - 1 "
        "(immune to load drift between the two passes); ranker encoder share = its part of the build wall time "
        "(retrieval.ranker_encoder = \"none\" saves it; the LlamaIndex peer has no such encoder)",
        "build = `ragqa.build_index` (what `ragqa build` runs): parse, chunk, embed, BM25 terms, segment files with "
        "checksums, manifest, and opening the index",
        "LlamaIndex = one Document per transcript, default SentenceSplitter, VectorStoreIndex over FaissVectorStore "
        "(IndexFlatIP), persist(); same embedder wrapped as a BaseEmbedding; goal ragqa >= 2x its turns/s",
        f"load average at the end: {machine()['load']}",
    ]
    return table


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small in-repo samples only (CI smoke)")
    parser.add_argument("--corpus", help="one corpus instead of the preset list (kremlin, qmsum-val, ...)")
    parser.add_argument("--max-turns", type=int, help="deterministic subset of about this many turns")
    parser.add_argument("--embedder", help="embedder for the rows that use the configured one")
    parser.add_argument("--no-peer", action="store_true", help="skip the LlamaIndex pipeline")
    parser.add_argument("--profile", action="store_true", help="split one build of --corpus into its stages")
    parser.add_argument("--pages", type=int, default=100, help="--profile: this many transcripts")
    parser.add_argument("--min-speakers", type=int, default=2, help="--profile: of at least this many speakers")
    args = parser.parse_args(argv)
    if args.profile:
        table = run_profile(args.corpus or "kremlin", args.pages, args.min_speakers, args.embedder)
        print(table.render(), flush=True)
        return table
    cases = [(args.corpus, args.max_turns, args.embedder)] if args.corpus else None
    table = run(args.quick, args.embedder, cases, peer=not args.no_peer)
    print(table.render(), flush=True)
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
