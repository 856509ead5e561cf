"""The summary cache every store keeps beside its index: summaries by key (see
`answering.summary_cache`), grouped by transcript so that a commit that replaces or removes a
transcript drops its summaries. `FolderSummaries` is the local store's; PostgreSQL keeps a table
(`pg.summaries`)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ..changes import ChangePlan

SUMMARIES_DIR = "summaries"


class SummaryStore(Protocol):
    """Stored summaries of one index."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The summary stored under `key`, or None."""

    def put(self, key: str, transcript_id: str, value: dict[str, Any]) -> None:
        """Store `value` (JSON-ready) under `key` as a summary of `transcript_id`; a store that cannot
        be written (read-only) keeps nothing."""


def replaced_or_removed(plan: ChangePlan) -> list[str]:
    """Transcripts whose summaries a commit of `plan` drops: the removed and the (re)indexed ones."""
    return sorted(set(plan.removed) | {t.id for t in plan.incoming})


class FolderSummaries:
    """Summaries as JSON files in `<index>/summaries/<transcript digest>/<key>.json`."""

    def __init__(self, index_dir: Path) -> None:
        self.root = index_dir / SUMMARIES_DIR

    def _folder(self, transcript_id: str) -> Path:
        return self.root / hashlib.sha256(transcript_id.encode("utf-8")).hexdigest()[:24]

    def get(self, key: str) -> dict[str, Any] | None:
        for path in self.root.glob(f"*/{key}.json") if self.root.is_dir() else ():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
        return None

    def put(self, key: str, transcript_id: str, value: dict[str, Any]) -> None:
        folder = self._folder(transcript_id)
        temp = folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(temp, folder / f"{key}.json")
        except OSError:
            temp.unlink(missing_ok=True)

    def drop(self, transcript_ids: Iterable[str]) -> None:
        """Delete the summaries of these transcripts. Caller holds the index's write lock."""
        for transcript_id in transcript_ids:
            shutil.rmtree(self._folder(transcript_id), ignore_errors=True)
