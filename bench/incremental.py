"""Incremental add: time of `Index.add` of one transcript to indexes of growing size, split into
encoding that transcript and everything else (segment write, manifest commit, reopening the
snapshot). Proportional to the transcript means flat across index sizes.

    python -m bench.incremental [--quick] [--sizes 10000,100000]
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ragqa.changes import ranker_encoder_name
from ragqa.chunking import chunk_transcript
from ragqa.embedding import make_embedder
from ragqa.embedding.ranker_encoder import load_ranker_encoder
from ragqa.index import load_index
from ragqa.parsing import load_sources
from ragqa.settings import load_settings

from .common import (CORPORA, DEFAULT_CACHE, EncodeTimer, Table, machine, sized_main, stable_order, stopwatch,
                     workdir)
from .query_latency import FULL, QUICK
from .synth import load_base, synth_index


def run(quick: bool, sizes: list[int] | None = None, cache: Path = DEFAULT_CACHE) -> Table:
    preset = QUICK if quick else FULL
    settings = load_settings().merged(embedder={"model": preset["embedder"]})
    model = make_embedder(settings)
    newcomer = stable_order(load_sources([CORPORA["qmsum-sample"]]).transcripts, key=lambda t: t.id)[0]
    newcomer.id = "bench-newcomer"
    n_chunks = len(chunk_transcript(newcomer, settings.chunking))
    base = None
    table = Table(f"Incremental add of one transcript ({len(newcomer.turns)} turns, {n_chunks} chunks)",
                  ["index chunks", "add s", "encode s", "rest s", "reopen snapshot s", "rest / encode"])
    for n in sizes or preset["sizes"]:
        source = cache / "indexes" / f"{preset['corpus']}-{settings.embedder.model}-{n}"
        if not (source / "manifest.json").is_file():
            base = base or load_base(preset["corpus"], preset["base"], settings, cache)
            synth_index(source, n, base, model, settings)
        with workdir("incremental") as tmp:
            path = tmp / "index"
            shutil.copytree(source, path)
            index = load_index(path, settings)
            index.search("warm up", k=1)
            ranker = ranker_encoder_name(index.settings)
            timers = [EncodeTimer(index.embedder)] + (
                [EncodeTimer(load_ranker_encoder(ranker), "encode_passages")] if ranker is not None else [])
            try:
                with stopwatch() as t:
                    report = index.add_transcripts([newcomer])
            finally:
                for timer in timers:
                    timer.close()
            assert report.added == [newcomer.id]
            with stopwatch() as reopen:
                load_index(path, settings)
            encode = sum(timer.seconds for timer in timers)
            rest = t[0] - encode
            table.add(n, t[0], encode, rest, reopen[0], rest / max(encode, 1e-9))
            table.data.append({"size": n, "add_s": t[0], "encode_s": encode, "rest_s": rest,
                               "reopen_s": reopen[0]})
    table.notes += [
        "add: `Index.add_transcripts` (what `ragqa add` runs after parsing): chunk, encode, BM25 terms, write a "
        "segment, commit the manifest, then the new snapshot = the previous one's segments (not read again) + "
        "the new segment",
        "encode: time inside the embedder and the passage ranker's encoder (`retrieval.ranker_encoder`)",
        "reopen snapshot: for comparison, a separate `load_index` of the result (reads every segment)",
        f"{settings.embedder.model}; load average at the end: {machine()['load']}",
    ]
    return table


def main(argv: list[str] | None = None) -> Table:
    return sized_main(run, __doc__, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
