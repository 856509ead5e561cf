"""Durable file writes: temp file, fsync, rename, fsync the folder."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import IndexFormatError


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file. A write that
    fails (a full disk) removes its temp file and leaves the old file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def remove_temp_files(path: Path) -> None:
    """Delete the temp files of `write_atomic(path, ...)` calls that a crash interrupted (the caller
    must be the only writer)."""
    for leftover in path.parent.glob(f".{path.name}.tmp-*"):
        leftover.unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, data: bytes | memoryview, digest: str | None, index_dir: Path) -> None:
    """Refuse the bytes of index file `path` unless they hash to the manifest's `digest`."""
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexFormatError(f"{path}: checksum differs from the manifest (file altered or corrupt); "
                               f"run `ragqa doctor --index {index_dir}`")


def read_verified(path: Path, digest: str | None, index_dir: Path) -> bytes:
    """The bytes of an index file that loading reads whole anyway, checked against the manifest's sha256
    (one pass over bytes already in memory), so altered files never serve what the index did not write."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc.strerror or exc}); "
                               f"run `ragqa doctor --index {index_dir}`") from exc
    check_sha256(path, data, digest, index_dir)
    return data
