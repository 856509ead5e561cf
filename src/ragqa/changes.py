"""What a build/add/remove changes, independent of where the index is stored.

`plan_changes` compares incoming transcripts with what is indexed (content hashes); `prepare_batch`
turns the new/changed ones into chunks, vectors and term counts (the expensive part, which a
distributed build runs on workers); a store backend then commits plan + batch in one step.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np
import scipy.sparse as sp

from .chunking import chunk_transcript
from .embedding import Embedder
from .embedding.ranker_encoder import RankerEncoder, applies_to, load_ranker_encoder, passage_text
from .lexical import N_FEATURES, term_frequencies
from .settings import Settings
from .store.manifest import Manifest, SegmentRecord, TranscriptRecord
from .types import Chunk, SourceProblem, Transcript

Progress = Callable[[int, int], None]  # (done, total) chunks embedded
EMBED_BATCH = 256


@dataclass
class BuildReport:
    """What a build/add did."""

    added: list[str] = field(default_factory=list)  # new or changed transcripts (embedded)
    unchanged: list[str] = field(default_factory=list)  # already indexed with the same content
    removed: list[str] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    chunks_embedded: int = 0


@dataclass(frozen=True)
class ChangePlan:
    """The transcripts to (re)index and to drop, against a base manifest (the committed one, or an
    empty one when the encoder/chunking changed and everything is rebuilt)."""

    base: Manifest
    incoming: list[Transcript]
    removed: list[str]

    @property
    def empty(self) -> bool:
        return not self.incoming and not self.removed


@dataclass(frozen=True)
class PreparedBatch:
    """Chunks of the incoming transcripts with their passage vectors and raw term counts (row i of
    `vectors`/`term_counts`/`ranker_vectors` belongs to `chunks[i]`), and the ranker encoder's vectors
    (float16; zero rows for chunks not in its language) when the build keeps them."""

    chunks: list[Chunk]
    vectors: np.ndarray
    term_counts: sp.csr_matrix
    ranker_vectors: np.ndarray | None = None
    ranker_encoder: str | None = None  # the name of the encoder that made `ranker_vectors`


def content_hash(transcript: Transcript) -> str:
    """Hash of everything that ends up in the index for a transcript."""
    payload = {"turns": [asdict(t) for t in transcript.turns], "title": transcript.title,
               "date": transcript.date, "place": transcript.place, "url": transcript.url,
               "source": transcript.source}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def empty_manifest(settings: Settings, embedder: Embedder) -> Manifest:
    """The manifest of an index with nothing in it, for these settings."""
    return Manifest(embedder=embedder.model_id, embedder_config=settings.embedder.model_dump(mode="json"),
                    dim=embedder.dim, chunking=settings.chunking.model_dump(mode="json"))


def compatible(manifest: Manifest, settings: Settings, embedder: Embedder) -> bool:
    """Whether new chunks made with `settings`/`embedder` can join the index of `manifest`."""
    return (manifest.embedder == embedder.model_id and manifest.dim == embedder.dim
            and manifest.chunking == settings.chunking.model_dump(mode="json"))


def plan_changes(current: Manifest, settings: Settings, embedder: Embedder, transcripts: list[Transcript],
                 remove: set[str], replace_all: bool, force: bool, report: BuildReport,
                 location: str) -> ChangePlan:
    """Which transcripts to embed and which to drop. With `replace_all` the index will hold exactly
    `transcripts`; an index built with another encoder/chunking is only rebuilt then (else refused)."""
    if not compatible(current, settings, embedder):
        if not replace_all:
            from .errors import IndexFormatError

            raise IndexFormatError(
                f"{location}: index was built with embedder {current.embedder} and chunking {current.chunking}; "
                f"the configured ones differ ({embedder.model_id}, {settings.chunking.model_dump()}). "
                f"Rebuild with: ragqa build SOURCES --index {location}")
        current = empty_manifest(settings, embedder)
        force = True
    incoming: list[Transcript] = []
    for transcript in transcripts:
        old = current.transcripts.get(transcript.id)
        if old is not None and old.content_hash == content_hash(transcript) and not force:
            report.unchanged.append(transcript.id)
        else:
            incoming.append(transcript)
    if replace_all:
        keep = {t.id for t in transcripts}
        remove = remove | {tid for tid in current.transcripts if tid not in keep}
    removed = [tid for tid in sorted(remove) if tid in current.transcripts]
    report.removed.extend(removed)
    report.added = [t.id for t in incoming]
    return ChangePlan(base=current, incoming=incoming, removed=removed)


def chunk_transcripts(transcripts: list[Transcript], settings: Settings) -> list[Chunk]:
    """The chunks of `transcripts`, in order."""
    return [c for t in transcripts for c in chunk_transcript(t, settings.chunking)]


def ranker_encoder_name(settings: Settings) -> str | None:
    """The ranker encoder whose passage vectors a build keeps, or None."""
    name = settings.retrieval.ranker_encoder
    return None if name == "none" else name


def embed_chunks(embedder: Embedder, chunks: list[Chunk], progress: Progress | None,
                 ranker_encoder: RankerEncoder | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Passage vectors for chunks (and the ranker encoder's, for chunks in its language), in batches,
    reporting progress."""
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    ranker_vectors = (np.zeros((len(chunks), ranker_encoder.dim), dtype=np.float16)
                      if ranker_encoder is not None else None)
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start:start + EMBED_BATCH]
        vectors[start:start + len(batch)] = embedder.embed_passages([c.embed_text for c in batch])
        if ranker_encoder is not None and ranker_vectors is not None:
            rows = [i for i, c in enumerate(batch) if applies_to(c.lang)]
            if rows:
                ranker_vectors[[start + i for i in rows]] = ranker_encoder.encode_passages(
                    [passage_text(batch[i].speaker, batch[i].text) for i in rows])
        if progress:
            progress(start + len(batch), len(chunks))
    return vectors, ranker_vectors


def prepare_chunks(chunks: list[Chunk], embedder: Embedder, progress: Progress | None = None,
                   ranker_encoder: str | None = None) -> PreparedBatch:
    """Vectors and term counts of already-made chunks, and the vectors of the ranker encoder named
    `ranker_encoder` (None: none)."""
    encoder = load_ranker_encoder(ranker_encoder) if ranker_encoder is not None else None
    vectors, ranker_vectors = embed_chunks(embedder, chunks, progress, encoder)
    terms = (term_frequencies([c.text for c in chunks], [c.lang for c in chunks]) if chunks
             else sp.csr_matrix((0, N_FEATURES), dtype=np.float32))
    return PreparedBatch(chunks=chunks, vectors=vectors, term_counts=terms, ranker_vectors=ranker_vectors,
                         ranker_encoder=ranker_encoder)


def prepare_batch(transcripts: list[Transcript], settings: Settings, embedder: Embedder,
                  progress: Progress | None = None) -> PreparedBatch:
    """Chunk, embed and count the terms of `transcripts` in this process."""
    return prepare_chunks(chunk_transcripts(transcripts, settings), embedder, progress,
                          ranker_encoder_name(settings))


def transcript_records(transcripts: list[Transcript], chunks: list[Chunk], segment: str) -> dict[str, TranscriptRecord]:
    """Manifest records of newly indexed transcripts whose chunks live in `segment`."""
    per_transcript: dict[str, int] = {}
    for c in chunks:
        per_transcript[c.transcript_id] = per_transcript.get(c.transcript_id, 0) + 1
    return {t.id: TranscriptRecord(
        id=t.id, content_hash=content_hash(t), segment=segment, title=t.title or t.id, n_turns=len(t.turns),
        n_chunks=per_transcript.get(t.id, 0), speakers=t.speakers, date=t.date, place=t.place, url=t.url,
        source=t.source, path=t.path) for t in transcripts}


def next_manifest(plan: ChangePlan, settings: Settings, embedder: Embedder, new_records: dict[str, TranscriptRecord],
                  new_segments: list[SegmentRecord]) -> Manifest:
    """The manifest after applying `plan`: base records minus removed plus new ones, next generation.
    Segments keep a list of their transcripts that were removed or replaced (`dropped`); segments no
    live transcript uses any more are left out. Stores without segment files pass no segments."""
    gone = set(plan.removed) | {tid for tid in new_records if tid in plan.base.transcripts}
    records = {tid: r for tid, r in plan.base.transcripts.items() if tid not in gone}
    records.update(new_records)
    dropped: dict[str, list[str]] = {}
    for tid in sorted(gone):
        dropped.setdefault(plan.base.transcripts[tid].segment, []).append(tid)
    live = {r.segment for r in records.values()}
    segments = [replace(s, dropped=sorted(set(s.dropped) | set(dropped.get(s.name, []))))
                for s in [*plan.base.segments, *new_segments] if s.name in live]
    return Manifest(
        embedder=embedder.model_id, embedder_config=settings.embedder.model_dump(mode="json"), dim=embedder.dim,
        chunking=settings.chunking.model_dump(mode="json"), generation=plan.base.generation + 1,
        segments=segments, transcripts=records)
