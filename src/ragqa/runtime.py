"""Process-wide thread settings for the numeric libraries (set explicitly: oversubscribed or
busy-waiting OpenMP threads made encoders 10-60x slower on a loaded 2-core machine)."""
from __future__ import annotations

import os
import threading

_applied: set[int] = set()
_lock = threading.Lock()


def prefer_passive_openmp() -> None:
    """OpenMP threads sleep instead of spinning when idle. Must run before an OpenMP runtime loads
    (ragqa does it on import); a value the user set is kept."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def configure_threads(threads: int) -> None:
    """Cap BLAS, FAISS and OpenMP at `threads` threads (idempotent)."""
    with _lock:
        if threads in _applied:
            return
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import faiss
        from threadpoolctl import threadpool_limits

        faiss.omp_set_num_threads(threads)
        threadpool_limits(limits=threads)
        _applied.clear()
        _applied.add(threads)
