"""Build the bundled demo corpus in data/ from the shared development data.

Selection rule (deterministic, no randomness):
  1. kremlin-en pages with n_speakers >= 2, 8-80 turns, dated 2010-2020, at most 60 KB as JSON;
  2. grouped by year, each year ordered by date then doc_id;
  3. picked round-robin over the years (oldest year first), taking from each year's list at
     evenly spaced positions, until 40 are chosen; written in date order.
The seed transcript is copied as is.

    python scripts/make_demo_corpus.py [--shared /work/shared/data] [--out data]
"""
from __future__ import annotations

import argparse
import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

COUNT = 40
MIN_TURNS, MAX_TURNS = 8, 80
YEARS = range(2010, 2021)
MAX_BYTES = 60_000
SEED = "seed/000_8668bff71fb91613.txt"
FIELDS = ("doc_id", "url", "title", "date", "n_speakers", "turns")
Doc = dict[str, Any]


def eligible(doc: Doc) -> bool:
    """Multi-speaker, mid-sized, 2010-2020 and not huge."""
    return (doc["n_speakers"] >= 2 and MIN_TURNS <= len(doc["turns"]) <= MAX_TURNS
            and int(doc["date"][:4]) in YEARS and len(json.dumps(doc, ensure_ascii=False)) <= MAX_BYTES)


def spread(items: list[Doc], k: int) -> list[Doc]:
    """k items at evenly spaced positions of `items`."""
    if k >= len(items):
        return list(items)
    return [items[(2 * i + 1) * len(items) // (2 * k)] for i in range(k)]


def select(docs: list[Doc], count: int = COUNT) -> list[Doc]:
    """Round-robin over years of the eligible documents (see module docstring)."""
    by_year: dict[str, list[Doc]] = defaultdict(list)
    for doc in sorted(filter(eligible, docs), key=lambda d: (d["date"], d["doc_id"])):
        by_year[doc["date"][:4]].append(doc)
    quota = dict.fromkeys(by_year, 0)
    while sum(quota.values()) < count and any(quota[y] < len(by_year[y]) for y in by_year):
        for year in sorted(by_year):
            if quota[year] < len(by_year[year]) and sum(quota.values()) < count:
                quota[year] += 1
    chosen = [doc for year in sorted(by_year) for doc in spread(by_year[year], quota[year])]
    return sorted(chosen, key=lambda d: (d["date"], d["doc_id"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    args = parser.parse_args()

    with open(args.shared / "kremlin-en" / "transcripts.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    chosen = select(docs)
    (args.out / "kremlin").mkdir(parents=True, exist_ok=True)
    target = args.out / "kremlin" / "kremlin_en_sample.jsonl"
    with open(target, "w", encoding="utf-8") as f:
        for doc in chosen:
            f.write(json.dumps({k: doc[k] for k in FIELDS}, ensure_ascii=False) + "\n")
    (args.out / "seed").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.shared / SEED, args.out / SEED)
    years = sorted({d["date"][:4] for d in chosen})
    print(f"{target}: {len(chosen)} transcripts, {sum(len(d['turns']) for d in chosen)} turns, "
          f"{target.stat().st_size / 1e6:.2f} MB, years {years[0]}-{years[-1]}")


if __name__ == "__main__":
    main()
