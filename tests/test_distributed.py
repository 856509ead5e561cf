"""Distributed builds on a real local Dask cluster (scheduler + 2 worker processes on 127.0.0.1): the
same index as a local build, problems named like local builds name them, and a lost worker fails the
build cleanly."""
from __future__ import annotations

import os
import pickle
import shutil
import signal
from dataclasses import asdict
from pathlib import Path

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster

import ragqa
from ragqa.distributed import DaskEngine, partition, worker_settings
from ragqa.errors import RagqaError
from ragqa.parsing import load_sources
from ragqa.settings import Settings
from ragqa.store.segment import RANKER_VECTORS_FILE, read_chunks, read_columns, read_vectors

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ["000_8668bff71fb91613.txt", "kremlin_17162.json", "kremlin_17162_excerpt.srt", "seed_excerpt.vtt"]
SOURCES = [*(DATA / "samples" / name for name in SAMPLES), DATA / "bad" / "duplicates",
           DATA / "bad" / "json_truncated.json"]
QUERIES = ["How long is the border between Kazakhstan and Russia?", "Rosatom centrale nucleare",
           "Какова протяжённость границы?", "meeting talk"]


@pytest.fixture(scope="module")
def cluster():
    """A cluster of our own (the engine connects to it by address), where a lost worker is not retried."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as running, Client(running) as client:
            yield running, client


def _dask(**build) -> Settings:
    return Settings().merged(build={"engine": "dask", **build})


def _segment_rows(index: ragqa.Index) -> tuple[list[dict], np.ndarray, dict[str, np.ndarray]]:
    """Chunks, vectors, and chunk columns + term postings of a one-segment index."""
    (record,) = index.manifest.segments
    columns, postings = read_columns(index.path, record)
    return (read_chunks(index.path, record), read_vectors(index.path, record, index.manifest.dim),
            {**{f"columns.{k}": v for k, v in columns.to_arrays().items()},
             **{f"postings.{k}": v for k, v in postings.to_arrays().items()}})


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The same sources built here and with a Dask cluster the engine starts itself."""
    root = tmp_path_factory.mktemp("builds")
    local = ragqa.build_index(SOURCES, root / "local", settings=Settings())
    progress: list[tuple[int, int]] = []
    distributed = ragqa.build_index(SOURCES, root / "dask", settings=_dask(),
                                    progress=lambda done, total: progress.append((done, total)))
    return local, distributed, progress


def test_partitions_are_contiguous_and_balanced():
    assert partition([5, 5, 5, 5], 2) == [range(0, 2), range(2, 4)]
    assert partition([100, 1, 1, 1], 2) == [range(0, 1), range(1, 4)]
    assert partition([1, 1], 8) == [range(0, 1), range(1, 2)]
    assert partition([3], 4) == [range(0, 1)]


def test_workers_get_encoder_chunking_and_threads_but_no_secrets():
    settings = Settings(threads=3, embedder={"model": "use-m3"}, chunking={"max_words": 40},
                        postgres={"url": "postgresql://ragqa:secret@db/ragqa"}, llm={"api_key": "sk-secret"})
    sent = pickle.loads(pickle.dumps(worker_settings(settings)))
    assert (sent.threads, sent.embedder, sent.chunking) == (3, settings.embedder, settings.chunking)
    assert "secret" not in repr(sent.model_dump())


def test_parsing_on_workers_matches_local_parsing(cluster):
    running, _ = cluster
    sources = [DATA / "bad", DATA / "samples", DATA / "bad" / "duplicates", DATA / "missing.txt"]
    with DaskEngine(_dask(scheduler=running.scheduler_address)) as engine:
        remote = engine.load_sources(sources)
    local = load_sources(sources)
    assert len(remote.transcripts) > 30 and len(remote.problems) > 30
    assert remote.transcripts == local.transcripts
    assert remote.problems == local.problems


def test_dask_build_equals_local_build(builds):
    local, distributed, progress = builds
    assert distributed.last_report.added == local.last_report.added
    assert distributed.last_report.problems == local.last_report.problems
    assert any(p.path.endswith("json_truncated.json") and p.line == 17 for p in distributed.last_report.problems)
    assert any("duplicate transcript id" in p.message for p in distributed.last_report.problems)

    def records(index):
        return {tid: {**asdict(r), "segment": None} for tid, r in index.manifest.transcripts.items()}

    assert records(distributed) == records(local) and len(records(local)) == 7
    chunks, vectors, terms = _segment_rows(local)
    d_chunks, d_vectors, d_terms = _segment_rows(distributed)
    assert d_chunks == chunks  # ids, transcripts, turns, speakers, texts, in the same order
    assert d_vectors.shape == vectors.shape and np.abs(d_vectors - vectors).max() <= 1e-5
    assert d_terms.keys() == terms.keys() and all(np.array_equal(d_terms[k], terms[k]) for k in terms)
    (record,), (d_record,) = local.manifest.segments, distributed.manifest.segments
    assert d_record.ranker_encoder == record.ranker_encoder == "minilm-qmsum"  # the passage ranker's vectors too
    ranker, d_ranker = (read_vectors(i.path, r, 384, RANKER_VECTORS_FILE) for i, r in ((local, record),
                                                                                      (distributed, d_record)))
    assert ranker.shape == (len(chunks), 384) and ranker.any() and np.abs(d_ranker - ranker).max() <= 2e-3

    total = len(chunks)
    assert len(progress) == 4 and progress[-1] == (total, total)  # 2 partitions per worker
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    for query in QUERIES:
        expected = [(h.transcript_id, h.turns, h.text) for h in local.search(query, k=5)]
        assert [(h.transcript_id, h.turns, h.text) for h in distributed.search(query, k=5)] == expected
        assert expected


def test_each_worker_loads_the_encoder_once_with_its_thread_share(cluster, tmp_path):
    running, client = cluster
    sources = [DATA / "samples" / "seed_excerpt.vtt", DATA / "samples" / "kremlin_17162_excerpt.srt"]
    index = ragqa.build_index(sources, tmp_path / "index", settings=_dask(scheduler=running.scheduler_address))
    assert index.last_report.chunks_embedded > 0

    def loaded_encoders() -> list[tuple]:
        from ragqa.embedding import _cache

        return list(_cache)

    per_worker = client.run(loaded_encoders)
    assert len(per_worker) == 2
    # 2 threads shared by 2 workers on one host: 1 each; one encoder per worker process
    assert all(keys == [("e5-small", 1, 32, None, None)] for keys in per_worker.values()), per_worker


def test_add_on_the_cluster_writes_what_a_local_add_writes(cluster, tmp_path):
    """`ragqa add --engine dask`: the new segment holds the same chunks, term postings and vectors
    (within float tolerance) as a local add of the same file."""
    seed, sample = DATA / "samples" / SAMPLES[0], DATA / "samples" / SAMPLES[1]
    here = ragqa.build_index([seed], tmp_path / "here", settings=Settings())
    shutil.copytree(tmp_path / "here", tmp_path / "there")
    there = ragqa.load_index(tmp_path / "there", settings=_dask(scheduler=cluster[0].scheduler_address))
    local_report, dask_report = here.add([sample]), there.add([sample])
    assert local_report.added == dask_report.added and dask_report.chunks_embedded > 0

    def new_segment(index: ragqa.Index) -> tuple[list[dict], np.ndarray, dict]:
        record = next(s for s in index.manifest.segments if s.name == index.manifest.transcripts[
            dask_report.added[0]].segment)
        columns, postings = read_columns(index.path, record)
        return (read_chunks(index.path, record), np.asarray(read_vectors(index.path, record, index.manifest.dim)),
                {**columns.to_arrays(), **postings.to_arrays()})

    (rows_a, vectors_a, arrays_a), (rows_b, vectors_b, arrays_b) = new_segment(here), new_segment(there)
    assert rows_a == rows_b and np.abs(vectors_a - vectors_b).max() < 1e-5
    assert all(np.array_equal(arrays_a[key], arrays_b[key]) for key in arrays_a)
    query = "Rosatom centrale nucleare"
    assert [h.chunk_id for h in here.search(query, k=5)] == [h.chunk_id for h in there.search(query, k=5)]


# kills the cluster's workers (they come back without their loaded encoders): the last test on `cluster`
def test_lost_worker_fails_the_build_and_keeps_the_index(cluster, builds, tmp_path):
    running, client = cluster
    local, _, _ = builds
    index_dir = tmp_path / "index"
    shutil.copytree(local.path, index_dir)
    before = (index_dir / "manifest.json").read_bytes()
    pids = list(client.run(os.getpid).values())

    def kill_workers(done: int, total: int) -> None:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(RagqaError, match="distributed build failed on the Dask cluster .*KilledWorker.*unchanged"):
        ragqa.build_index(SOURCES, index_dir, settings=_dask(scheduler=running.scheduler_address), force=True,
                          progress=kill_workers)
    assert (index_dir / "manifest.json").read_bytes() == before
    assert ragqa.load_index(index_dir).search(QUERIES[0], k=1)
    assert ragqa.load_index(index_dir).stats()["chunks"] == local.stats()["chunks"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(RagqaError, match="cannot use the Dask scheduler at tcp://127.0.0.1:9"):
        ragqa.build_index([DATA / "samples"], tmp_path / "index",
                          settings=_dask(scheduler="tcp://127.0.0.1:9"))
    assert not (tmp_path / "index" / "manifest.json").exists()
