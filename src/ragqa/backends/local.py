"""The embedded store: immutable segment folders + a checksummed manifest in one folder, searched
with FAISS and a hashed BM25 (see `ragqa.store`, `ragqa.snapshot`)."""
from __future__ import annotations

import shutil
import uuid
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..changes import ChangePlan, PreparedBatch, next_manifest, transcript_records
from ..embedding import Embedder
from ..errors import IndexFormatError, RagqaError
from ..settings import Settings
from ..snapshot import Snapshot
from ..store.files import remove_temp_files
from ..store.lock import write_lock
from ..store.manifest import MANIFEST_NAME, Manifest, RecordCache
from ..store.segment import check_segment, read_turns, remove_unreferenced, write_segment
from ..types import Filters, Turn
from .snapshot_source import SnapshotSource
from .summaries import FolderSummaries, replaced_or_removed

_READ_ATTEMPTS = 5  # reads of an index that other processes keep committing to


class LocalBackend:
    """An index in a folder. Searches run on an immutable `Snapshot` that commits replace atomically."""

    def __init__(self, path: Path, snapshot: Snapshot | None = None) -> None:
        self.path = path
        self.location = str(path)
        self.summaries = FolderSummaries(path)
        self._snapshot = snapshot

    @classmethod
    def open(cls, path: Path) -> "LocalBackend":
        """The committed generation in `path` (IndexFormatError when there is none or it is damaged)."""
        return cls(path, _read_generation(path))

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise IndexFormatError(f"{self.path}: no ragqa index here (missing {MANIFEST_NAME}); "
                                   f"build one with: ragqa build SOURCES --index {self.path}")
        return self._snapshot

    @property
    def manifest(self) -> Manifest:
        return self.snapshot.manifest

    @property
    def ranker_encoder(self) -> str | None:
        return self.snapshot.ranker_encoder

    @property
    def size(self) -> int:
        return self.snapshot.size

    def candidates(self, filters: Filters) -> AbstractContextManager[SnapshotSource]:
        return nullcontext(SnapshotSource(self.snapshot, filters))

    def turns(self, transcript_id: str) -> list[Turn]:
        """Turns from the transcript's segment. When another process has replaced the transcript since
        this snapshot was read (its old segment is gone), the newest generation is read."""
        try:
            return self._turns(transcript_id)
        except IndexFormatError:
            if not self.reload():
                raise
            return self._turns(transcript_id)

    def _turns(self, transcript_id: str) -> list[Turn]:
        manifest = self.manifest
        record = manifest.transcripts.get(transcript_id)
        if record is None:
            raise RagqaError(f"{transcript_id}: no such transcript in {self.path}")
        segment = next(s for s in manifest.segments if s.name == record.segment)
        rows = read_turns(self.path, segment, transcript_id) or []
        return [Turn(**row) for row in rows]

    def reload(self) -> bool:
        if self._snapshot is None:
            self._snapshot = _read_generation(self.path)
            return True
        if Manifest.load(self.path, self._known_records()) == self.manifest:
            return False
        snapshot = _read_generation(self.path, previous=self._snapshot)
        old, new = self.manifest, snapshot.manifest
        if (old.embedder, old.dim, old.chunking) != (new.embedder, new.dim, new.chunking):
            raise IndexFormatError(f"{self.path}: rebuilt with another encoder or chunking by another process; "
                                   f"open it again")
        self._snapshot = snapshot
        return True

    def write_lock(self) -> AbstractContextManager[None]:
        return write_lock(self.path)

    def committed(self, repair: bool = False) -> Manifest | None:
        if not (self.path / MANIFEST_NAME).exists():
            return None
        try:
            manifest = Manifest.load(self.path, self._known_records(), skip_damaged=repair)
        except IndexFormatError:
            if repair:
                return None  # unreadable manifest: a build starts afresh
            raise
        return _reembed_damaged(self.path, manifest) if repair else manifest

    def _known_records(self) -> RecordCache | None:
        """Records of the segments this backend has read (segments never change)."""
        return self._snapshot.manifest.records_by_segment() if self._snapshot is not None else None

    def commit(self, plan: ChangePlan, batch: PreparedBatch | None, settings: Settings,
               embedder: Embedder) -> None:
        try:  # what the folder holds until the new manifest replaces it
            committed = self.committed() or plan.base
        except IndexFormatError:
            committed = plan.base
        new_segments, records = [], {}
        if batch is not None and plan.incoming:
            name = f"seg-{plan.base.generation + 1:06d}-{uuid.uuid4().hex[:8]}"
            records = transcript_records(plan.incoming, batch.chunks, name)
            with _unchanged_on_failure(self.path, committed):
                new_segments.append(write_segment(self.path, name, batch.chunks, batch.vectors, batch.term_counts,
                                                  plan.incoming, records, batch.ranker_vectors, batch.ranker_encoder))
        manifest = next_manifest(plan, settings, embedder, records, new_segments)
        with _unchanged_on_failure(self.path, committed):
            manifest.save(self.path)
        self.summaries.drop(replaced_or_removed(plan))
        _tidy(self.path, manifest)
        self._snapshot = Snapshot.load(self.path, manifest, previous=self._snapshot)

    def tidy(self) -> None:
        manifest = self.committed()
        if manifest is not None:
            _tidy(self.path, manifest)

    def diagnose(self) -> list[str]:
        try:
            manifest = Manifest.load(self.path, skip_damaged=True)
        except IndexFormatError as exc:
            return [str(exc)]
        return [p for s in manifest.segments for p in check_segment(self.path, s, full=True)]


@contextmanager
def _unchanged_on_failure(index_dir: Path, committed: Manifest) -> Iterator[None]:
    """Turn a failed write before the commit (a full disk, a read-only folder) into a clear error,
    removing what was written for it so the space is given back."""
    try:
        yield
    except OSError as exc:
        _tidy(index_dir, committed)
        # numpy reports a short write without errno: the disk is full or a file-size limit was hit
        reason = exc.strerror or f"a write was cut short ({exc}): disk full or file-size limit"
        free = shutil.disk_usage(index_dir).free / 1e6
        raise RagqaError(f"{index_dir}: could not write the index ({reason}; {free:.1f} MB free on its disk); "
                         f"the index is unchanged. Free some disk space (or fix the folder's permissions) and "
                         f"run the command again.") from exc


def _tidy(index_dir: Path, manifest: Manifest) -> None:
    """Delete what interrupted writes left: segments and manifest temp files that `manifest` does not
    name. Caller holds the write lock, so no other writer is mid-way."""
    remove_unreferenced(index_dir, {s.name for s in manifest.segments})
    remove_temp_files(index_dir / MANIFEST_NAME)


def _reembed_damaged(index_dir: Path, manifest: Manifest) -> Manifest:
    """`manifest` with the transcripts of segments whose files fail their size or checksum marked as
    changed, so a build re-embeds them and drops those segments (a rebuild repairs a damaged index)."""
    damaged = {s.name for s in manifest.segments if check_segment(index_dir, s, full=True)}
    if not damaged:
        return manifest
    records = {tid: replace(r, content_hash="") if r.segment in damaged else r
               for tid, r in manifest.transcripts.items()}
    return replace(manifest, transcripts=records)


def _read_generation(path: Path, previous: Snapshot | None = None) -> Snapshot:
    """A snapshot of the committed generation. A writer in another process may commit meanwhile and
    delete segments its manifest no longer names; then the newer generation is read instead of the
    index being reported as damaged."""
    known = previous.manifest.records_by_segment() if previous is not None else None
    for _ in range(_READ_ATTEMPTS):
        stamp = _manifest_bytes(path)
        try:
            manifest = Manifest.load(path, known)
            problems = [p for s in manifest.segments for p in check_segment(path, s)]
            if problems:
                raise IndexFormatError(f"{path}: index is damaged: " + "; ".join(problems)
                                       + f". Run `ragqa doctor --index {path}`, then rebuild with: "
                                         f"ragqa build SOURCES --index {path}")
            return Snapshot.load(path, manifest, previous)
        except IndexFormatError:
            if _manifest_bytes(path) == stamp:
                raise
    raise IndexFormatError(f"{path}: the index changed {_READ_ATTEMPTS} times while it was being read; try again")


def _manifest_bytes(path: Path) -> bytes | None:
    """The committed manifest file as it is now (None when absent): a new commit changes it."""
    try:
        return (path / MANIFEST_NAME).read_bytes()
    except FileNotFoundError:
        return None
