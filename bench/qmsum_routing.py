"""Where CORPUS search loses on QMSum (docs/quality.md, round 14): per QMSum domain, how often the question's
meeting is listed first, the reciprocal rank of the meeting (a cap on turn-level MRR: every meeting listed
before it takes at least one place), the turn-level MRR and nDCG@10, and the meeting MRR of a router that knows
the question's domain, and for AMI Product meetings the scenario stage (the id's last letter: kick-off,
functional, conceptual, detailed design), and picks uniformly among those meetings.

    python -m bench.qmsum_routing --index DIR [--questions Q.jsonl] [--transcripts T.jsonl ...] [--goal 0.40]

DIR: an index of the QMSum meetings (the issue's CORPUS: val + train, `ragqa build qmsum-val/transcripts.jsonl
qmsum-train/transcripts.jsonl`); questions default to QMSum val; the transcripts files give each meeting's domain.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

import ragqa
from ragqa.evaluation import load_questions, question_scores

from .common import DATA, Table

PRODUCT = "Product"  # QMSum's domain of the AMI meetings, role-played runs of one remote-control design scenario


def meeting_domains(paths: list[Path]) -> dict[str, str]:
    """meeting id -> QMSum domain, from transcripts files of JSON lines with `meeting_id` and `domain`."""
    domains = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                domains[str(row["meeting_id"])] = str(row["domain"])
    return domains


def peer_group(meeting: str, domain: str) -> tuple[str, str]:
    """What a router could know of a meeting from the question alone at best: its domain, and for AMI the stage."""
    return (domain, meeting[-1]) if domain == PRODUCT else (domain, "")


def chance_mrr(n: int) -> float:
    """Expected reciprocal rank of one item placed uniformly among n."""
    return float(sum(1 / k for k in range(1, n + 1)) / n) if n else 0.0


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=DATA / "qmsum-val" / "questions.jsonl")
    parser.add_argument("--transcripts", type=Path, nargs="+",
                        default=[DATA / "qmsum-val" / "transcripts.jsonl", DATA / "qmsum-train" / "transcripts.jsonl"])
    parser.add_argument("--goal", type=float, default=0.40, help="the CORPUS MRR goal the notes project against")
    args = parser.parse_args(argv)
    index = ragqa.load_index(args.index)
    domains = meeting_domains(args.transcripts)
    indexed = {m for m in index.manifest.transcripts if m in domains}
    group_sizes: dict[tuple[str, str], int] = defaultdict(int)
    for m in indexed:
        group_sizes[peer_group(m, domains[m])] += 1
    by_domain: dict[str, list[dict[str, float]]] = defaultdict(list)
    for q in load_questions(args.questions):
        if q.transcript_id in indexed:
            scores, _ = question_scores(index, q, "corpus")
            scores["chance"] = chance_mrr(group_sizes[peer_group(q.transcript_id, domains[q.transcript_id])])
            by_domain[domains[q.transcript_id]].append(scores)
    every = [s for rows in by_domain.values() for s in rows]
    if not every:
        raise SystemExit(f"{args.index}: none of the questions' meetings is in the index")
    table = Table(f"CORPUS routing on {args.questions.parent.name} questions over {len(indexed)} meetings",
                  ["domain", "questions", "meetings", "meeting first", "meeting MRR (cap)", "turn MRR", "nDCG@10",
                   "meeting MRR by chance in domain (+ AMI stage)"])
    for name, rows in sorted(by_domain.items()) + [("all", every)]:
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        meetings = len(indexed) if name == "all" else sum(1 for m in indexed if domains[m] == name)
        table.add(name, len(rows), meetings, *(f"{mean[k]:.3f}" for k in
                                               ("transcript_top1", "transcript_mrr", "mrr", "ndcg10", "chance")))
        table.data.append({"domain": name, "questions": len(rows), "meetings": meetings, **mean})
    cap = float(np.mean([r["transcript_mrr"] for r in every]))
    ratio = float(np.mean([r["mrr"] for r in every])) / cap if cap else 0.0
    table.notes.append(f"turn MRR / meeting MRR = {ratio:.3f}: the share of the routing cap the ranking inside the "
                       "right meeting keeps")
    product = [r["transcript_mrr"] for r in by_domain.get(PRODUCT, [])]
    if product and ratio:
        others = sum(r["transcript_mrr"] for name, rows in by_domain.items() if name != PRODUCT for r in rows)
        best_others = (sum(product) + len(every) - len(product)) / len(every)
        needed = (args.goal / ratio * len(every) - others) / len(product)
        table.notes.append(f"at that share, every non-{PRODUCT} meeting routed first gives turn MRR "
                           f"{best_others * ratio:.3f}; turn MRR {args.goal:.2f} with the other domains as they are "
                           f"needs {PRODUCT} meeting MRR {needed:.3f} (now {np.mean(product):.3f})")
    print(table.render())
    return table


if __name__ == "__main__":
    main()
