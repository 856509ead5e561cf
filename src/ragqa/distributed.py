"""Builds on a Dask cluster (`build.engine = "dask"`): source files are parsed, and new transcripts
chunked, embedded and term-counted, on the workers; the client merges the results in the order a
local build has, so the store commits exactly what a local build would.

    with DaskEngine(settings) as engine:  # connects to build.scheduler, or starts a local cluster
        loaded = engine.load_sources(["data/"])  # == parsing.load_sources(["data/"])
        batch = engine.prepare(transcripts, settings, embedder, progress)  # == changes.prepare_batch(...)

Each worker process loads the encoder once (`make_embedder` caches it per process) with its share of
`settings.threads` (divided among the workers on its host), and encodes one partition at a time.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import CancelledError
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .changes import PreparedBatch, Progress, chunk_transcripts, prepare_chunks, ranker_encoder_name
from .embedding import Embedder, make_embedder
from .errors import RagqaError
from .parsing.sources import LoadResult, drop_duplicates, source_files, parse_file
from .settings import Settings
from .types import Chunk, SourceProblem, Transcript

WORKER_WAIT = 60.0  # seconds to wait for a first worker on a running scheduler

_encode_lock = threading.Lock()  # in a worker process: one partition at a time uses the encoder's threads

ParsedFile = tuple[list[Transcript], list[SourceProblem]]


def _parse_files(names: list[str]) -> list[ParsedFile]:
    """On a worker: `parse_file` of each file, in order."""
    return [parse_file(name) for name in names]


def _prepare_partition(chunks: list[Chunk], settings: Settings, threads: dict[str, int],
                       ranker_encoder: str | None) -> tuple[str, PreparedBatch]:
    """On a worker: vectors and term counts of `chunks` (and the vectors of the ranker encoder named
    `ranker_encoder`), with this worker's encoder (loaded once per process) and thread share; also the
    encoder's model id, for the client to check."""
    from distributed import get_worker

    share = threads.get(get_worker().address, 1)
    embedder = make_embedder(settings.merged(threads=share))
    with _encode_lock:
        return embedder.model_id, prepare_chunks(chunks, embedder, ranker_encoder=ranker_encoder)


def partition(weights: Sequence[int], parts: int) -> list[range]:
    """At most `parts` contiguous, non-empty index ranges of about equal total weight."""
    total = sum(max(1, w) for w in weights)
    bounds, running = [0], 0
    for i, weight in enumerate(weights[:-1]):
        running += max(1, weight)
        if len(bounds) < parts and running * parts >= total * len(bounds):
            bounds.append(i + 1)
    bounds.append(len(weights))
    return [range(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def worker_settings(settings: Settings) -> Settings:
    """What the workers need (encoder, chunking, threads) and nothing else: no database URL or API key
    leaves this process."""
    return Settings.model_construct(embedder=settings.embedder, chunking=settings.chunking, threads=settings.threads)


def _cluster_failure(location: str, exc: BaseException) -> RagqaError:
    return RagqaError(f"distributed build failed on the Dask cluster at {location}: {type(exc).__name__}: {exc} "
                      "(nothing was committed; the index is unchanged)")


class DaskEngine:
    """A connection to a Dask cluster for one build (a context manager: a cluster it started is closed
    on exit). The workers must see the source files at the same paths and have ragqa installed. Dask's
own configuration applies (e.g. `distributed.comm.timeouts.connect` for reaching the scheduler)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack = ExitStack()
        self.client: Any = None
        self.location = ""
        self._failures: tuple[type[BaseException], ...] = ()  # what a lost worker or scheduler raises

    def __enter__(self) -> "DaskEngine":
        try:
            from distributed import Client, LocalCluster
            from distributed.comm import CommClosedError
            from distributed.scheduler import KilledWorker
        except ImportError as exc:
            raise RagqaError("build engine 'dask' needs dask.distributed: pip install 'ragqa[dask]'") from exc
        self._failures = (KilledWorker, CommClosedError, CancelledError, TimeoutError)
        build = self.settings.build
        with self._stack:
            if build.scheduler:
                self.location = build.scheduler
                try:
                    self.client = self._stack.enter_context(Client(build.scheduler))
                    self.client.wait_for_workers(1, timeout=WORKER_WAIT)
                except (OSError, TimeoutError) as exc:
                    raise RagqaError(f"cannot use the Dask scheduler at {build.scheduler}: {type(exc).__name__}: "
                                     f"{exc}") from exc
            else:
                cluster = self._stack.enter_context(LocalCluster(
                    n_workers=build.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None))
                self.location = cluster.scheduler_address
                self.client = self._stack.enter_context(Client(cluster))
            self._stack = self._stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    # -- the cluster ---------------------------------------------------------------------------
    def _workers(self) -> dict[str, dict[str, Any]]:
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        if not workers:
            raise RagqaError(f"the Dask cluster at {self.location} has no workers")
        return workers

    def _parts(self, n_workers: int) -> int:
        return self.settings.build.partitions or 2 * n_workers

    def _thread_shares(self, workers: dict[str, dict[str, Any]]) -> dict[str, int]:
        """Encoder threads per worker: `settings.threads` divided among the workers of each host."""
        per_host: dict[str, int] = {}
        for info in workers.values():
            per_host[info["host"]] = per_host.get(info["host"], 0) + 1
        return {address: max(1, self.settings.threads // per_host[info["host"]]) for address, info in workers.items()}

    def _names_for_workers(self, files: list[Path]) -> list[str]:
        """Paths as the workers must open them: as given when the workers run in this folder (a local
        cluster), else absolute."""
        if set(self.client.run(os.getcwd).values()) == {os.getcwd()}:
            return [str(f) for f in files]
        return [str(f.absolute()) for f in files]

    # -- parsing -------------------------------------------------------------------------------
    def load_sources(self, paths: Iterable[str | Path]) -> LoadResult:
        """`parsing.load_sources` with the files parsed on the workers: the same transcripts and
        problems, in the same order."""
        groups: list[tuple[list[SourceProblem], list[Path]]] = []  # per path: walk problems, new files
        done: set[Path] = set()
        for raw in paths:
            problems: list[SourceProblem] = []
            files = []
            for file in source_files(Path(raw), problems):
                if file.resolve() not in done:
                    done.add(file.resolve())
                    files.append(file)
            groups.append((problems, files))
        files = [f for _, fs in groups for f in fs]
        parsed = self._parse(files) if files else []
        result = LoadResult()
        first_file: dict[str, str] = {}
        position = 0
        for walk_problems, group_files in groups:
            result.problems.extend(walk_problems)
            for file in group_files:
                transcripts, problems = parsed[position]
                position += 1
                result.problems.extend(problems)
                result.transcripts.extend(drop_duplicates(transcripts, first_file, result.problems))
        return result

    def _parse(self, files: list[Path]) -> list[ParsedFile]:
        workers = self._workers()
        names = self._names_for_workers(files)
        sizes = [_size(f) for f in files]
        futures = [self.client.submit(_parse_files, names[r.start:r.stop], pure=False)
                   for r in partition(sizes, self._parts(len(workers)))]
        try:
            return [parsed for part in self.client.gather(futures) for parsed in part]
        except self._failures as exc:
            raise _cluster_failure(self.location, exc) from exc
        finally:
            self.client.cancel(futures)

    # -- chunk, embed, count terms ---------------------------------------------------------------
    def prepare(self, transcripts: list[Transcript], settings: Settings, embedder: Embedder,
                progress: Progress | None = None) -> PreparedBatch:
        """`changes.prepare_batch` on the workers: partitions of `transcripts` are chunked, embedded and
        counted where they land; the client joins them in order (progress as partitions finish)."""
        from distributed import as_completed

        workers = self._workers()
        shares = self._thread_shares(workers)
        sizes = [sum(len(turn.text) for turn in t.turns) for t in transcripts]
        parts = [transcripts[r.start:r.stop] for r in partition(sizes, self._parts(len(workers)))]
        client, needed, ranker = self.client, worker_settings(settings), ranker_encoder_name(settings)
        chunk_futures = [client.submit(chunk_transcripts, part, needed, pure=False) for part in parts]
        count_futures = [client.submit(len, f, pure=False) for f in chunk_futures]
        futures = chunk_futures + count_futures
        try:
            counts = client.gather(count_futures)
            total = sum(counts)
            if total == 0:
                return prepare_chunks([], embedder, ranker_encoder=ranker)
            batch_futures = [client.submit(_prepare_partition, f, needed, shares, ranker, pure=False)
                             for f in chunk_futures]
            futures += batch_futures
            order = {future.key: i for i, future in enumerate(batch_futures)}
            batches: list[PreparedBatch | None] = [None] * len(batch_futures)
            done = 0
            for future in as_completed(batch_futures):
                model_id, batch = future.result()
                if model_id != embedder.model_id:
                    raise RagqaError(f"a Dask worker encodes with {model_id} but this build uses "
                                     f"{embedder.model_id}; install the same encoder on every worker")
                batches[order[future.key]] = batch
                done += len(batch.chunks)
                if progress:
                    progress(done, total)
        except self._failures as exc:
            raise _cluster_failure(self.location, exc) from exc
        finally:
            client.cancel(futures)
        return _concatenate([b for b in batches if b is not None], embedder.dim, ranker)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _concatenate(batches: list[PreparedBatch], dim: int, ranker_encoder: str | None) -> PreparedBatch:
    terms = sp.vstack([b.term_counts for b in batches], format="csr", dtype=np.float32)
    ranker_vectors = (np.concatenate([b.ranker_vectors for b in batches if b.ranker_vectors is not None])
                      if ranker_encoder is not None else None)
    return PreparedBatch(chunks=[c for b in batches for c in b.chunks],
                         vectors=np.concatenate([b.vectors for b in batches]).reshape(-1, dim),
                         term_counts=terms, ranker_vectors=ranker_vectors, ranker_encoder=ranker_encoder)
