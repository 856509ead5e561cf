"""Big indexes for the latency, memory and incremental figures, synthesized from real chunks.

A base of real chunks (a deterministic subset of a corpus, chunked and embedded by the configured
embedder, cached) is replicated until the index holds n chunks. Replica r of transcript T is the
transcript `T~r` with the same turns; its chunk vectors are the real vectors plus Gaussian noise of
norm SIGMA, re-normalised (cosine to the original about 0.71, the median nearest-neighbour
similarity of real chunks), so the ANN sees a realistic spread rather than near-duplicates (with
less noise, clusters of near-identical replicas make HNSW recall collapse: 0.75 at 25k from 368 real
chunks with noise 0.5). BM25
term counts are copied as they are. The index is written with ragqa's own segment writer, as one
segment, like `ragqa build` does.
"""
from __future__ import annotations

import hashlib
import shutil
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ragqa.chunking import chunk_transcript
from ragqa.embedding import Embedder, make_embedder
from ragqa.changes import content_hash, embed_chunks
from ragqa.lexical import term_frequencies
from ragqa.parsing import load_sources
from ragqa.settings import Settings
from ragqa.store.manifest import Manifest, TranscriptRecord
from ragqa.store.segment import write_segment
from ragqa.types import Chunk, Transcript

from .common import CORPORA, stable_order

SIGMA = 1.0
SEED = 7


class Base:
    """Real transcripts, their chunks, vectors and term counts."""

    def __init__(self, transcripts: list[Transcript], chunks: list[Chunk], vectors: np.ndarray,
                 terms: sp.csr_matrix) -> None:
        self.transcripts, self.chunks, self.vectors, self.terms = transcripts, chunks, vectors, terms


def load_base(corpus: str, max_chunks: int, settings: Settings, cache: Path) -> Base:
    """About `max_chunks` real chunks of `corpus` (whole transcripts, fixed pseudo-random order); the
    vectors are cached per embedder, so only the first run pays for encoding."""
    loaded = load_sources([CORPORA[corpus]])
    transcripts, chunks = [], []
    for transcript in stable_order(loaded.transcripts, key=lambda t: t.id):
        if len(chunks) >= max_chunks:
            break
        mine = chunk_transcript(transcript, settings.chunking)
        if mine:
            transcripts.append(transcript)
            chunks.extend(mine)
    embedder = make_embedder(settings)
    digest = hashlib.sha1("\n".join(c.embed_text for c in chunks).encode()).hexdigest()[:12]
    path = cache / f"vectors-{corpus}-{settings.embedder.model}-{len(chunks)}-{digest}.npy"
    if path.is_file():
        vectors = np.load(path)
    else:
        vectors, _ = embed_chunks(embedder, chunks, None)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return Base(transcripts, chunks, vectors, term_frequencies([c.text for c in chunks]))


def replicate_vectors(vectors: np.ndarray, copies: int, rng: np.random.Generator) -> np.ndarray:
    """`copies` noisy, re-normalised copies of every row (copy 0 is the original)."""
    out = np.tile(vectors, (copies, 1))
    noise = rng.standard_normal(out[len(vectors):].shape, dtype=np.float32) * (SIGMA / np.sqrt(vectors.shape[1]))
    out[len(vectors):] += noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def synth_index(path: Path, n: int, base: Base, embedder: Embedder, settings: Settings) -> Manifest:
    """Write an index of exactly `n` chunks at `path` (reused when it is already there)."""
    try:
        manifest = Manifest.load(path)
        if sum(s.n_chunks for s in manifest.segments) == n:
            return manifest
    except Exception:  # absent, from an interrupted run or an older format: write it again
        shutil.rmtree(path, ignore_errors=True)
    copies = -(-n // len(base.chunks))
    rng = np.random.default_rng(SEED)
    transcripts, chunks = [], []
    for r in range(copies):
        for t in base.transcripts:
            transcripts.append(replace(t, id=f"{t.id}~{r}") if r else t)
        chunks.extend(replace(c, id=f"{c.transcript_id}~{r}:{c.id.split(':', 1)[1]}",
                              transcript_id=f"{c.transcript_id}~{r}") if r else c for c in base.chunks)
    chunks = chunks[:n]
    used = {c.transcript_id for c in chunks}
    transcripts = [t for t in transcripts if t.id in used]
    vectors = replicate_vectors(base.vectors, copies, rng)[:n]
    terms = sp.vstack([base.terms] * copies).tocsr()[:n]
    path.mkdir(parents=True, exist_ok=True)
    name = "seg-000001-synth"
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.transcript_id] = counts.get(c.transcript_id, 0) + 1
    hashes = {t.id: content_hash(t) for t in base.transcripts}  # the id is not part of the hash
    records = {t.id: TranscriptRecord(id=t.id, content_hash=hashes[t.id.split("~")[0]], segment=name,
                                      title=t.title or t.id, n_turns=len(t.turns), n_chunks=counts[t.id],
                                      speakers=t.speakers, date=t.date, url=t.url, source=t.source)
               for t in transcripts}
    segment = write_segment(path, name, chunks, vectors, terms, transcripts, records)
    manifest = Manifest(embedder=embedder.model_id, embedder_config=settings.embedder.model_dump(mode="json"),
                        dim=embedder.dim, chunking=settings.chunking.model_dump(mode="json"), generation=1,
                        segments=[segment], transcripts=records)
    manifest.save(path)
    return manifest


def query_texts(corpus: str, count: int) -> list[str]:
    """Real, in-domain queries: page titles of the corpus (kremlin) or QMSum questions."""
    if corpus.startswith("kremlin"):
        rows = [json.loads(line) for line in open(CORPORA[corpus], encoding="utf-8")]
        titles = [r["title"] for r in stable_order(rows, key=lambda r: r["doc_id"]) if r.get("title")]
        return titles[-count:]
    questions = Path(CORPORA["qmsum-val"]).with_name("questions.jsonl")
    return [json.loads(line)["question"] for line in open(questions, encoding="utf-8")][:count]
