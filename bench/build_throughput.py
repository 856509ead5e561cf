"""Build throughput: turns/s of `ragqa build` next to the raw encode rate of the same encoders on the
same chunk texts (the embedder, and the passage ranker's encoder on the English chunks), and next to the
out-of-the-box LlamaIndex pipeline with that embedder, in one run.

    python -m bench.build_throughput [--quick] [--corpus kremlin --max-turns 2000] [--embedder e5-small]
"""
from __future__ import annotations

import argparse
import sys

from ragqa.chunking import chunk_transcript
from ragqa.embedding import make_embedder
from ragqa.embedding.ranker_encoder import applies_to, load_ranker_encoder, passage_text
from ragqa.changes import EMBED_BATCH, ranker_encoder_name
from ragqa.index import build_index
from ragqa.parsing import load_sources
from ragqa.settings import Settings, load_settings

from .common import EncodeTimer, Table, machine, stopwatch, subset_file, workdir
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
    args = parser.parse_args(argv)
    cases = [(args.corpus, args.max_turns, args.embedder)] if args.corpus else None
    table = run(args.quick, args.embedder, cases, peer=not args.no_peer)
    print(table.render(), flush=True)
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
