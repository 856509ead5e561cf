"""Settings of a test index on either store (shared by the store tests)."""
from __future__ import annotations

import itertools

from ragqa.settings import Settings

STORES = ["faiss", "postgres"]
_schemas = itertools.count()


def store_settings(store: str, url: str | None, **overrides) -> Settings:
    """Default settings (e5-small), the LLM off, on `store` (a fresh schema of `url` for postgres)."""
    settings = Settings(threads=2, llm={"backend": "none"}, **overrides)
    if store == "postgres":
        settings = settings.merged(store="postgres", postgres={"url": url, "namespace": f"t{next(_schemas)}"})
    return settings
