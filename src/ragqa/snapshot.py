"""An immutable, searchable view of one committed index generation.

Readers hold a snapshot; writers build a new one and swap it in, so a query never sees a
half-applied change. A snapshot reads arrays, not chunk texts (`store.columns`): texts are read
from the memory-mapped docstore only for the hits a query returns. Segments never change, so a new
generation reuses the segments the previous snapshot already read and reads only new ones.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .dense_index import DenseIndex, RowVectors, SegmentRows
from .embedding.ranker_encoder import DIM as RANKER_DIM
from .lexical import LexicalIndex, PostingsPart
from .store.columns import ChunkColumns, Postings
from .store.manifest import Manifest, SegmentRecord
from .store.segment import RANKER_VECTORS_FILE, ChunkLines, read_columns, read_vectors
from .types import Filters


@dataclass(frozen=True)
class SegmentData:
    """What a snapshot reads of one segment; shared by every snapshot that holds the segment."""

    record: SegmentRecord
    columns: ChunkColumns
    postings: Postings
    vectors: np.ndarray  # memory-mapped
    lines: ChunkLines
    ranker_vectors: np.ndarray | None  # memory-mapped float16, when the segment has them

    @classmethod
    def read(cls, index_dir: Path, record: SegmentRecord, dim: int) -> "SegmentData":
        columns, postings = read_columns(index_dir, record)
        ranker_vectors = None
        if record.ranker_encoder is not None:
            ranker_vectors = read_vectors(index_dir, record, RANKER_DIM, RANKER_VECTORS_FILE)
        lines = ChunkLines(index_dir, record, columns.line_start)
        if columns.turn_count is None:  # written before segments kept it: count the turns of every chunk once
            counts = np.fromiter((len(lines.row(i)["turns"]) for i in range(record.n_chunks)), dtype=np.int32,
                                 count=record.n_chunks)
            columns = replace(columns, turn_count=counts)
        return cls(record=record, columns=columns, postings=postings, vectors=read_vectors(index_dir, record, dim),
                   lines=lines, ranker_vectors=ranker_vectors)


@dataclass(frozen=True)
class _Part:
    data: SegmentData
    offset: int  # snapshot row of the segment's first live chunk
    local_rows: np.ndarray  # int64 segment rows of the live chunks, in order


class _Table:
    """Strings coded as small ints across segments."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._code: dict[Any, int] = {}

    def codes(self, values: list[Any]) -> np.ndarray:
        return np.fromiter((self._code.setdefault(v, len(self._code)) for v in values), dtype=np.int32,
                           count=len(values))

    def array(self) -> np.ndarray:
        self.values = list(self._code)
        out = np.empty(len(self.values), dtype=object)
        out[:] = self.values
        return out


@dataclass(frozen=True)
class Snapshot:
    """Live chunks of a generation as columns (codes and counts), plus their dense and lexical indexes."""

    manifest: Manifest
    parts: list[_Part]
    transcript_order: list[str]
    transcript_keys: np.ndarray  # str per transcript (in `transcript_order`): its case-folded id, for filters
    transcript_dates: np.ndarray  # str per transcript: its date ("" when unknown), for filters
    transcript_codes: np.ndarray  # int32 per chunk: position of its transcript in `transcript_order`
    speaker_table: np.ndarray  # object array of speakers; `speaker_codes` index it
    speaker_codes: np.ndarray  # int32 per chunk
    lang_table: np.ndarray  # object array of languages (None = unknown)
    lang_codes: np.ndarray  # int32 per chunk
    word_counts: np.ndarray  # float64 words per chunk, for neighbour smoothing
    turn_counts: np.ndarray  # int32 turns each chunk cites, for the learned ranker's per-turn order
    vectors: RowVectors
    dense: DenseIndex
    lexical: LexicalIndex
    ranker_encoder: str | None  # the ranker encoder every live segment stores vectors of (None: not all do)
    ranker_vectors: RowVectors | None  # ... those vectors

    @property
    def size(self) -> int:
        return len(self.transcript_codes)

    @property
    def segments(self) -> dict[str, SegmentData]:
        return {p.data.record.name: p.data for p in self.parts}

    def speakers_of(self, rows: np.ndarray) -> list[str]:
        return self.speaker_table[self.speaker_codes[rows]].tolist()

    def langs_of(self, rows: np.ndarray) -> np.ndarray:
        return self.lang_table[self.lang_codes[rows]]

    def speaker_mask(self, speaker: str) -> np.ndarray:
        """Chunks of `speaker` (case-insensitive)."""
        key = speaker.strip().casefold()
        codes = [i for i, s in enumerate(self.speaker_table) if s.casefold() == key]
        return np.isin(self.speaker_codes, np.asarray(codes, dtype=np.int32))

    def chunk(self, row: int) -> dict[str, Any]:
        """The stored chunk of a snapshot row (id, transcript_id, turns, speaker, text, start, end, lang)."""
        offsets = [p.offset for p in self.parts]
        part = self.parts[int(np.searchsorted(offsets, row, side="right")) - 1]
        return part.data.lines.row(int(part.local_rows[row - part.offset]))

    @classmethod
    def load(cls, index_dir: Path, manifest: Manifest, previous: "Snapshot | None" = None) -> "Snapshot":
        """The live chunks of every segment the manifest names (a chunk is live when its transcript's
        record names its segment). Segments `previous` already read are reused, not read again."""
        known = previous.segments if previous is not None else {}
        order = sorted(manifest.transcripts)
        position = {tid: i for i, tid in enumerate(order)}
        speakers, langs = _Table(), _Table()
        parts: list[_Part] = []
        t_codes, s_codes, l_codes, words, turns, doc_len, postings_parts, segment_rows = [], [], [], [], [], [], [], []
        offset = 0
        for record in manifest.segments:
            data = known.get(record.name) or SegmentData.read(index_dir, record, manifest.dim)
            cols = data.columns
            owned = [position[t] if manifest.transcripts.get(t) is not None
                     and manifest.transcripts[t].segment == record.name else -1 for t in cols.transcripts]
            t_lut = np.asarray(owned, dtype=np.int32)
            keep = t_lut[cols.transcript_code] >= 0 if len(cols.transcript_code) else np.zeros(0, dtype=bool)
            if not keep.any():
                continue
            local_rows = np.flatnonzero(keep)
            row_of = None
            if len(local_rows) < len(keep):
                row_of = np.full(len(keep), -1, dtype=np.int64)
                row_of[local_rows] = np.arange(offset, offset + len(local_rows))
            parts.append(_Part(data=data, offset=offset, local_rows=local_rows))
            t_codes.append(t_lut[cols.transcript_code[local_rows]])
            s_codes.append(speakers.codes(cols.speakers)[cols.speaker_code[local_rows]])
            l_codes.append(langs.codes(cols.langs)[cols.lang_code[local_rows]])
            words.append(cols.word_count[local_rows])
            turns.append(cols.turn_count[local_rows])
            doc_len.append(cols.doc_len[local_rows])
            postings_parts.append(PostingsPart(data.postings, offset, len(local_rows),
                                               None if row_of is None else local_rows, row_of))
            segment_rows.append(SegmentRows(record, keep))
            offset += len(local_rows)
        vectors = RowVectors([(p.offset, p.data.vectors, p.local_rows) for p in parts], manifest.dim)
        encoders = {p.data.record.ranker_encoder for p in parts}
        ranker_encoder = encoders.pop() if len(encoders) == 1 else None
        ranker_vectors = None
        if ranker_encoder is not None:
            ranker_vectors = RowVectors([(p.offset, p.data.ranker_vectors, p.local_rows) for p in parts
                                         if p.data.ranker_vectors is not None], RANKER_DIM)
        doc_lengths = _concat(doc_len, np.float32)
        return cls(
            manifest=manifest, parts=parts, transcript_order=order,
            transcript_keys=np.array([t.casefold() for t in order], dtype=str),
            transcript_dates=np.array([manifest.transcripts[t].date or "" for t in order], dtype=str),
            transcript_codes=_concat(t_codes, np.int32), speaker_table=speakers.array(),
            speaker_codes=_concat(s_codes, np.int32), lang_table=langs.array(), lang_codes=_concat(l_codes, np.int32),
            word_counts=_concat(words, np.float64), turn_counts=_concat(turns, np.int32), vectors=vectors,
            dense=DenseIndex.open(index_dir, segment_rows, vectors, manifest.dim),
            lexical=LexicalIndex(postings_parts, doc_lengths), ranker_encoder=ranker_encoder,
            ranker_vectors=ranker_vectors,
        )


def filter_mask(snapshot: Snapshot, filters: Filters) -> np.ndarray | None:
    """Boolean mask of the snapshot's chunks passing the filters, or None when no filter is set."""
    if not filters.active():
        return None
    mask = np.ones(snapshot.size, dtype=bool)
    if filters.speaker is not None:
        mask &= snapshot.speaker_mask(filters.speaker)
    if filters.transcript is None and filters.date_from is None and filters.date_to is None:
        return mask
    allowed = np.ones(len(snapshot.transcript_order), dtype=bool)  # per transcript, in transcript_order
    if filters.transcript is not None:
        allowed &= snapshot.transcript_keys == filters.transcript.strip().casefold()
    dates = snapshot.transcript_dates  # "" where unknown: an unknown date never passes a date filter
    if filters.date_from is not None:
        allowed &= (dates != "") & (dates >= filters.date_from)
    if filters.date_to is not None:  # a prefix compares as its whole period: date_to "2025-10" keeps October
        allowed &= (dates != "") & (dates.astype(f"<U{len(filters.date_to)}") <= filters.date_to)
    mask &= allowed[snapshot.transcript_codes]
    return mask


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
