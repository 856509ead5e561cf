"""An immutable, searchable view of one committed index generation.

Readers hold a snapshot; writers build a new one and swap it in, so a query never sees a
half-applied change.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .dense_index import DenseIndex, SegmentRows
from .lexical import N_FEATURES, LexicalIndex
from .store.manifest import Manifest
from .store.segment import read_chunks, read_terms, read_vectors


@dataclass(frozen=True)
class Snapshot:
    """Live chunks of a generation, columnar, plus their dense and lexical indexes."""

    manifest: Manifest
    chunk_ids: list[str]
    transcript_ids: list[str]
    turns: list[list[int]]
    speakers: list[str]
    texts: list[str]
    starts: list[float | None]
    ends: list[float | None]
    transcript_codes: np.ndarray  # int32 per chunk: position of its transcript in `transcript_order`
    speaker_keys: np.ndarray  # object array of lower-cased speakers, for filters
    langs: np.ndarray  # object array: language of each chunk's transcript (None if unknown)
    word_counts: np.ndarray  # float64 words per chunk, for neighbour smoothing
    transcript_order: list[str]
    vectors: np.ndarray  # memory-mapped from the segment file when one segment holds every live chunk
    dense: DenseIndex
    lexical: LexicalIndex

    @property
    def size(self) -> int:
        return len(self.chunk_ids)

    @classmethod
    def load(cls, index_dir: Path, manifest: Manifest) -> "Snapshot":
        """Read every segment the manifest names, keeping chunks of live transcripts only."""
        live = set(manifest.transcripts)
        cols: dict[str, list] = {k: [] for k in ("id", "transcript_id", "turns", "speaker", "text", "start", "end",
                                                       "lang")}
        vector_parts: list[np.ndarray] = []
        term_parts: list[sp.csr_matrix] = []
        segment_rows: list[SegmentRows] = []
        for record in manifest.segments:
            rows = read_chunks(index_dir, record)
            keep = np.fromiter((r["transcript_id"] in live for r in rows), dtype=bool, count=len(rows))
            if not keep.any():
                continue
            for r, k in zip(rows, keep):
                if k:
                    for key in cols:
                        cols[key].append(r.get(key))
            segment_rows.append(SegmentRows(record, keep))
            vectors = read_vectors(index_dir, record, manifest.dim)
            vector_parts.append(np.asarray(vectors[keep] if not keep.all() else vectors))
            terms = read_terms(index_dir, record)
            term_parts.append(terms[keep] if not keep.all() else terms)
        if len(vector_parts) == 1 and vector_parts[0].flags.c_contiguous:
            vectors = vector_parts[0]  # no copy: pages are read on demand and shared between processes
        else:
            vectors = (np.ascontiguousarray(np.vstack(vector_parts), dtype=np.float32) if vector_parts
                       else np.zeros((0, manifest.dim), dtype=np.float32))
        terms = sp.vstack(term_parts).tocsr() if term_parts else sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
        dense = DenseIndex.open(index_dir, segment_rows, vectors, manifest.dim)
        order = sorted(live)
        position = {tid: i for i, tid in enumerate(order)}
        return cls(
            manifest=manifest,
            chunk_ids=cols["id"], transcript_ids=cols["transcript_id"], turns=cols["turns"],
            speakers=cols["speaker"], texts=cols["text"], starts=cols["start"], ends=cols["end"],
            transcript_codes=np.fromiter((position[t] for t in cols["transcript_id"]), dtype=np.int32,
                                         count=len(cols["transcript_id"])),
            speaker_keys=np.array([s.casefold() for s in cols["speaker"]], dtype=object),
            langs=np.array(cols["lang"], dtype=object),
            word_counts=np.fromiter((len(t.split()) for t in cols["text"]), dtype=np.float64,
                                    count=len(cols["text"])),
            transcript_order=order,
            vectors=vectors, dense=dense, lexical=LexicalIndex.from_frequencies(terms),
        )
