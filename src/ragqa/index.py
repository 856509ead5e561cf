"""The Index: build, update, search and ask a persisted transcript index."""
from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .chunking import chunk_transcript
from .embedding import Embedder, make_embedder
from .errors import IndexFormatError, RagqaError
from .lexical import term_frequencies
from .retrieval import Filters, search
from .runtime import configure_threads
from .settings import Settings, load_settings
from .snapshot import Snapshot
from .store.lock import write_lock
from .store.files import remove_temp_files
from .store.manifest import MANIFEST_NAME, Manifest, TranscriptRecord
from .store.segment import check_segment, remove_unreferenced, write_segment, read_turns
from .types import Chunk, Hit, SourceProblem, Transcript, Turn

Progress = Callable[[int, int], None]  # (done, total) chunks embedded
_READ_ATTEMPTS = 5  # reads of an index that other processes keep committing to
EMBED_BATCH = 256


@dataclass
class BuildReport:
    """What a build/add did."""

    added: list[str] = field(default_factory=list)  # new or changed transcripts (embedded)
    unchanged: list[str] = field(default_factory=list)  # already indexed with the same content
    removed: list[str] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    chunks_embedded: int = 0


@dataclass(frozen=True)
class TranscriptInfo:
    id: str
    title: str
    date: str | None
    n_turns: int
    speakers: list[str]
    url: str | None
    source: str | None


def content_hash(transcript: Transcript) -> str:
    """Hash of everything that ends up in the index for a transcript."""
    payload = {"turns": [asdict(t) for t in transcript.turns], "title": transcript.title,
               "date": transcript.date, "place": transcript.place, "url": transcript.url,
               "source": transcript.source}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Index:
    """A persisted index of transcripts. Thread-safe: searches run on an immutable snapshot that
    writers replace atomically."""

    def __init__(self, path: Path, settings: Settings, snapshot: Snapshot) -> None:
        configure_threads(settings.threads)
        self.path = path
        self.settings = settings
        self._snapshot = snapshot
        self._embedder: Embedder | None = None
        self.last_report: BuildReport | None = None  # what the build that returned this Index did

    # -- reading -------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            embedder = make_embedder(self.settings)
            manifest = self._snapshot.manifest
            if embedder.model_id != manifest.embedder or embedder.dim != manifest.dim:
                raise IndexFormatError(
                    f"{self.path}: index was built with embedder {manifest.embedder} (dim {manifest.dim}) "
                    f"but {embedder.model_id} (dim {embedder.dim}) is configured; rebuild it with: "
                    f"ragqa build SOURCES --index {self.path}")
            self._embedder = embedder
        return self._embedder

    @property
    def manifest(self) -> Manifest:
        return self._snapshot.manifest

    def search(self, query: str, k: int = 10, speaker: str | None = None, transcript: str | None = None,
               date_from: str | None = None, date_to: str | None = None) -> list[Hit]:
        """The k passages that best match `query`; filters are exact (case-insensitive) metadata filters."""
        snapshot = self._snapshot
        return search(snapshot, self.embedder, query, k,
                      Filters(speaker=speaker, transcript=transcript, date_from=date_from, date_to=date_to),
                      self.settings.retrieval)

    def ask(self, question: str, k: int | None = None, speaker: str | None = None,
            transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
            stream: bool = False) -> Any:
        """A cited answer (`Answer`), or with `stream=True` an `AnswerStream` yielding text as it comes."""
        from .answering import ask

        return ask(self, question, k=k, speaker=speaker, transcript=transcript, date_from=date_from,
                   date_to=date_to, stream=stream)

    def transcripts(self) -> list[TranscriptInfo]:
        """Indexed transcripts, sorted by id."""
        records = self.manifest.transcripts
        return [TranscriptInfo(id=r.id, title=r.title, date=r.date, n_turns=r.n_turns, speakers=list(r.speakers),
                               url=r.url, source=r.source) for _, r in sorted(records.items())]

    def speakers(self) -> list[str]:
        """All distinct speakers of the indexed transcripts, sorted."""
        return sorted({s for r in self.manifest.transcripts.values() for s in r.speakers}, key=str.casefold)

    def turns(self, transcript_id: str) -> list[Turn]:
        """All turns of an indexed transcript, in source order. When another process has replaced the
        transcript since this Index was read (its old segment is gone), the newest generation is read."""
        try:
            return self._turns(transcript_id)
        except IndexFormatError:
            if not self.reload():
                raise
            return self._turns(transcript_id)

    def reload(self) -> bool:
        """Switch to the newest generation on disk if another process committed one; True if it did."""
        if Manifest.load(self.path) == self.manifest:
            return False
        snapshot = _read_generation(self.path)
        old, new = self.manifest, snapshot.manifest
        if (old.embedder, old.dim, old.chunking) != (new.embedder, new.dim, new.chunking):
            raise IndexFormatError(f"{self.path}: rebuilt with another encoder or chunking by another process; "
                                   f"open it again")
        self._snapshot = snapshot
        return True

    def _turns(self, transcript_id: str) -> list[Turn]:
        manifest = self.manifest
        record = manifest.transcripts.get(transcript_id)
        if record is None:
            raise RagqaError(f"{transcript_id}: no such transcript in {self.path}")
        segment = next(s for s in manifest.segments if s.name == record.segment)
        rows = read_turns(self.path, segment, transcript_id) or []
        return [Turn(**row) for row in rows]

    def stats(self) -> dict[str, Any]:
        m = self.manifest
        return {"transcripts": len(m.transcripts), "turns": sum(r.n_turns for r in m.transcripts.values()),
                "chunks": self._snapshot.size, "embedder": m.embedder, "dim": m.dim, "generation": m.generation}

    # -- writing -------------------------------------------------------------------------------
    def add(self, sources: Sequence[str | Path], progress: Progress | None = None,
            strict: bool = False) -> BuildReport:
        """Add (or update) the transcripts in `sources`; unchanged ones cost nothing."""
        from .parsing import load_sources

        loaded = load_sources(list(sources))
        return self.add_transcripts(loaded.transcripts, problems=loaded.problems, progress=progress, strict=strict)

    def add_transcripts(self, transcripts: Iterable[Transcript], problems: Sequence[SourceProblem] = (),
                        progress: Progress | None = None, strict: bool = False) -> BuildReport:
        """Add already-parsed transcripts (same rules as `add`)."""
        return self._write(list(transcripts), remove=set(), replace_all=False, problems=list(problems),
                           progress=progress, strict=strict)

    def remove(self, transcript_id: str) -> None:
        """Remove one transcript (its chunks disappear; nothing is re-embedded)."""
        if transcript_id not in self.manifest.transcripts:
            raise RagqaError(f"{transcript_id}: no such transcript in {self.path}")
        self._write([], remove={transcript_id}, replace_all=False, problems=[], progress=None, strict=False)

    def _write(self, transcripts: list[Transcript], remove: set[str], replace_all: bool,
               problems: list[SourceProblem], progress: Progress | None, strict: bool,
               force: bool = False) -> BuildReport:
        report = BuildReport(problems=list(problems))
        if strict and problems:
            raise _strict_failure(problems)
        with write_lock(self.path):
            current = Manifest.load(self.path) if (self.path / MANIFEST_NAME).exists() else self.manifest
            new_manifest = commit_changes(self.path, current, self.settings, self.embedder, transcripts, remove,
                                          replace_all, report, progress, force)
            if new_manifest is not current:
                self._snapshot = Snapshot.load(self.path, new_manifest)
        return report


def _strict_failure(problems: Sequence[SourceProblem]) -> RagqaError:
    listed = "\n".join(f"  {p}" for p in problems)
    return RagqaError(f"nothing changed (--strict): {len(problems)} problem(s) in the sources:\n{listed}")


def _empty_manifest(settings: Settings, embedder: Embedder) -> Manifest:
    return Manifest(embedder=embedder.model_id, embedder_config=settings.embedder.model_dump(mode="json"),
                    dim=embedder.dim, chunking=settings.chunking.model_dump(mode="json"))


def _compatible(manifest: Manifest, settings: Settings, embedder: Embedder) -> bool:
    return (manifest.embedder == embedder.model_id and manifest.dim == embedder.dim
            and manifest.chunking == settings.chunking.model_dump(mode="json"))


def embed_chunks(embedder: Embedder, chunks: list[Chunk], progress: Progress | None) -> np.ndarray:
    """Passage vectors for chunks, in batches, reporting progress."""
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start:start + EMBED_BATCH]
        vectors[start:start + len(batch)] = embedder.embed_passages([c.embed_text for c in batch])
        if progress:
            progress(start + len(batch), len(chunks))
    return vectors


def commit_changes(index_dir: Path, current: Manifest, settings: Settings, embedder: Embedder,
                   transcripts: list[Transcript], remove: set[str], replace_all: bool, report: BuildReport,
                   progress: Progress | None, force: bool) -> Manifest:
    """Write a segment for new/changed transcripts and commit a new manifest. Returns `current` when
    nothing changed. Caller holds the write lock."""
    committed = current  # what the folder holds until the new manifest replaces it
    if not _compatible(current, settings, embedder):
        if not replace_all:
            raise IndexFormatError(
                f"{index_dir}: index was built with embedder {current.embedder} and chunking {current.chunking}; "
                f"the configured ones differ ({embedder.model_id}, {settings.chunking.model_dump()}). "
                f"Rebuild with: ragqa build SOURCES --index {index_dir}")
        current = _empty_manifest(settings, embedder)
        force = True
    records = dict(current.transcripts)
    incoming: list[Transcript] = []
    for transcript in transcripts:
        digest = content_hash(transcript)
        old = records.get(transcript.id)
        if old is not None and old.content_hash == digest and not force:
            report.unchanged.append(transcript.id)
        else:
            incoming.append(transcript)
    if replace_all:
        keep = {t.id for t in transcripts}
        remove = remove | {tid for tid in records if tid not in keep}
    for tid in sorted(remove):
        if records.pop(tid, None) is not None:
            report.removed.append(tid)
    segments = list(current.segments)
    if incoming:
        chunks = [c for t in incoming for c in chunk_transcript(t, settings.chunking)]
        vectors = embed_chunks(embedder, chunks, progress)
        terms = (term_frequencies([c.text for c in chunks], [c.lang for c in chunks]) if chunks
                 else sp.csr_matrix((0, 1)))
        name = f"seg-{current.generation + 1:06d}-{uuid.uuid4().hex[:8]}"
        with _unchanged_on_failure(index_dir, committed):
            segment = write_segment(index_dir, name, chunks, vectors, terms, incoming)
        segments.append(segment)
        per_transcript: dict[str, int] = {}
        for c in chunks:
            per_transcript[c.transcript_id] = per_transcript.get(c.transcript_id, 0) + 1
        for t in incoming:
            records[t.id] = TranscriptRecord(
                id=t.id, content_hash=content_hash(t), segment=name, title=t.title or t.id,
                n_turns=len(t.turns), n_chunks=per_transcript.get(t.id, 0), speakers=t.speakers, date=t.date,
                place=t.place, url=t.url, source=t.source, path=t.path)
        report.added = [t.id for t in incoming]
        report.chunks_embedded = len(chunks)
    if not incoming and not report.removed and current.generation > 0:
        _tidy(index_dir, current)
        return current
    live_segments = {r.segment for r in records.values()}
    new_manifest = Manifest(
        embedder=embedder.model_id, embedder_config=settings.embedder.model_dump(mode="json"), dim=embedder.dim,
        chunking=settings.chunking.model_dump(mode="json"), generation=current.generation + 1,
        segments=[s for s in segments if s.name in live_segments], transcripts=records)
    with _unchanged_on_failure(index_dir, committed):
        new_manifest.save(index_dir)
    _tidy(index_dir, new_manifest)
    return new_manifest


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


def _resolve_settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings()


def build_index(sources: Sequence[str | Path], index_dir: str | Path = "index", settings: Settings | None = None,
                progress: Progress | None = None, strict: bool = False, force: bool = False) -> Index:
    """Make `index_dir` hold exactly the transcripts in `sources` (files or folders). Transcripts already
    indexed with the same content and settings are kept without re-embedding unless `force`."""
    from .parsing import load_sources

    loaded = load_sources(list(sources))
    if strict and loaded.problems:
        raise _strict_failure(loaded.problems)
    return build_from_transcripts(loaded.transcripts, index_dir, settings=settings, progress=progress,
                                  force=force, problems=loaded.problems)


def build_from_transcripts(transcripts: Sequence[Transcript], index_dir: str | Path = "index",
                           settings: Settings | None = None, progress: Progress | None = None,
                           force: bool = False, problems: Sequence[SourceProblem] = ()) -> Index:
    """`build_index` for transcripts already parsed (or made in code)."""
    settings = _resolve_settings(settings)
    path = Path(index_dir)
    embedder = make_embedder(settings)
    report = BuildReport(problems=list(problems))
    with write_lock(path):
        try:
            current = _reembed_damaged(path, Manifest.load(path))
        except IndexFormatError:
            current = _empty_manifest(settings, embedder)
        manifest = commit_changes(path, current, settings, embedder, list(transcripts), set(), True, report,
                                  progress, force)
        index = Index(path, settings, Snapshot.load(path, manifest))  # under the lock: its files stay
    index._embedder = embedder
    index.last_report = report
    return index


def _reembed_damaged(index_dir: Path, manifest: Manifest) -> Manifest:
    """`manifest` with the transcripts of segments whose files fail their size or checksum marked as
    changed, so a build re-embeds them and drops those segments (a rebuild repairs a damaged index)."""
    damaged = {s.name for s in manifest.segments if check_segment(index_dir, s, full=True)}
    if not damaged:
        return manifest
    records = {tid: replace(r, content_hash="") if r.segment in damaged else r
               for tid, r in manifest.transcripts.items()}
    return replace(manifest, transcripts=records)


def diagnose(index_dir: str | Path = "index", settings: Settings | None = None) -> list[str]:
    """What is wrong with the index at `index_dir` (empty when nothing is): the manifest, every file
    against its recorded size and sha256, and whether it loads and matches the configured encoder."""
    path = Path(index_dir)
    try:
        manifest = Manifest.load(path)
    except IndexFormatError as exc:
        return [str(exc)]
    problems = [p for s in manifest.segments for p in check_segment(path, s, full=True)]
    if not problems:
        try:
            load_index(path, settings).embedder
        except RagqaError as exc:
            problems.append(str(exc))
    return problems


def load_index(index_dir: str | Path = "index", settings: Settings | None = None) -> Index:
    """Open a built index. Without explicit embedder/chunking settings, those it was built with are used;
    explicit ones that differ are refused with a message saying how to rebuild."""
    settings = _resolve_settings(settings)
    path = Path(index_dir)
    snapshot = _read_generation(path)
    manifest = snapshot.manifest
    if "embedder" not in settings.model_fields_set:
        settings = settings.merged(embedder=manifest.embedder_config)
    elif settings.embedder.model_dump(mode="json") != manifest.embedder_config:
        raise IndexFormatError(
            f"{path}: index was built with embedder {manifest.embedder_config.get('model')} "
            f"({manifest.embedder}) but {settings.embedder.model} is configured; rebuild it with: "
            f"ragqa build SOURCES --index {path}")
    if "chunking" not in settings.model_fields_set:
        settings = settings.merged(chunking=manifest.chunking)
    return Index(path, settings, snapshot)


def _read_generation(path: Path) -> Snapshot:
    """A snapshot of the committed generation. A writer in another process may commit meanwhile and
    delete segments its manifest no longer names; then the newer generation is read instead of the
    index being reported as damaged."""
    for _ in range(_READ_ATTEMPTS):
        manifest = Manifest.load(path)
        try:
            problems = [p for s in manifest.segments for p in check_segment(path, s)]
            if problems:
                raise IndexFormatError(f"{path}: index is damaged: " + "; ".join(problems)
                                       + f". Run `ragqa doctor --index {path}`, then rebuild with: "
                                         f"ragqa build SOURCES --index {path}")
            return Snapshot.load(path, manifest)
        except IndexFormatError:
            if Manifest.load(path) == manifest:
                raise
    raise IndexFormatError(f"{path}: the index changed {_READ_ATTEMPTS} times while it was being read; try again")
