"""Turn-level retrieval evaluation (`ragqa eval`): nDCG@10, Recall@10, MRR, Hit@k and latency.

A retrieved chunk counts as the turns it covers, in order (a turn already seen is skipped), so chunking
choices cannot inflate the numbers. A question without `gold_turns` counts every turn of its transcript.
Across transcripts (CORPUS) it also reports routing: the rank of the question's transcript among the
transcripts in the order their first chunk is listed. Turn-level MRR cannot exceed that transcript MRR, since
every transcript listed before the question's takes at least one place.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import RagqaError
from .types import Hit

DEPTH = 20  # chunks retrieved per question; MRR is computed over their turns


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    transcript_id: str
    gold_turns: tuple[int, ...] | None


@dataclass
class EvalReport:
    scope: str
    questions: int
    ndcg10: float
    recall10: float
    mrr: float
    hit5: float
    hit10: float
    transcript_mrr: float  # reciprocal rank of the question's transcript (1 in ORACLE scope when anything is found)
    transcript_top1: float  # share of questions whose transcript is listed first
    latency_p50_ms: float
    latency_p95_ms: float

    def table(self) -> str:
        rows = [("scope", self.scope), ("questions", str(self.questions)), ("nDCG@10", f"{self.ndcg10:.3f}"),
                ("Recall@10", f"{self.recall10:.3f}"), ("MRR", f"{self.mrr:.3f}"), ("Hit@5", f"{self.hit5:.3f}"),
                ("Hit@10", f"{self.hit10:.3f}")]
        if self.scope == "corpus":
            rows += [("transcript MRR", f"{self.transcript_mrr:.3f}"),
                     ("transcript first", f"{self.transcript_top1:.3f}")]
        rows += [("latency p50", f"{self.latency_p50_ms:.1f} ms"), ("latency p95", f"{self.latency_p95_ms:.1f} ms")]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def load_questions(path: Path) -> list[Question]:
    """Questions from JSONL: {qid, question, meeting_id|transcript_id, gold_turns?}."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise RagqaError(f"{path}: cannot read questions ({exc})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            tid = row.get("transcript_id") or row.get("meeting_id")
            gold = row.get("gold_turns")
            questions.append(Question(qid=str(row.get("qid", n)), question=row["question"], transcript_id=str(tid),
                                      gold_turns=tuple(int(g) for g in gold) if gold else None))
        except (ValueError, KeyError, TypeError) as exc:
            raise RagqaError(f"{path}:{n}: not a question line ({exc}); expected "
                             "{qid, question, meeting_id|transcript_id, gold_turns?}") from exc
    return questions


def turn_ranking(hits: Iterable[Hit]) -> list[tuple[str, int]]:
    """(transcript, turn) pairs in retrieval order, each once."""
    seen: dict[tuple[str, int], None] = {}
    for hit in hits:
        for turn in hit.turns:
            seen.setdefault((hit.transcript_id, turn), None)
    return list(seen)


def transcript_rank(hits: Iterable[Hit], transcript_id: str) -> int | None:
    """1-based rank of `transcript_id` among the transcripts in the order their first hit is listed."""
    order = list(dict.fromkeys(hit.transcript_id for hit in hits))
    return order.index(transcript_id) + 1 if transcript_id in order else None


def score_ranking(ranking: Sequence[tuple[str, int]], gold: set[tuple[str, int]]) -> dict[str, float]:
    """Binary-relevance metrics of one ranking."""
    rel = [1.0 if item in gold else 0.0 for item in ranking]
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel[:10]))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(10, len(gold))))
    first = next((i for i, r in enumerate(rel) if r), None)
    return {"ndcg10": dcg / idcg if idcg else 0.0,
            "recall10": sum(rel[:10]) / len(gold) if gold else 0.0,
            "mrr": 1.0 / (first + 1) if first is not None else 0.0,
            "hit5": 1.0 if any(rel[:5]) else 0.0,
            "hit10": 1.0 if any(rel[:10]) else 0.0}


def question_scores(index: Any, q: Question, scope: str = "corpus",
                    depth: int = DEPTH) -> tuple[dict[str, float], float]:
    """One question's metrics (`score_ranking`'s, with the reciprocal rank of its transcript as `transcript_mrr`
    and `transcript_top1`) and its search time in ms; its transcript must be in `index`."""
    n_turns = index.manifest.transcripts[q.transcript_id].n_turns
    gold_turns = q.gold_turns if q.gold_turns is not None else tuple(range(n_turns))
    start = time.perf_counter()
    hits = index.search(q.question, k=depth, transcript=q.transcript_id if scope == "oracle" else None)
    elapsed = (time.perf_counter() - start) * 1000
    scores = score_ranking(turn_ranking(hits), {(q.transcript_id, t) for t in gold_turns})
    rank = transcript_rank(hits, q.transcript_id)
    scores["transcript_mrr"] = 1.0 / rank if rank else 0.0
    scores["transcript_top1"] = 1.0 if rank == 1 else 0.0
    return scores, elapsed


def evaluate(index: Any, questions: Sequence[Question], scope: str = "corpus", depth: int = DEPTH) -> EvalReport:
    """Run every question against `index` (ORACLE scope restricts search to the question's transcript)."""
    known = index.manifest.transcripts
    scored = [question_scores(index, q, scope, depth) for q in questions if q.transcript_id in known]
    if not scored:
        raise RagqaError("none of the questions' transcripts are in the index; build it from their transcripts")
    means = {key: float(np.mean([scores[key] for scores, _ in scored])) for key in scored[0][0]}
    lat = np.asarray([elapsed for _, elapsed in scored])
    return EvalReport(scope=scope, questions=len(scored), **means,
                      latency_p50_ms=float(np.percentile(lat, 50)), latency_p95_ms=float(np.percentile(lat, 95)))


def run_eval_cli(args: Any, settings: Any) -> int:
    from .index import load_index

    index = load_index(settings.index_dir, settings=settings)
    questions = load_questions(args.questions)[: args.limit]
    report = evaluate(index, questions, scope=args.scope)
    print(json.dumps(asdict(report), indent=1) if args.json else report.table())
    return 0
