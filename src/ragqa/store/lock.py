"""One writer at a time per index folder, across threads and processes."""
from __future__ import annotations

import fcntl
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()

LOCK_NAME = ".write.lock"


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's writer lock (blocks until the other writer is done)."""
    key = str(index_dir.resolve())
    with _guard:
        thread_lock = _thread_locks.setdefault(key, threading.Lock())
    with thread_lock:
        index_dir.mkdir(parents=True, exist_ok=True)
        with open(index_dir / LOCK_NAME, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
