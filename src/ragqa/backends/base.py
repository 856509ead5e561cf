"""What an index store does for `Index`: hold the committed generation, search it, and commit changes."""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from ..changes import ChangePlan, PreparedBatch
from ..embedding import Embedder
from ..settings import Settings
from ..store.manifest import Manifest
from ..types import Filters, Hit, Turn
from .summaries import SummaryStore


class IndexBackend(Protocol):
    """A store of one index. Readers see one committed generation at a time (`manifest`); `commit`
    replaces it in one atomic step (a crash mid-way leaves the previous generation)."""

    location: str  # where the index lives, for messages (a folder, or a database URL without password)
    summaries: SummaryStore  # stored summaries; `commit` drops those of the transcripts it replaces or removes

    @property
    def manifest(self) -> Manifest:
        """The generation this backend currently serves."""

    @property
    def size(self) -> int:
        """Number of live chunks in that generation."""

    @property
    def ranker_encoder(self) -> str | None:
        """The passage ranker's encoder every live chunk has a vector of (None: not every chunk has one)."""

    def search(self, embedder: Embedder, query: str, k: int, filters: Filters, settings: Settings) -> list[Hit]:
        """The k best chunks for `query` (same ranking as every other store: `retrieval.rank_candidates`)."""

    def turns(self, transcript_id: str) -> list[Turn]:
        """All turns of an indexed transcript, in source order."""

    def reload(self) -> bool:
        """Switch to the newest committed generation if another process committed one; True if it did."""

    def write_lock(self) -> AbstractContextManager[None]:
        """Held while a writer reads the committed state, plans and commits (one writer at a time)."""

    def committed(self, repair: bool = False) -> Manifest | None:
        """The committed manifest as stored now (None for a new, empty store). With `repair`, transcripts
        whose stored data is damaged are marked changed so that the next commit re-embeds them."""

    def commit(self, plan: ChangePlan, batch: PreparedBatch | None, settings: Settings,
               embedder: Embedder) -> None:
        """Apply `plan` (drop `plan.removed`, add `batch`'s chunks for `plan.incoming`) as one new
        generation and start serving it. Caller holds `write_lock`."""

    def tidy(self) -> None:
        """Remove what interrupted writes left behind. Caller holds `write_lock`."""

    def diagnose(self) -> list[str]:
        """What is wrong with the stored data (empty when nothing is)."""
