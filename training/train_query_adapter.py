"""A query adapter for e5-small trained on QMSum train, as a passage ranker feature (docs/quality.md, rounds 9
and 10): measures it and with `--export` writes the shipped adapter and the ranker weights that use it.

    python -m training.train_query_adapter [--l2 0.01] [--epochs 20] [--layers 6] [--val] [--cache DIR]
                                        [--export src/ragqa/models]

1. The QMSum train meetings indexed with e5-small (`training.train_ranker.train_index`, over an hour on first use);
   for every train question: its candidates inside its meeting and their 26 ranker features (the serving code
   path), the question's e5-small vector and the candidates' stored e5-small vectors.
2. The tuned MiniLM's out-of-fold cosines (`training.finetune_minilm.out_of_fold_cosines`: the two fold models
   behind the shipped `encoder` weights, fine-tuned once and kept under the cache folder) and their window means
   (`passage_features.encoder_features`).
3. The adapter: A (dim x dim, zero at the start), q' = (q + A q) / |q + A q|, scored as q' . p against the
   passage vectors the index already stores; trained with the listwise loss over every chunk of the question's
   meeting (-log P(a chunk holding an evidence turn), a learnt temperature starting at 50), Adam lr 1e-3,
   batches of 32, `--epochs` epochs, `--l2` times |A|^2; seeded. Five adapters cross-fitted over the ranker's
   five folds by meeting give every train question an out-of-fold adapted cosine; one trained on all of train
   is the shipped one.
4. Rows: each cosine alone, and the ranker (5-fold cross-validation by meeting on train) over the 29 features
   (26 + the MiniLM three), then + the adapted cosine (z-score within the meeting's chunks: `adapter_features`).
   `--val`: the same rankers fitted on all train, checked on the QMSum val meetings indexed with e5-small and
   the shipped ranker encoder's cosines (val is never used for a choice).
5. `--export DIR`: DIR/query_adapter_e5_small.npz (`embedding.query_adapter`) and the `adapter` section of
   DIR/passage_ranker.json: the ranker over the 26 + 3 + 1 features fitted on all train. Re-run it after
   `training.finetune_minilm --export`: these weights are fitted on that encoder's out-of-fold cosines.
About 15 minutes on 2 cores once the index and the MiniLM fold models are cached (they take over an hour, and
about 25 minutes, the first time).
"""
from __future__ import annotations

import argparse
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ragqa.embedding.query_adapter import ADAPTERS, QueryAdapter, base_model_id
from ragqa.embedding.ranker_encoder import load_ranker_encoder, passage_text
from ragqa.ranking.features import (ADAPTER_FEATURE_NAMES, ENCODER_FEATURE_NAMES, FEATURE_NAMES, adapter_features,
                                    encoder_features)

from bench.common import DATA, DEFAULT_CACHE, Table
from .finetune_minilm import LAYERS, first_stage, out_of_fold_cosines
from .train_ranker import (cross_validated_scores, evidence_labels, fit_features, mean_metrics, oracle_candidates,
                           train_index, write_ranker_section)

EMBEDDER = "e5-small"
FOLDS = 5  # the ranker's cross-validation folds (`training.train_ranker`): the adapters are cross-fitted over them
L2 = 1e-2
EPOCHS = 20
LEARNING_RATE = 1e-3
BATCH = 32
START_TEMPERATURE = 50.0


@dataclass
class Question:
    text: str
    meeting: str
    turns: list[list[int]]
    gold: set[int]
    words: np.ndarray
    owner: np.ndarray
    features: np.ndarray  # the 26 ranker features (e5-small dense side)
    query: np.ndarray  # the question's e5-small vector
    passages: np.ndarray  # the candidates' stored e5-small vectors (candidates, dim)
    texts: list[str]  # "Speaker: text" of the candidates (what the ranker encoder reads)

    @property
    def labels(self) -> np.ndarray:
        return evidence_labels(self.turns, self.gold)


def questions_of(transcripts: Path, questions: Path, cache: Path) -> tuple[list[Question], str]:
    """Every question of `questions` with gold turns, inside its meeting of the e5-small index of `transcripts`;
    and the embedder's model id."""
    index = train_index(transcripts, EMBEDDER, cache)
    snapshot = index.backend.snapshot
    out = []
    for q, c, features in oracle_candidates(index, questions):
        chunks = [snapshot.chunk(int(r)) for r in c.rows]
        out.append(Question(q.question, q.transcript_id, [list(ch["turns"]) for ch in chunks], set(q.gold_turns or ()),
                            c.word_counts, c.owner, features, index.embedder.embed_queries([q.question])[0],
                            np.asarray(snapshot.vectors.take(c.rows), dtype=np.float32),
                            [passage_text(ch["speaker"], ch["text"]) for ch in chunks]))
    return out, index.embedder.model_id


def train_adapter(questions: list[Question], l2: float, epochs: int, seed: int) -> np.ndarray:
    """The adapter matrix A fitted on `questions` (see the module docstring)."""
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    data = [(torch.tensor(q.query), torch.tensor(q.passages), torch.tensor(q.labels))
            for q in questions if 0 < q.labels.sum() < len(q.labels)]
    dim = data[0][0].shape[0]
    matrix = torch.zeros((dim, dim), requires_grad=True)
    log_temperature = torch.tensor(np.log(START_TEMPERATURE), requires_grad=True)
    optimizer = torch.optim.Adam([matrix, log_temperature], lr=LEARNING_RATE)
    for _ in range(epochs):
        order = torch.randperm(len(data))
        for start in range(0, len(data), BATCH):
            batch = order[start:start + BATCH]
            loss = torch.zeros(())
            for i in batch:
                q, p, y = data[int(i)]
                adapted = q + matrix @ q
                s = log_temperature.exp() * (p @ (adapted / adapted.norm()))
                loss = loss + torch.logsumexp(s, 0) - torch.logsumexp(s[y], 0)
            loss = loss / len(batch) + l2 * (matrix ** 2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return matrix.detach().numpy().astype(np.float32)


def adapted_cosines(adapter: QueryAdapter, q: Question) -> np.ndarray:
    return (q.passages @ adapter.adapt(q.query)).astype(np.float64)


def out_of_fold_adapted(questions: list[Question], l2: float, epochs: int, embedder: str) -> list[np.ndarray]:
    """Each question's adapted cosines under an adapter trained without its meeting's fold (the ranker's folds)."""
    fold = np.array([zlib.crc32(q.meeting.encode()) % FOLDS for q in questions])
    out: list[np.ndarray] = [np.zeros(0)] * len(questions)
    for k in range(FOLDS):
        if not (fold == k).any():
            continue
        adapter = QueryAdapter(embedder, train_adapter([q for q, f in zip(questions, fold) if f != k], l2, epochs,
                                                       seed=k))
        for i in np.flatnonzero(fold == k):
            out[i] = adapted_cosines(adapter, questions[i])
    return out


def ranker_features(q: Question, minilm: np.ndarray, adapted: np.ndarray | None) -> np.ndarray:
    """The 26 features, the ranker encoder's three, and the adapter's one (when `adapted` is given)."""
    ok = np.ones(len(q.turns), dtype=bool)  # QMSum is English: every chunk is in the encoder's language
    columns = [q.features, encoder_features(minilm, q.words, q.owner, ok)]
    if adapted is not None:
        columns.append(adapter_features(adapted, ok))
    return np.hstack(columns)


def aligned_minilm_cosines(questions: list[Question], transcripts: Path, path: Path, layers: int,
                           cache: Path) -> list[np.ndarray]:
    """The tuned MiniLM's out-of-fold cosines of each question's candidates (computed over the use-m3 train index
    the fold models were fine-tuned with: same chunking, so the same candidates, checked)."""
    minilm_questions = first_stage(transcripts, path, "use-m3", cache)
    if [(q.meeting, q.turns) for q in minilm_questions] != [(q.meeting, q.turns) for q in questions]:
        raise SystemExit("the use-m3 and e5-small train indexes hold different chunks; rebuild the cache")
    return out_of_fold_cosines(minilm_questions, layers, cache)


def export(out: Path, adapter: QueryAdapter, weights: np.ndarray, n_questions: int, l2: float, epochs: int) -> list[Path]:
    """Write the adapter and the ranker file's `adapter` section into `out`."""
    adapter_file = out / ADAPTERS[adapter.embedder]
    adapter.save(adapter_file)
    ranker_file = write_ranker_section(out, "adapter", {
        "embedder": adapter.embedder, "features": [*FEATURE_NAMES, *ENCODER_FEATURE_NAMES, *ADAPTER_FEATURE_NAMES],
        "weights": [round(float(w), 6) for w in weights],
        "trained_on": f"out-of-fold adapted cosines ({FOLDS} folds by meeting, adapter L2 {l2}, {epochs} epochs) and "
                      f"MiniLM cosines (2 folds) of {n_questions} QMSum train questions, e5-small features",
        "command": "python -m training.train_query_adapter --export src/ragqa/models"})
    return [adapter_file, ranker_file]


def main(argv: list[str] | None = None) -> Table:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcripts", type=Path, default=DATA / "qmsum-train" / "transcripts.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "qmsum-train" / "questions.jsonl")
    parser.add_argument("--l2", type=float, default=L2, help="L2 penalty on the adapter matrix")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--layers", type=int, default=LAYERS, help="MiniLM layers fine-tuned in its fold models "
                        "(`training.finetune_minilm --layers`; 6 made the shipped encoder)")
    parser.add_argument("--val", action="store_true", help="also check on QMSum val (e5-small index)")
    parser.add_argument("--val-transcripts", type=Path, default=DATA / "qmsum-val" / "transcripts.jsonl")
    parser.add_argument("--val-questions", type=Path, default=DATA / "qmsum-val" / "questions.jsonl")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--export", type=Path, help="write the adapter and the ranker file into this folder")
    args = parser.parse_args(argv)

    questions, model_id = questions_of(args.transcripts, args.questions, args.cache)
    embedder = base_model_id(model_id)
    if embedder not in ADAPTERS:
        raise SystemExit(f"no bundled adapter file name for {embedder}; add it to embedding.query_adapter.ADAPTERS")
    minilm = aligned_minilm_cosines(questions, args.transcripts, args.questions, args.layers, args.cache)
    adapted = out_of_fold_adapted(questions, args.l2, args.epochs, embedder)
    labels = [q.labels for q in questions]
    meetings = [q.meeting for q in questions]
    x29 = [ranker_features(q, c, None) for q, c in zip(questions, minilm)]
    x30 = [ranker_features(q, c, a) for q, c, a in zip(questions, minilm, adapted)]
    rows = {
        "e5-small cosine alone": mean_metrics(questions, [q.passages @ q.query for q in questions]),
        "adapted e5-small cosine alone (out of fold)": mean_metrics(questions, adapted),
        "ranker: 26 + tuned MiniLM 3 (refitted on e5-small features)": mean_metrics(
            questions, cross_validated_scores(x29, labels, meetings, FOLDS)),
        "ranker: + adapted cosine (shipped)": mean_metrics(questions, cross_validated_scores(x30, labels, meetings,
                                                                                              FOLDS)),
    }
    adapter = QueryAdapter(embedder, train_adapter(questions, args.l2, args.epochs, seed=FOLDS))
    w29, w30 = fit_features(x29, labels), fit_features(x30, labels)
    val: dict[str, tuple[float, float]] = {}
    if args.val:
        checks, _ = questions_of(args.val_transcripts, args.val_questions, args.cache)
        encoder = load_ranker_encoder("minilm-qmsum")  # the shipped encoder: fine-tuned on all train
        texts = {q.meeting: q.texts for q in checks}  # every question of a meeting has its chunks as candidates
        passages = {meeting: encoder.encode_passages(chunks) for meeting, chunks in texts.items()}  # once each
        cos = [(passages[q.meeting] @ encoder.encode_query(q.text)).astype(np.float64) for q in checks]
        val_adapted = [adapted_cosines(adapter, q) for q in checks]
        val["e5-small cosine alone"] = mean_metrics(checks, [q.passages @ q.query for q in checks])
        val["adapted e5-small cosine alone (out of fold)"] = mean_metrics(checks, val_adapted)
        val["ranker: 26 + tuned MiniLM 3 (refitted on e5-small features)"] = mean_metrics(
            checks, [ranker_features(q, c, None) @ w29 for q, c in zip(checks, cos)])
        val["ranker: + adapted cosine (shipped)"] = mean_metrics(
            checks, [ranker_features(q, c, a) @ w30 for q, c, a in zip(checks, cos, val_adapted)])
    table = Table(f"Query adapter for {embedder} on {args.questions} ({len(questions)} questions), ORACLE scope",
                  ["ranking", "train CV MRR", "train CV nDCG@10", "val MRR", "val nDCG@10"])
    for name, (mrr, ndcg) in rows.items():
        v = val.get(name)
        table.add(name, f"{mrr:.3f}", f"{ndcg:.3f}", f"{v[0]:.3f}" if v else "", f"{v[1]:.3f}" if v else "")
        table.data.append({"ranking": name, "mrr": mrr, "ndcg10": ndcg,
                           **({"val_mrr": v[0], "val_ndcg10": v[1]} if v else {})})
    table.notes.append(f"adapter: L2 {args.l2}, {args.epochs} epochs; train CV: {FOLDS} folds by meeting over "
                       "out-of-fold adapted and MiniLM cosines; val: adapter and rankers fitted on all train")
    if args.export:
        written = export(args.export, adapter, w30, len(questions), args.l2, args.epochs)
        table.notes.append("written: " + ", ".join(map(str, written)))
    print(table.render())
    return table


if __name__ == "__main__":
    main()
