"""Fit the learned passage ranker (`ragqa.passage_ranker`) on the QMSum train split and report it.

    python -m training.train_ranker [--embedder use-m3] [--folds 5] [--out src/ragqa/models/passage_ranker.json]

Builds (once, cached; with use-m3 a few minutes on 2 cores, with e5-small, the default embedder of the
product, over an hour) an index of the 162 QMSum train meetings, computes for every train question the
features the search computes inside the question's meeting (`ranking.search.candidates_for` +
`learned_features`: the same code path), and fits a linear scorer with a listwise softmax loss: the
log-probability that the top chunk holds an evidence turn (L2 1e-3, L-BFGS). Prints a table with the
cross-validated turn-level MRR / nDCG@10 (folds by meeting; chunks listed per cited turn as search does,
`passage_ranker.per_turn`) of the fitted ranker next to the hand-set "smoothed" ranker, then writes the
weights. Val questions are never used here (`ragqa eval` on val is the check).
"""
from __future__ import annotations

import argparse
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from ragqa.evaluation import Question, load_questions, score_ranking
from ragqa.index import Index, build_index
from ragqa.ranking.features import FEATURE_NAMES
from ragqa.ranking.learned import BUNDLED, per_turn
from ragqa.ranking.rank import learned_features, rank_candidates
from ragqa.ranking.search import candidates_for
from ragqa.retrieval.candidates import Candidates
from ragqa.types import Filters
from ragqa.settings import RetrievalSettings, Settings

from bench.common import DATA, DEFAULT_CACHE, REPO, Table

L2 = 1e-3


@dataclass
class QuestionData:
    meeting: str
    features: np.ndarray  # (chunks of the meeting, features)
    turns: list[list[int]]  # turns of each chunk
    gold: set[int]
    smoothed: list[int]  # chunk positions in the hand-set ranker's order (baseline)

    @property
    def labels(self) -> np.ndarray:
        return evidence_labels(self.turns, self.gold)


def evidence_labels(turns: list[list[int]], gold: set[int]) -> np.ndarray:
    """Per chunk (given its turns): does it hold an evidence turn."""
    return np.array([any(t in gold for t in chunk) for chunk in turns])


def train_index(transcripts: Path, embedder: str, cache: Path) -> Index:
    """The training meetings indexed with `embedder` (built on first use; rebuilt if the file changed)."""
    settings = Settings(embedder={"model": embedder}, threads=2)
    return build_index([transcripts], cache / f"{transcripts.parent.name}-{transcripts.stem}-{embedder}",
                       settings=settings)


def oracle_candidates(index: Index, path: Path) -> Iterator[tuple[Question, Candidates, np.ndarray]]:
    """Each question of `path` with gold turns, its candidates inside its meeting and their ranker features
    (the serving code path)."""
    for q in load_questions(path):
        with index.backend.candidates(Filters(transcript=q.transcript_id)) as source:
            c = candidates_for(source, index.embedder, q.question, True, index.settings.retrieval)
        features = learned_features(c)
        if features is not None and q.gold_turns is not None:
            yield q, c, features


def question_data(index: Index, path: Path) -> list[QuestionData]:
    snapshot = index.backend.snapshot
    smoothed = RetrievalSettings(ranker="smoothed")
    out = []
    for q, c, features in oracle_candidates(index, path):
        position = {int(r): i for i, r in enumerate(c.rows)}
        baseline = [position[r] for r, _ in rank_candidates(c, len(c.rows), True, smoothed)]
        out.append(QuestionData(q.transcript_id, features, [list(snapshot.chunk(r)["turns"]) for r in c.rows],
                                set(q.gold_turns), baseline))
    return out


def fit(data: list[QuestionData], l2: float = L2) -> np.ndarray:
    """Weights minimising the mean over questions of -log P(top chunk holds evidence) + l2 |w|^2."""
    return fit_features([d.features for d in data], [d.labels for d in data], l2)


def fit_features(features: list[np.ndarray], labels: list[np.ndarray], l2: float = L2) -> np.ndarray:
    """`fit` over each question's (chunks, features) matrix and its chunks' evidence labels."""
    usable = [(x, y) for x, y in zip(features, labels) if 0 < y.sum() < len(y)]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, y in usable:
            s = x @ w
            total += (logsumexp(s) - logsumexp(s[y])) / len(usable)
            p_gold = np.zeros(len(s))
            p_gold[y] = softmax(s[y])
            grad = grad + x.T @ (softmax(s) - p_gold) / len(usable)
        return total, grad

    start = np.zeros(features[0].shape[1] if features else len(FEATURE_NAMES))
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


def turn_metrics(turns: list[list[int]], gold: set[int], order: Sequence[int], depth: int = 20) -> dict[str, float]:
    """Turn-level metrics of the chunks (given their turns) taken in `order`, the first `depth` of them."""
    ranking = list(dict.fromkeys(t for i in order[:depth] for t in turns[i]))
    return score_ranking([("m", t) for t in ranking], {("m", t) for t in gold})


class Judged(Protocol):
    """A question's chunks (the turns each covers) and its evidence turns."""

    turns: list[list[int]]
    gold: set[int]


def ranked(turns: list[list[int]], scores: np.ndarray) -> list[int]:
    """Chunk positions in the order search lists them: learned scores per cited turn (`per_turn`), ties by
    position."""
    s = per_turn(scores, np.array([len(t) for t in turns]))
    return list(np.lexsort((np.arange(len(s)), -s)))


def mean_metrics(questions: Sequence[Judged], scores: Sequence[np.ndarray]) -> tuple[float, float]:
    """Mean turn-level MRR and nDCG@10 with each question's chunks ranked by its scores as search does."""
    scored = [turn_metrics(q.turns, q.gold, ranked(q.turns, s)) for q, s in zip(questions, scores)]
    return float(np.mean([s["mrr"] for s in scored])), float(np.mean([s["ndcg10"] for s in scored]))


def write_ranker_section(out: Path, name: str, section: dict[str, Any]) -> Path:
    """Write `out`/passage_ranker.json with its `name` section (a weight set fitted by one script) replaced; the
    rest is kept from the file already there, else taken from the bundled one."""
    path = out / BUNDLED
    source = path if path.is_file() else REPO / "src" / "ragqa" / "models" / BUNDLED
    spec: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    spec[name] = section
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return path


def learned_order(d: QuestionData, w: np.ndarray) -> list[int]:
    return ranked(d.turns, d.features @ w)


def add_row(table: Table, name: str, data: list[QuestionData], orders: list[list[int]]) -> None:
    """A row of mean turn-level MRR and nDCG@10 (printed to three decimals)."""
    scored = [turn_metrics(d.turns, d.gold, o) for d, o in zip(data, orders)]
    mrr, ndcg = float(np.mean([s["mrr"] for s in scored])), float(np.mean([s["ndcg10"] for s in scored]))
    table.add(name, f"{mrr:.3f}", f"{ndcg:.3f}")
    table.data.append({"ranker": name, "mrr": mrr, "ndcg10": ndcg})


def cross_validate(data: list[QuestionData], folds: int) -> list[list[int]]:
    """Each question ranked by weights fitted without its meeting's fold."""
    scores = cross_validated_scores([d.features for d in data], [d.labels for d in data], [d.meeting for d in data],
                                    folds)
    return [ranked(d.turns, s) for d, s in zip(data, scores)]


def cross_validated_scores(features: list[np.ndarray], labels: list[np.ndarray], meetings: list[str],
                           folds: int) -> list[np.ndarray]:
    """Each question's chunk scores by weights (`fit_features`) fitted without its meeting's fold."""
    fold = np.array([zlib.crc32(m.encode()) % folds for m in meetings])
    scores: list[np.ndarray] = [np.zeros(0)] * len(features)
    for k in range(folds):
        held = np.flatnonzero(fold == k)
        if len(held):
            w = fit_features([features[i] for i in np.flatnonzero(fold != k)],
                             [labels[i] for i in np.flatnonzero(fold != k)])
            for i in held:
                scores[i] = features[i] @ w
    return scores


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcripts", type=Path, default=DATA / "qmsum-train" / "transcripts.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "qmsum-train" / "questions.jsonl")
    parser.add_argument("--embedder", default="use-m3", help="embedder of the training index (default use-m3: the "
                        "shipped weights; the dense features are z-scores within a transcript and a fit transfers "
                        "to e5-small, docs/quality.md)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=REPO / "src" / "ragqa" / "models" / "passage_ranker.json")
    args = parser.parse_args(argv)
    index = train_index(args.transcripts, args.embedder, args.cache)
    data = question_data(index, args.questions)
    table = Table(f"Passage ranker on {args.questions} ({len(data)} questions, {args.embedder}), ORACLE scope",
                  ["ranker", "MRR", "nDCG@10"])
    add_row(table, "smoothed (hand-set fusion + smoothing)", data, [d.smoothed for d in data])
    add_row(table, f"learned, {args.folds}-fold CV by meeting", data, cross_validate(data, args.folds))
    weights = fit(data)
    add_row(table, "learned, fitted on all (in-sample)", data, [learned_order(d, weights) for d in data])
    spec = {"features": list(FEATURE_NAMES), "weights": [round(float(w), 6) for w in weights],
            "trained_on": f"{args.questions.parent.name}/{args.questions.name}, {len(data)} questions, "
                          f"embedder {args.embedder}",
            "loss": f"listwise softmax (-log P(top chunk holds an evidence turn)), L2 {L2}",
            "command": "python -m training.train_ranker"}
    if args.out.is_file():  # the ranker encoder's and the query adapter's weights (training.finetune_minilm --export,
        # training.train_query_adapter --export) are fitted apart: keep them
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        spec.update({section: previous[section] for section in ("encoder", "adapter") if section in previous})
    args.out.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    table.notes.append(f"weights written to {args.out}")
    print(table.render())
    return table


if __name__ == "__main__":
    main()
