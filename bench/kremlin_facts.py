"""Fact look-ups at archive scale (issue #29): Italian, Russian and English fact questions (names, numbers,
places, dates) asked across the multi-speaker en.kremlin.ru pages with `Index.search` (no LLM); a hit is a
returned passage of the question's page holding its evidence sentence (fuzzy-matched). Prints Hit@1, Hit@5 and
MRR (top 20) by question language, and search p50 ms (docs/quality.md, "Fact look-ups at archive scale").

    python -m bench.kremlin_facts [--pages N] [--cache DIR] [--questions Q.jsonl] [--misses]

The index holds every multi-speaker page (465), or with `--pages N` the dev set's pages plus distractors (a fixed
shuffle of the others) up to N; it is built once into DIR (default /tmp/ragqa-kremlin-facts) with the default
settings and reused (a build keeps the pages it already holds, so a larger N only embeds the new ones).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

import ragqa
from ragqa.types import Hit

from .common import CORPORA, REPO, Table, median, read_jsonl

QUESTIONS = REPO / "bench" / "data" / "kremlin_facts.jsonl"
CACHE = Path("/tmp/ragqa-kremlin-facts")
DEPTH = 20  # passages read per question (MRR counts the first hit among them)
MATCH = 90.0  # rapidfuzz partial_ratio of the normalised evidence and passage for a hit
SEED = 29  # the distractors' shuffle
_SPACE = re.compile(r"\s+")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                         "\u00a0": " "})


@dataclass(frozen=True)
class FactQuestion:
    """One question of the dev set: its page, its evidence sentence (verbatim from the page) and language."""

    qid: str
    lang: str
    question: str
    page: str
    evidence: str


def load_fact_questions(path: Path = QUESTIONS) -> list[FactQuestion]:
    """The questions of a dev-set file (JSON lines; lines starting with '#' are its header note)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return [FactQuestion(str(r["qid"]), str(r["lang"]), str(r["question"]), str(r["page"]), str(r["evidence"]))
            for r in rows]


def multi_speaker_pages(path: Path = CORPORA["kremlin"]) -> list[dict[str, Any]]:
    """The pages of kremlin-en with two or more speakers, in file order."""
    return [r for r in read_jsonl(path) if r.get("n_speakers", 0) >= 2]


def select_pages(pages: list[dict[str, Any]], needed: set[str], n: int | None) -> list[dict[str, Any]]:
    """All pages (n None), or the `needed` ones plus distractors from a fixed shuffle of the others, n in all."""
    if n is None or n >= len(pages):
        return pages
    others = [p for p in pages if p["doc_id"] not in needed]
    random.Random(SEED).shuffle(others)
    keep = needed | {p["doc_id"] for p in others[:max(0, n - len(needed))]}
    return [p for p in pages if p["doc_id"] in keep]


def normalise(text: str) -> str:
    """Lower-cased text with one kind of dash and quote and single spaces (for the evidence match)."""
    return _SPACE.sub(" ", text.translate(_DASHES)).strip().lower()


def holds_evidence(hit: Hit, question: FactQuestion) -> bool:
    """Whether a returned passage is of the question's page and holds its evidence sentence (or, where a long
    sentence was split between passages, is a part of it)."""
    if hit.transcript_id != question.page:
        return False
    return fuzz.partial_ratio(normalise(question.evidence), normalise(hit.text)) >= MATCH


def first_hit_rank(hits: list[Hit], question: FactQuestion) -> int | None:
    """1-based rank of the first passage holding the evidence, None when none does."""
    for rank, hit in enumerate(hits, 1):
        if holds_evidence(hit, question):
            return rank
    return None


def scores(ranks: list[int | None]) -> dict[str, float]:
    """Hit@1, Hit@5 and MRR of first-hit ranks (None: a miss)."""
    n = len(ranks)
    if n == 0:
        return {"n": 0, "hit1": float("nan"), "hit5": float("nan"), "mrr": float("nan")}
    return {"n": n, "hit1": sum(r == 1 for r in ranks if r) / n, "hit5": sum(r <= 5 for r in ranks if r) / n,
            "mrr": sum(1.0 / r for r in ranks if r) / n}


def build(pages: list[dict[str, Any]], cache: Path) -> ragqa.Index:
    """The index of `pages` in `cache`/index, built with the default settings (pages already there are kept)."""
    cache.mkdir(parents=True, exist_ok=True)
    corpus = cache / "pages.jsonl"
    corpus.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages), encoding="utf-8")
    index_dir = cache / "index"
    held = set(ragqa.load_index(index_dir).manifest.transcripts) if (index_dir / "manifest.json").exists() else set()
    if held == {p["doc_id"] for p in pages}:
        return ragqa.load_index(index_dir)
    start = time.perf_counter()
    index = ragqa.build_index([corpus], index_dir=index_dir)
    print(f"built {len(pages)} pages in {time.perf_counter() - start:.0f} s", flush=True)
    return index


def run(index: ragqa.Index, questions: list[FactQuestion], show_misses: bool = False) -> Table:
    """Every question across the whole index: the first-hit ranks by language, and search latency."""
    index.search(questions[0].question, k=DEPTH)  # warm-up: models loaded
    ranks: list[int | None] = []
    times: list[float] = []
    for q in questions:
        start = time.perf_counter()
        hits = index.search(q.question, k=DEPTH)
        times.append((time.perf_counter() - start) * 1000)
        rank = first_hit_rank(hits, q)
        ranks.append(rank)
        if show_misses and (rank is None or rank > 5):
            pages = [h.transcript_id for h in hits]
            where = pages.index(q.page) + 1 if q.page in pages else None
            print(f"{q.qid} [{q.lang}] rank={rank} page-first-at={where} {q.question}\n"
                  f"   top: {hits[0].transcript_id} {hits[0].text[:110]!r}", flush=True)
    chunks = index.stats().get("chunks")
    table = Table(f"Fact look-ups over {len(index.manifest.transcripts)} kremlin-en pages ({chunks} chunks)",
                  ["questions", "n", "Hit@1", "Hit@5", "MRR"])
    for lang in ("all", "it", "ru", "en"):
        picked = [r for r, q in zip(ranks, questions) if lang in ("all", q.lang)]
        s = scores(picked)
        table.add(lang, int(s["n"]), s["hit1"], s["hit5"], s["mrr"])
        table.data.append({"lang": lang, **s})
    table.notes.append(f"search p50 {median(times):.0f} ms, p90 {float(np.percentile(times, 90)):.0f} ms "
                       f"(k={DEPTH}, {len(times)} questions)")
    table.data.append({"p50_ms": median(times), "ranks": ranks})
    return table


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, help="the dev set's pages plus distractors, this many in all")
    parser.add_argument("--cache", type=Path, help=f"index folder's parent (default {CACHE}[-N])")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--misses", action="store_true", help="print the questions not found in the top 5")
    parser.add_argument("--json", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    questions = load_fact_questions(args.questions)
    pages = select_pages(multi_speaker_pages(), {q.page for q in questions}, args.pages)
    cache = args.cache or (CACHE if args.pages is None else Path(f"{CACHE}-{args.pages}"))
    table = run(build(pages, cache), questions, args.misses)
    print(table.render(), flush=True)
    if args.json:
        args.json.write_text(json.dumps(table.to_dict(), indent=1, default=float), encoding="utf-8")
    return table


if __name__ == "__main__":
    main()
