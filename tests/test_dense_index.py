"""Dense index: exact below the size threshold, persisted HNSW graphs above it, filters and removed
rows respected, graphs reused across opens and cleaned up with their segments."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ragqa.dense_index import DENSE_DIR, DenseIndex, RowVectors, SegmentRows
from ragqa.lexical import N_FEATURES
from ragqa.changes import transcript_records
from ragqa.store.segment import SEGMENTS_DIR, write_segment
from ragqa.types import Chunk, Transcript, Turn

DIM = 32


def _segment(index_dir: Path, name: str, n: int, rng: np.random.Generator):
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [Chunk(id=f"{name}:{i}:0", transcript_id=f"{name}-t{i % 3}", turns=(i,), speaker="A", text="x",
                    embed_text="x") for i in range(n)]
    transcripts = [Transcript(id=f"{name}-t{j}", turns=[Turn(index=0, speaker="A", text="x")]) for j in range(3)]
    records = transcript_records(transcripts, chunks, name)
    record = write_segment(index_dir, name, chunks, vectors, sp.csr_matrix((n, N_FEATURES), dtype=np.float32),
                           transcripts, records)
    return record, vectors


def _exact(vectors: np.ndarray, query: np.ndarray, n: int, rows: np.ndarray | None = None) -> list[int]:
    rows = np.arange(len(vectors)) if rows is None else rows
    scores = vectors[rows] @ query
    return [int(rows[i]) for i in np.lexsort((rows, -scores))[:n]]


def test_small_index_is_scanned_exactly(tmp_path):
    rng = np.random.default_rng(0)
    record, vectors = _segment(tmp_path, "seg-a", 200, rng)
    rows = RowVectors([(0, vectors, np.arange(200))], DIM)
    dense = DenseIndex.open(tmp_path, [SegmentRows(record, np.ones(200, bool))], rows, DIM)
    query = vectors[5]
    assert dense.kind == "flat"
    assert list(dense.search(query, 10)) == _exact(vectors, query, 10)
    mask = np.arange(200) % 2 == 1
    assert list(dense.search(query, 10, mask)) == _exact(vectors, query, 10, np.flatnonzero(mask))
    assert not (tmp_path / DENSE_DIR).exists()


def test_big_segments_get_persisted_graphs_and_a_scanned_tail(tmp_path):
    rng = np.random.default_rng(1)
    big, big_vectors = _segment(tmp_path, "seg-big", 600, rng)
    tail, tail_vectors = _segment(tmp_path, "seg-tail", 50, rng)
    keep_big = np.ones(600, bool)
    keep_big[::7] = False  # chunks of a removed transcript stay in the graph but must never come back
    segments = [SegmentRows(big, keep_big), SegmentRows(tail, np.ones(50, bool))]
    vectors = np.vstack([big_vectors[keep_big], tail_vectors])
    live_big = np.flatnonzero(keep_big)
    rows = RowVectors([(0, big_vectors, live_big), (len(live_big), tail_vectors, np.arange(50))], DIM)
    assert np.array_equal(rows.take(np.arange(len(vectors))), vectors)  # the parts read as one matrix
    dense = DenseIndex.open(tmp_path, segments, rows, DIM, flat_max=100, graph_min=500)
    assert dense.kind == "hnsw" and len(dense.graphs) == 1
    graph_files = list((tmp_path / DENSE_DIR).glob("*.hnsw"))
    assert len(graph_files) == 1
    recalls = []
    for q in range(20):
        query = vectors[q * 13]
        found = dense.search(query, 10)
        assert len(found) == 10 and len(set(found.tolist())) == 10
        recalls.append(len(set(found.tolist()) & set(_exact(vectors, query, 10))) / 10)
    assert np.mean(recalls) >= 0.95
    tail_rows = np.arange(len(vectors) - 50, len(vectors))
    assert dense.search(tail_vectors[3], 1)[0] == tail_rows[3]  # the scanned tail takes part

    mask = np.zeros(len(vectors), bool)
    mask[::3] = True
    mask[-50:] = False
    found = dense.search(vectors[30], 10, mask)
    assert mask[found].all() and len(found) == 10

    mtime = graph_files[0].stat().st_mtime_ns
    again = DenseIndex.open(tmp_path, segments, rows, DIM, flat_max=100, graph_min=500)
    assert graph_files[0].stat().st_mtime_ns == mtime  # reused, not rebuilt
    assert list(again.search(vectors[8], 10)) == list(dense.search(vectors[8], 10))


def test_graph_of_a_deleted_segment_is_removed(tmp_path):
    rng = np.random.default_rng(2)
    first, first_vectors = _segment(tmp_path, "seg-1", 300, rng)
    second, second_vectors = _segment(tmp_path, "seg-2", 300, rng)
    both = [SegmentRows(first, np.ones(300, bool)), SegmentRows(second, np.ones(300, bool))]
    both_rows = RowVectors([(0, first_vectors, np.arange(300)), (300, second_vectors, np.arange(300))], DIM)
    DenseIndex.open(tmp_path, both, both_rows, DIM, flat_max=100, graph_min=250)
    assert len(list((tmp_path / DENSE_DIR).glob("*.hnsw"))) == 2
    shutil.rmtree(tmp_path / SEGMENTS_DIR / "seg-1")  # what a commit does to a segment no transcript uses
    DenseIndex.open(tmp_path, both[1:], RowVectors([(0, second_vectors, np.arange(300))], DIM), DIM,
                    flat_max=100, graph_min=250)
    assert len(list((tmp_path / DENSE_DIR).glob("*.hnsw"))) == 1


def test_a_graph_is_never_used_for_other_vectors_under_the_same_segment_name(tmp_path):
    rng = np.random.default_rng(3)
    first, first_vectors = _segment(tmp_path, "seg-x", 300, rng)
    keep = [SegmentRows(first, np.ones(300, bool))]
    DenseIndex.open(tmp_path, keep, RowVectors([(0, first_vectors, np.arange(300))], DIM), DIM, flat_max=100,
                    graph_min=250)
    shutil.rmtree(tmp_path / SEGMENTS_DIR / "seg-x")
    second, second_vectors = _segment(tmp_path, "seg-x", 300, rng)  # same name and size, other vectors
    dense = DenseIndex.open(tmp_path, [SegmentRows(second, np.ones(300, bool))],
                            RowVectors([(0, second_vectors, np.arange(300))], DIM), DIM, flat_max=100, graph_min=250)
    query = second_vectors[17]
    assert dense.search(query, 1)[0] == 17
    found = dense.search(query, 10)
    assert len(set(found.tolist()) & set(_exact(second_vectors, query, 10))) >= 9
