"""Columnar forms of a segment's chunks, written once so that opening an index reads arrays instead
of parsing every chunk: per-chunk codes and counts (`ChunkColumns`) and an inverted file of term
counts (`Postings`: for each hashed term, the chunks that hold it and how often)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ChunkColumns:
    """What search needs of every chunk without reading its text. Codes index the string tables."""

    transcripts: list[str]  # table of transcript ids
    speakers: list[str]  # table of speakers
    langs: list[str | None]  # table of languages
    transcript_code: np.ndarray  # int32 per chunk
    speaker_code: np.ndarray  # int32 per chunk
    lang_code: np.ndarray  # int32 per chunk
    word_count: np.ndarray  # float64 words per chunk (for neighbour smoothing)
    doc_len: np.ndarray  # float32 term count per chunk (BM25 length normalisation)
    line_start: np.ndarray  # int64 byte offset of each chunk's line in chunks.jsonl, plus the file size
    turn_count: np.ndarray | None  # int32 turns each chunk cites (None: a segment written before they were kept)

    def to_arrays(self) -> dict[str, np.ndarray]:
        tables = json.dumps({"transcripts": self.transcripts, "speakers": self.speakers, "langs": self.langs},
                            ensure_ascii=False).encode("utf-8")
        arrays = {"tables": np.frombuffer(tables, dtype=np.uint8), "transcript_code": self.transcript_code,
                  "speaker_code": self.speaker_code, "lang_code": self.lang_code, "word_count": self.word_count,
                  "doc_len": self.doc_len, "line_start": self.line_start}
        if self.turn_count is not None:
            arrays["turn_count"] = self.turn_count
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Any) -> "ChunkColumns":
        tables = json.loads(bytes(arrays["tables"]).decode("utf-8"))
        return cls(transcripts=tables["transcripts"], speakers=tables["speakers"], langs=tables["langs"],
                   transcript_code=arrays["transcript_code"], speaker_code=arrays["speaker_code"],
                   lang_code=arrays["lang_code"], word_count=arrays["word_count"], doc_len=arrays["doc_len"],
                   line_start=arrays["line_start"], turn_count=arrays.get("turn_count"))

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], line_start: np.ndarray, term_counts: sp.csr_matrix) -> "ChunkColumns":
        """Columns of chunk rows (as written to chunks.jsonl) and their term counts."""
        def encode(values: list) -> tuple[list, np.ndarray]:
            table: dict[Any, int] = {}
            codes = np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int32, count=len(values))
            return list(table), codes

        transcripts, t_codes = encode([r["transcript_id"] for r in rows])
        speakers, s_codes = encode([r["speaker"] for r in rows])
        langs, l_codes = encode([r.get("lang") for r in rows])
        return cls(transcripts=transcripts, speakers=speakers, langs=langs, transcript_code=t_codes,
                   speaker_code=s_codes, lang_code=l_codes,
                   word_count=np.fromiter((len(r["text"].split()) for r in rows), dtype=np.float64, count=len(rows)),
                   doc_len=np.asarray(term_counts.sum(axis=1), dtype=np.float32).ravel(),
                   line_start=np.asarray(line_start, dtype=np.int64),
                   turn_count=np.fromiter((len(r["turns"]) for r in rows), dtype=np.int32, count=len(rows)))


@dataclass(frozen=True)
class Postings:
    """Term counts by term: chunks `rows[offsets[i]:offsets[i+1]]` hold term `terms[i]` `tfs[...]` times."""

    terms: np.ndarray  # int64 hashed term ids, sorted
    offsets: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32 chunk row (in the segment)
    tfs: np.ndarray  # float32 count

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"terms": self.terms, "offsets": self.offsets, "rows": self.rows, "tfs": self.tfs}

    @classmethod
    def from_arrays(cls, arrays: Any) -> "Postings":
        return cls(terms=arrays["terms"], offsets=arrays["offsets"], rows=arrays["rows"], tfs=arrays["tfs"])

    @classmethod
    def from_counts(cls, term_counts: sp.csr_matrix) -> "Postings":
        """Invert a chunks x features count matrix."""
        coo = term_counts.tocoo()
        order = np.lexsort((coo.row, coo.col))
        cols, rows, tfs = coo.col[order].astype(np.int64), coo.row[order].astype(np.int32), coo.data[order]
        terms, starts = np.unique(cols, return_index=True)
        offsets = np.append(starts, len(cols)).astype(np.int64)
        return cls(terms=terms, offsets=offsets, rows=rows, tfs=tfs.astype(np.float32))

    def ranges(self, term_ids: np.ndarray) -> list[tuple[int, int, int]]:
        """(position in `term_ids`, start, end) of the postings of each of the given term ids found here."""
        if len(self.terms) == 0 or len(term_ids) == 0:
            return []
        pos = np.minimum(np.searchsorted(self.terms, term_ids), len(self.terms) - 1)
        found = np.flatnonzero(self.terms[pos] == term_ids)
        return [(int(i), int(self.offsets[pos[i]]), int(self.offsets[pos[i] + 1])) for i in found]
