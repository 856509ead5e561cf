"""Immutable segment folders: the chunks, vectors and term counts of one batch of transcripts."""
from __future__ import annotations

import io
import json
import mmap
import os
import shutil
import stat
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import IndexFormatError
from ..types import Chunk, Transcript
from .columns import ChunkColumns, Postings
from .files import check_sha256, fsync_dir, fsync_file, read_verified, sha256_file
from .manifest import SEGMENTS_DIR, TRANSCRIPTS_FILE, SegmentRecord, TranscriptRecord, records_json

CHUNKS_FILE, VECTORS_FILE, TURNS_FILE = "chunks.jsonl", "vectors.npy", "turns.jsonl"
RANKER_VECTORS_FILE = "ranker_vectors.npy"  # the ranker encoder's passage vectors, float16 (optional)
COLUMNS_FILE, POSTINGS_FILE = "columns.npz", "postings.npz"


def write_segment(index_dir: Path, name: str, chunks: list[Chunk], vectors: np.ndarray,
                  term_counts: sp.csr_matrix, transcripts: list[Transcript],
                  records: dict[str, TranscriptRecord], ranker_vectors: np.ndarray | None = None,
                  ranker_encoder: str | None = None) -> SegmentRecord:
    """Write a complete, fsynced segment folder and return its record (not yet committed); with the ranker
    encoder's vectors when given. A write that fails (a full disk) removes what it wrote."""
    root = index_dir / SEGMENTS_DIR
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.tmp"
    try:
        files = _write_files(tmp, chunks, vectors, term_counts, transcripts, records,
                             ranker_vectors if ranker_encoder is not None else None)
        os.replace(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(root)
    return SegmentRecord(name=name, n_chunks=len(chunks), files=files,
                         ranker_encoder=ranker_encoder if ranker_vectors is not None else None)


def _write_files(tmp: Path, chunks: list[Chunk], vectors: np.ndarray, term_counts: sp.csr_matrix,
                 transcripts: list[Transcript], records: dict[str, TranscriptRecord],
                 ranker_vectors: np.ndarray | None) -> dict[str, list]:
    """Write and fsync a segment's files into the folder `tmp`; returns file name -> [size, sha256]."""
    tmp.mkdir()
    rows = [{"id": chunk.id, "transcript_id": chunk.transcript_id, "turns": list(chunk.turns),
             "speaker": chunk.speaker, "text": chunk.text, "start": chunk.start, "end": chunk.end,
             "lang": chunk.lang} for chunk in chunks]
    lines = [(json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8") for row in rows]
    with open(tmp / CHUNKS_FILE, "wb") as fh:
        fh.writelines(lines)
    line_start = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=line_start[1:])
    save_vectors(tmp / VECTORS_FILE, vectors)
    names = [CHUNKS_FILE, VECTORS_FILE, COLUMNS_FILE, POSTINGS_FILE, TURNS_FILE, TRANSCRIPTS_FILE]
    if ranker_vectors is not None:
        save_vectors(tmp / RANKER_VECTORS_FILE, ranker_vectors, np.float16)
        names.append(RANKER_VECTORS_FILE)
    term_counts = term_counts.tocsr()
    with open(tmp / COLUMNS_FILE, "wb") as fh:
        np.savez(fh, **ChunkColumns.from_rows(rows, line_start, term_counts).to_arrays())
    with open(tmp / POSTINGS_FILE, "wb") as fh:
        np.savez(fh, **Postings.from_counts(term_counts).to_arrays())
    with open(tmp / TURNS_FILE, "w", encoding="utf-8") as fh:
        for transcript in transcripts:
            turns = [asdict(t) for t in transcript.turns]
            fh.write(json.dumps({"id": transcript.id, "turns": turns}, ensure_ascii=False) + "\n")
    (tmp / TRANSCRIPTS_FILE).write_bytes(records_json(records))
    files: dict[str, list] = {}
    for fname in names:
        fsync_file(tmp / fname)
        files[fname] = [os.path.getsize(tmp / fname), sha256_file(tmp / fname)]
    fsync_dir(tmp)
    return files


def save_vectors(path: Path, vectors: np.ndarray, dtype: type = np.float32) -> None:
    """`np.save` through Python's file writes. numpy's own `tofile` path can lose the last short write
    without an error (seen with a file-size limit), which would commit a truncated vectors file."""
    array = np.ascontiguousarray(vectors, dtype=dtype)
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, np.lib.format.header_data_from_array_1_0(array))
        fh.write(array)


def check_segment(index_dir: Path, record: SegmentRecord, full: bool = False) -> list[str]:
    """Problems with a segment's files: missing, wrong size, or (with `full`) wrong checksum."""
    problems = []
    folder = index_dir / SEGMENTS_DIR / record.name
    for fname, (size, digest) in record.files.items():
        path = folder / fname
        try:  # one stat and one open: a file another process deletes meanwhile is reported, not raised
            found = path.stat()
            if not stat.S_ISREG(found.st_mode):
                problems.append(f"{path}: missing")
            elif found.st_size != size:
                problems.append(f"{path}: size {found.st_size} bytes, manifest says {size} (truncated or altered)")
            elif full and sha256_file(path) != digest:
                problems.append(f"{path}: checksum differs from the manifest (file altered or corrupt)")
        except FileNotFoundError:
            problems.append(f"{path}: missing")
        except OSError as exc:
            problems.append(f"{path}: unreadable ({exc.strerror or exc})")
    return problems


def _read_verified(index_dir: Path, record: SegmentRecord, fname: str) -> tuple[Path, bytes]:
    path = index_dir / SEGMENTS_DIR / record.name / fname
    return path, read_verified(path, record.files[fname][1], index_dir)


def read_chunks(index_dir: Path, record: SegmentRecord) -> list[dict]:
    """Every chunk row of a segment (checksum verified)."""
    path, data = _read_verified(index_dir, record, CHUNKS_FILE)
    try:  # split on "\n" only: chunk text may hold U+2028 and other characters str.splitlines() splits on
        rows = json.loads(b"[" + b",".join(line for line in data.split(b"\n") if line) + b"]")
    except ValueError as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc}); run `ragqa doctor --index {index_dir}`") from exc
    if len(rows) != record.n_chunks:
        raise IndexFormatError(f"{path}: {len(rows)} chunks, manifest says {record.n_chunks}; "
                               f"run `ragqa doctor --index {index_dir}`")
    return rows


class ChunkLines:
    """The lines of a segment's chunks.jsonl, memory-mapped (checksum verified when opened), read one
    chunk at a time: opening an index does not parse its chunks."""

    def __init__(self, index_dir: Path, record: SegmentRecord, line_start: np.ndarray) -> None:
        self.path = index_dir / SEGMENTS_DIR / record.name / CHUNKS_FILE
        try:
            with open(self.path, "rb") as fh:
                self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if record.files[CHUNKS_FILE][0] else b""
        except (OSError, ValueError) as exc:
            raise IndexFormatError(f"{self.path}: unreadable ({exc}); "
                                   f"run `ragqa doctor --index {index_dir}`") from exc
        check_sha256(self.path, self._data, record.files[CHUNKS_FILE][1], index_dir)
        if len(line_start) != record.n_chunks + 1 or int(line_start[-1]) != len(self._data):
            raise IndexFormatError(f"{self.path}: does not match the segment's columns; "
                                   f"run `ragqa doctor --index {index_dir}`")
        self._line_start = line_start

    def row(self, i: int) -> dict:
        """Chunk `i` of the segment as written."""
        return json.loads(self._data[int(self._line_start[i]):int(self._line_start[i + 1])])


def read_columns(index_dir: Path, record: SegmentRecord) -> tuple[ChunkColumns, Postings]:
    """The segment's chunk columns and postings (checksums verified)."""
    columns = ChunkColumns.from_arrays(_load_npz(index_dir, record, COLUMNS_FILE))
    postings = Postings.from_arrays(_load_npz(index_dir, record, POSTINGS_FILE))
    if len(columns.transcript_code) != record.n_chunks:
        raise IndexFormatError(f"{index_dir / SEGMENTS_DIR / record.name / COLUMNS_FILE}: "
                               f"{len(columns.transcript_code)} chunks, manifest says {record.n_chunks}; "
                               f"run `ragqa doctor --index {index_dir}`")
    return columns, postings


def _load_npz(index_dir: Path, record: SegmentRecord, fname: str) -> dict[str, np.ndarray]:
    path, data = _read_verified(index_dir, record, fname)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc}); run `ragqa doctor --index {index_dir}`") from exc


def read_vectors(index_dir: Path, record: SegmentRecord, dim: int, fname: str = VECTORS_FILE) -> np.ndarray:
    """A segment's vectors (`fname`: the dense ones, or RANKER_VECTORS_FILE), memory-mapped, shape checked."""
    path = index_dir / SEGMENTS_DIR / record.name / fname
    try:
        vectors = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc}); run `ragqa doctor --index {index_dir}`") from exc
    if vectors.shape != (record.n_chunks, dim):
        raise IndexFormatError(f"{path}: shape {vectors.shape}, expected ({record.n_chunks}, {dim}); "
                               f"run `ragqa doctor --index {index_dir}`")
    return vectors


def read_turns(index_dir: Path, record: SegmentRecord, transcript_id: str) -> list[dict] | None:
    path = index_dir / SEGMENTS_DIR / record.name / TURNS_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["id"] == transcript_id:
                    return row["turns"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc}); run `ragqa doctor --index {index_dir}`") from exc
    return None


def remove_unreferenced(index_dir: Path, keep: set[str]) -> None:
    """Delete segment folders (and leftovers of interrupted writes) that the manifest does not name."""
    root = index_dir / SEGMENTS_DIR
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
