"""Dense (vector) search over a snapshot: exact below a size threshold, HNSW graphs above it.

Why (measured in docs/performance.md): an exact scan costs time proportional to the index (about
80 ms at 100k chunks on the shared 2-core machine), an HNSW graph 1-2 ms with recall@10 >= 0.95
against the exact scan. HNSW beats IVF-PQ here because it needs no training, takes new vectors
without retraining, keeps exact float scores (no re-ranking step), and FAISS can memory-map it.

Layout: the live segments, in manifest order, are cut into groups; a group closes once it holds
`GRAPH_MIN` chunks and then gets an HNSW graph persisted as `<index>/dense/<key>.hnsw` (key: hash
of its segment names; segments never change, so a graph stays valid as long as its segments are
live). The open tail group is scanned exactly. Opening an index maps the graph files (no rebuild);
`add` pays only for its own chunks until the tail fills up and gets its graph. Chunks of removed
transcripts stay in a graph and are skipped at search time.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np

from .store.files import fsync_dir, fsync_file, write_atomic
from .store.manifest import SegmentRecord
from .store.segment import SEGMENTS_DIR, VECTORS_FILE, read_vectors

DENSE_DIR = "dense"
FLAT_MAX = 20_000  # an index this small is scanned exactly (a few ms); bigger ones use HNSW graphs
GRAPH_MIN = FLAT_MAX  # chunks a group of segments needs before it gets its own graph
HNSW_M = 32  # graph degree
EF_CONSTRUCTION = 40
EF_SEARCH = 512  # search breadth for graphs up to 256k chunks (FAISS uses max(ef, n)): real queries lie far
# from every chunk (top cosine ~0.3), where HNSW needs a wide search: recall@10 0.81 / 0.92 / 0.99 at
# efSearch 128 / 256 / 512 (1.3 ms) on 21k chunks
EF_PER_CHUNKS = 500  # bigger graphs search wider, ef = chunks / 500 up to EF_SEARCH_MAX: on 1M chunks recall@10
EF_SEARCH_MAX = 2048  # was 0.80 / 0.90 / 0.95 / 0.97 at ef 512 / 1024 / 2048 / 4096 (docs/performance.md)
EXACT_FILTER_MAX = FLAT_MAX  # a filter that keeps this few chunks is answered by an exact scan of them


class RowVectors:
    """The vectors of a snapshot's rows, left in their segments' memory-mapped files: part i holds rows
    offset_i .. offset_i + len(local_rows_i) - 1, stored at `local_rows_i` of its segment's array. Nothing
    is copied when a snapshot is opened or grows by a segment."""

    def __init__(self, parts: Sequence[tuple[int, np.ndarray, np.ndarray]], dim: int) -> None:
        self.parts = [(offset, vectors, rows, len(rows) == len(vectors)) for offset, vectors, rows in parts]
        self.dim = dim
        self._offsets = np.asarray([p[0] for p in self.parts], dtype=np.int64)
        self._size = sum(len(p[2]) for p in self.parts)

    def __len__(self) -> int:
        return self._size

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of `rows` (any order), as a new float32 array."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        which = np.searchsorted(self._offsets, rows, side="right") - 1
        for i in np.unique(which):
            offset, vectors, local, _ = self.parts[i]
            sel = np.flatnonzero(which == i)
            out[sel] = vectors[local[rows[sel] - offset]]
        return out

    def scores(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Inner products with `query` of `rows` (all rows, in order, when None)."""
        if rows is not None:
            return self.take(rows) @ query
        out = [np.asarray(vectors @ query) if whole else np.asarray(vectors @ query)[local]
               for _, vectors, local, whole in self.parts]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def range_scores(self, start: int, stop: int, query: np.ndarray) -> np.ndarray:
        """Inner products of rows start .. stop - 1 (contiguous: sliced from the segments, no gather)."""
        out = []
        for offset, vectors, local, whole in self.parts:
            lo, hi = max(start, offset), min(stop, offset + len(local))
            if lo < hi:
                block = vectors[lo - offset:hi - offset] if whole else vectors[local[lo - offset:hi - offset]]
                out.append(np.asarray(block @ query))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class SegmentRows:
    """One segment of a snapshot: its record and which of its chunks are live (kept) in the snapshot."""

    record: SegmentRecord
    keep: np.ndarray  # bool per chunk of the segment


@dataclass(frozen=True)
class _Graph:
    index: faiss.Index
    rows: np.ndarray  # snapshot row of each graph id, -1 for chunks of removed transcripts
    offset: int  # snapshot row of the first live chunk (graph id i is row offset + i when all are live)
    live: np.ndarray | None  # bool per graph id, None when all are live


class DenseIndex:
    """Inner-product search over the rows of a snapshot (vectors are L2-normalised, so cosine)."""

    def __init__(self, vectors: RowVectors, graphs: Sequence[_Graph], exact_rows: np.ndarray | None) -> None:
        self.vectors = vectors
        self.graphs = list(graphs)
        self.exact_rows = exact_rows  # rows scanned exactly; None means all of them

    @property
    def kind(self) -> str:
        return "hnsw" if self.graphs else "flat"

    @classmethod
    def open(cls, index_dir: Path, segments: Sequence[SegmentRows], vectors: RowVectors, dim: int,
             flat_max: int = FLAT_MAX, graph_min: int = GRAPH_MIN) -> "DenseIndex":
        """The dense index of a snapshot whose live rows are `vectors` (the live chunks of `segments`, in
        order), building and persisting any missing graph."""
        if len(vectors) <= flat_max:
            return cls(vectors, [], None)
        graphs: list[_Graph] = []
        offset = 0  # snapshot row of the next live chunk
        group: list[SegmentRows] = []
        group_offset = 0
        for seg in segments:
            if not group:
                group_offset = offset
            group.append(seg)
            offset += int(seg.keep.sum())
            if sum(s.record.n_chunks for s in group) >= graph_min:
                graphs.append(_open_graph(index_dir, group, group_offset, dim))
                group = []
        exact_rows = np.arange(group_offset if group else offset, offset, dtype=np.int64)
        _remove_stale(index_dir)
        return cls(vectors, graphs, exact_rows)

    def search(self, query: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows of the n best chunks (among `mask` rows when given), best first, ties by row."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        size = len(self.vectors)
        if size == 0 or n <= 0:
            return np.zeros(0, dtype=np.int64)
        if mask is not None and (not self.graphs or np.count_nonzero(mask) <= EXACT_FILTER_MAX):
            return self._exact(np.flatnonzero(mask), query, n)
        if not self.graphs:
            return self._exact(None, query, n)
        rows_parts, score_parts = [], []
        for graph in self.graphs:
            rows, scores = _search_graph(graph, query, n, mask)
            rows_parts.append(rows)
            score_parts.append(scores)
        tail = self.exact_rows if mask is None else self.exact_rows[mask[self.exact_rows]]
        if len(tail):  # unfiltered, the tail is a contiguous run of rows: sliced, no gather
            rows_parts.append(tail)
            score_parts.append(self.vectors.range_scores(int(tail[0]), int(tail[-1]) + 1, query) if mask is None
                               else self.vectors.scores(query, tail))
        return _best(np.concatenate(score_parts), np.concatenate(rows_parts), n)

    def _exact(self, rows: np.ndarray | None, query: np.ndarray, n: int) -> np.ndarray:
        if rows is None:
            return _best(self.vectors.scores(query), np.arange(len(self.vectors), dtype=np.int64), n)
        return _best(self.vectors.scores(query, rows), rows.astype(np.int64), n)


def _best(scores: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n best scores, best first; ties broken by row (deterministic)."""
    if len(rows) == 0:
        return rows.astype(np.int64)
    n = min(n, len(rows))
    part = np.argpartition(-scores, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
    order = np.lexsort((rows[part], -scores[part]))
    return rows[part][order].astype(np.int64)


def _search_graph(graph: _Graph, query: np.ndarray, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    allowed = graph.live
    if mask is not None and graph.live is None:
        allowed = mask[graph.offset:graph.offset + len(graph.rows)]
    elif mask is not None:
        allowed = np.zeros(len(graph.rows), dtype=bool)
        allowed[graph.live] = mask[graph.rows[graph.live]]
    params = faiss.SearchParametersHNSW()
    params.efSearch = max(ef_search(graph.index.ntotal), n)
    bits = None
    if allowed is not None:
        bits = np.packbits(allowed, bitorder="little")
        params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
    scores, ids = graph.index.search(query.reshape(1, -1), n, params=params)
    del bits  # the selector reads it during the search only
    ids, scores = ids[0], scores[0]
    found = ids >= 0
    return graph.rows[ids[found]], scores[found]


def ef_search(chunks: int) -> int:
    """HNSW search breadth for a graph of `chunks` vectors."""
    return max(EF_SEARCH, min(EF_SEARCH_MAX, chunks // EF_PER_CHUNKS))


def graph_key(segments: Sequence[SegmentRecord], dim: int) -> str:
    """File key of the graph over these segments (in this order): their names and the checksums of their
    vectors, so a graph is never used for other vectors, even under a reused segment name."""
    payload = f"hnsw-m{HNSW_M}-d{dim}:" + ",".join(f"{s.name}={s.files[VECTORS_FILE][1]}" for s in segments)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def _open_graph(index_dir: Path, group: Sequence[SegmentRows], offset: int, dim: int) -> _Graph:
    keep = np.concatenate([s.keep for s in group])
    rows = np.full(len(keep), -1, dtype=np.int64)
    rows[keep] = np.arange(offset, offset + int(keep.sum()), dtype=np.int64)
    names = [s.record.name for s in group]
    path = index_dir / DENSE_DIR / f"{graph_key([s.record for s in group], dim)}.hnsw"
    index = _read_graph(path, len(keep), dim)
    if index is None:
        index = build_graph(np.concatenate([read_vectors(index_dir, s.record, dim) for s in group]))
        write_graph(index, path, names)
        index = _read_graph(path, len(keep), dim) or index
    return _Graph(index=index, rows=rows, offset=offset, live=None if keep.all() else keep)


def build_graph(vectors: np.ndarray) -> faiss.Index:
    """An HNSW graph (inner product) over `vectors`."""
    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_graph(index: faiss.Index, path: Path, segment_names: Sequence[str]) -> None:
    """Persist a graph (and the names of the segments it covers, for clean-up) so that a crash leaves
    either no graph or the complete one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path.with_suffix(".segments"), " ".join(segment_names).encode("utf-8"))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    faiss.write_index(index, str(tmp))
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _read_graph(path: Path, n: int, dim: int) -> faiss.Index | None:
    """The memory-mapped graph at `path`, or None when missing or not the expected one."""
    if not path.is_file():
        return None
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return None  # unreadable (e.g. truncated by a disk fault): rebuilt by the caller
    if index.ntotal != n or index.d != dim:
        return None
    return index


def _remove_stale(index_dir: Path) -> None:
    """Delete graphs of which some segment is gone (they can never be used again) and leftovers of
    interrupted writes. Graphs whose segments are all on disk are kept: another reader may use them."""
    folder = index_dir / DENSE_DIR
    if not folder.is_dir():
        return
    root = index_dir / SEGMENTS_DIR
    present = {p.name for p in root.iterdir()} if root.is_dir() else set()
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            if not _writer_alive(entry.name):
                entry.unlink(missing_ok=True)
        elif entry.suffix == ".segments":
            try:
                names = entry.read_text(encoding="utf-8").split()
            except FileNotFoundError:  # another reader removed it meanwhile
                continue
            if not all(name in present for name in names):
                entry.with_suffix(".hnsw").unlink(missing_ok=True)
                entry.unlink(missing_ok=True)
        elif entry.suffix == ".hnsw" and not entry.with_suffix(".segments").is_file():
            entry.unlink(missing_ok=True)


def _writer_alive(tmp_name: str) -> bool:
    """Whether the process that is writing temp file `tmp_name` (`.name.tmp-PID`) still runs."""
    try:
        os.kill(int(tmp_name.rsplit("-", 1)[1]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
