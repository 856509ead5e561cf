"""The Index: build, update, search and ask a transcript index, whichever store holds it."""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .backends import IndexBackend, open_backend
from .changes import (BuildReport, PreparedBatch, Progress, content_hash, empty_manifest, plan_changes,
                      prepare_batch)
from .embedding import Embedder, make_embedder
from .errors import IndexFormatError, RagqaError
from .ranking.gates import adapter_for
from .ranking.search import search
from .runtime import configure_threads
from .settings import Settings, load_settings
from .store.manifest import Manifest
from .types import Filters, Hit, SourceProblem, Transcript, Turn

Prepare = Callable[[list[Transcript], Settings, Embedder, Progress | None], PreparedBatch]  # like prepare_batch
SEARCH_K = 10  # passages a search returns when neither the caller nor `retrieval.k` says

__all__ = ["BuildReport", "Index", "TranscriptInfo", "build_from_transcripts", "build_index", "content_hash",
           "diagnose", "load_index"]


@dataclass(frozen=True)
class TranscriptInfo:
    id: str
    title: str
    date: str | None
    n_turns: int
    speakers: list[str]
    url: str | None
    source: str | None


class Index:
    """A persisted index of transcripts. Thread-safe: searches run on an immutable generation that
    writers replace atomically."""

    def __init__(self, path: Path, settings: Settings, backend: IndexBackend) -> None:
        configure_threads(settings.threads)
        self.path = path
        self.settings = settings
        self.backend = backend
        self._embedder: Embedder | None = None
        self.last_report: BuildReport | None = None  # what the build that returned this Index did

    # -- reading -------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            embedder = make_embedder(self.settings)
            manifest = self.manifest
            if embedder.model_id != manifest.embedder or embedder.dim != manifest.dim:
                raise IndexFormatError(
                    f"{self.backend.location}: index was built with embedder {manifest.embedder} (dim "
                    f"{manifest.dim}) but {embedder.model_id} (dim {embedder.dim}) is configured; rebuild it "
                    f"with: ragqa build SOURCES --index {self.backend.location}")
            self._embedder = embedder
        return self._embedder

    @property
    def manifest(self) -> Manifest:
        return self.backend.manifest

    @property
    def location(self) -> str:
        """Where the index lives, for messages (its folder, or the database URL without password)."""
        return self.backend.location

    def search(self, query: str, k: int | None = None, speaker: str | None = None, transcript: str | None = None,
               date_from: str | None = None, date_to: str | None = None) -> list[Hit]:
        """The k passages that best match `query` (k: `retrieval.k`, else 10); filters are exact
        (case-insensitive) metadata filters."""
        k = k if k is not None else self.settings.retrieval.k or SEARCH_K
        filters = Filters(speaker=speaker, transcript=transcript, date_from=date_from, date_to=date_to)
        return search(self.backend, self.embedder, query, k, filters, self.settings.retrieval)

    def ask(self, question: str, k: int | None = None, speaker: str | None = None,
            transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
            stream: bool = False) -> Any:
        """A cited answer (`Answer`), or with `stream=True` an `AnswerStream` yielding text as it comes.
        A question asking for a summary, the decisions, the action items or everything someone said
        about something of one transcript (the `transcript` filter, or the only one indexed) is
        answered by `summarize` with the question's focus; with several transcripts and no filter, the
        answer names the most relevant few (cited) and asks to pick one."""
        from .answering import ask
        from .answering.stream import AnswerStream
        from .answering.summary_router import pick_transcript, summary_request

        whole, focus = summary_request(question)
        target = self._transcript_id(transcript) if whole and not speaker else None
        if target is not None:
            return self.summarize(target, focus=focus, stream=stream)
        if whole and not speaker and transcript is None and len(self.manifest.transcripts) > 1:
            answer = pick_transcript(self, question, focus)
            return AnswerStream.of(answer) if stream else answer
        return ask(self, question, k=k if k is not None else self.settings.retrieval.k, speaker=speaker,
                   transcript=transcript, date_from=date_from, date_to=date_to, stream=stream)

    def chat(self, messages: Sequence[Any], k: int | None = None, speaker: str | None = None,
             transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
             stream: bool = False) -> Any:
        """The answer to the last message of a conversation, `[{"role": "user"|"assistant", "content":
        str}, ...]` ending with the user's question: an `Answer` (or `AnswerStream`) as from `ask`, with
        `standalone_question`, the question as it was searched. A follow-up ("And what did he say about
        trade?") is rewritten to stand alone first; an assistant message may carry the `citations` of
        `Answer.to_dict()`, so that a follow-up keeps to the transcript its answer cited."""
        from .answering.chat import chat

        return chat(self, messages, k=k, speaker=speaker, transcript=transcript, date_from=date_from,
                    date_to=date_to, stream=stream)

    def _transcript_id(self, transcript: str | None) -> str | None:
        """The id of the transcript a filter names (id or title, case-insensitive), or of the only one."""
        records = self.manifest.transcripts
        if transcript is None:
            return next(iter(records)) if len(records) == 1 else None
        wanted = transcript.casefold()
        return next((i for i, r in records.items() if wanted in (i.casefold(), r.title.casefold())), None)

    def summarize(self, transcript_id: str, focus: str | None = None, stream: bool = False,
                  progress: Any = None) -> Any:
        """A cited summary of one transcript (Overview, Decisions, Action items, Open questions),
        map-reduced over all its turns; with `focus`, over the stretches of talk the transcript's search
        ranks highest for it (two model windows' worth), keeping only what bears on it; `progress(done,
        total)` is called per window. Summaries are stored with the index (keyed by the transcript's content,
        focus, prompts and model): asking again returns the stored one at once.

        With `stream=True`, an `AnswerStream`: iterating yields, as soon as each window is done, its
        checked points as Markdown lines ("- text [n]", "- Decision: ...", "- Action: ...",
        "- Question: ..."), where [n] is `stream.sources[n - 1]` (a Hit per turn); then `.answer` is
        the final sectioned Answer, numbered by its own `.citations`. A stored or extractive summary
        is yielded whole, with `sources` its cited turns in marker order."""
        from .answering.summarize import summarize

        return summarize(self, transcript_id, focus=focus, stream=stream, progress=progress)

    def transcripts(self) -> list[TranscriptInfo]:
        """Indexed transcripts, sorted by id."""
        records = self.manifest.transcripts
        return [TranscriptInfo(id=r.id, title=r.title, date=r.date, n_turns=r.n_turns, speakers=list(r.speakers),
                               url=r.url, source=r.source) for _, r in sorted(records.items())]

    def speakers(self) -> list[str]:
        """All distinct speakers of the indexed transcripts, sorted."""
        return sorted({s for r in self.manifest.transcripts.values() for s in r.speakers}, key=str.casefold)

    def turns(self, transcript_id: str) -> list[Turn]:
        """All turns of an indexed transcript, in source order."""
        return self.backend.turns(transcript_id)

    def reload(self) -> bool:
        """Switch to the newest generation if another process committed one; True if it did."""
        return self.backend.reload()

    def stats(self) -> dict[str, Any]:
        m = self.manifest
        return {"transcripts": len(m.transcripts), "turns": sum(r.n_turns for r in m.transcripts.values()),
                "chunks": self.backend.size, "embedder": m.embedder, "dim": m.dim, "generation": m.generation,
                "store": self.settings.store, "ranker_encoder": self.backend.ranker_encoder,
                "query_adapter": adapter.embedder if (adapter := adapter_for(self.embedder))
                else None}

    # -- writing -------------------------------------------------------------------------------
    def add(self, sources: Sequence[str | Path], progress: Progress | None = None,
            strict: bool = False) -> BuildReport:
        """Add (or update) the transcripts in `sources`; unchanged ones cost nothing. With
        `build.engine = "dask"` the files are parsed and the new transcripts embedded on a Dask cluster."""
        from .parsing import load_sources

        with _engine(self.settings) as engine:
            loaded = (engine.load_sources if engine else load_sources)(list(sources))
            return self._add(loaded.transcripts, loaded.problems, progress, strict,
                             engine.prepare if engine else prepare_batch)

    def add_transcripts(self, transcripts: Iterable[Transcript], problems: Sequence[SourceProblem] = (),
                        progress: Progress | None = None, strict: bool = False) -> BuildReport:
        """Add already-parsed transcripts (same rules as `add`)."""
        with _engine(self.settings) as engine:
            return self._add(list(transcripts), problems, progress, strict,
                             engine.prepare if engine else prepare_batch)

    def _add(self, transcripts: list[Transcript], problems: Sequence[SourceProblem], progress: Progress | None,
             strict: bool, prepare: Prepare) -> BuildReport:
        if strict and problems:
            raise _strict_failure(problems)
        report = BuildReport(problems=list(problems))
        apply_changes(self.backend, self.settings, self.embedder, transcripts, set(), False, report,
                      progress, force=False, prepare=prepare)
        return report

    def remove(self, transcript_id: str) -> None:
        """Remove one transcript (its chunks disappear; nothing is re-embedded)."""
        if transcript_id not in self.manifest.transcripts:
            raise RagqaError(f"{transcript_id}: no such transcript in {self.backend.location}")
        apply_changes(self.backend, self.settings, self.embedder, [], {transcript_id}, False, BuildReport(),
                      None, force=False)


def _strict_failure(problems: Sequence[SourceProblem]) -> RagqaError:
    listed = "\n".join(f"  {p}" for p in problems)
    return RagqaError(f"nothing changed (--strict): {len(problems)} problem(s) in the sources:\n{listed}")


def apply_changes(backend: IndexBackend, settings: Settings, embedder: Embedder, transcripts: list[Transcript],
                  remove: set[str], replace_all: bool, report: BuildReport, progress: Progress | None,
                  force: bool, repair: bool = False, prepare: Prepare = prepare_batch) -> None:
    """Under the store's write lock: plan against the committed state, embed what is new (with
    `prepare`: here, or on a Dask cluster), commit one generation (nothing is committed when nothing
    changed, except the first, empty one)."""
    with backend.write_lock():
        current = backend.committed(repair=repair) or empty_manifest(settings, embedder)
        plan = plan_changes(current, settings, embedder, transcripts, remove, replace_all, force, report,
                            backend.location)
        if plan.empty and plan.base.generation > 0:
            backend.tidy()
            backend.reload()
            return
        batch = prepare(plan.incoming, settings, embedder, progress) if plan.incoming else None
        report.chunks_embedded = len(batch.chunks) if batch is not None else 0
        backend.commit(plan, batch, settings, embedder)


def _resolve_settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings()


def _engine(settings: Settings) -> AbstractContextManager[Any]:
    """The Dask cluster connection of a `build.engine = "dask"` build, else nothing (build here)."""
    if settings.build.engine == "dask":
        from .distributed import DaskEngine

        return DaskEngine(settings)
    return nullcontext()


def build_index(sources: Sequence[str | Path], index_dir: str | Path = "index", settings: Settings | None = None,
                progress: Progress | None = None, strict: bool = False, force: bool = False) -> Index:
    """Make the index hold exactly the transcripts in `sources` (files or folders). Transcripts already
    indexed with the same content and settings are kept without re-embedding unless `force`. With
    `build.engine = "dask"` the files are parsed and the new transcripts embedded on a Dask cluster."""
    from .parsing import load_sources

    settings = _resolve_settings(settings)
    with _engine(settings) as engine:
        loaded = (engine.load_sources if engine else load_sources)(list(sources))
        if strict and loaded.problems:
            raise _strict_failure(loaded.problems)
        return _build(loaded.transcripts, Path(index_dir), settings, progress, force, loaded.problems,
                      engine.prepare if engine else prepare_batch)


def build_from_transcripts(transcripts: Sequence[Transcript], index_dir: str | Path = "index",
                           settings: Settings | None = None, progress: Progress | None = None,
                           force: bool = False, problems: Sequence[SourceProblem] = ()) -> Index:
    """`build_index` for transcripts already parsed (or made in code). A damaged index is repaired:
    transcripts whose stored data fails its checks are embedded again."""
    settings = _resolve_settings(settings)
    with _engine(settings) as engine:
        return _build(list(transcripts), Path(index_dir), settings, progress, force, problems,
                      engine.prepare if engine else prepare_batch)


def _build(transcripts: list[Transcript], path: Path, settings: Settings, progress: Progress | None, force: bool,
           problems: Sequence[SourceProblem], prepare: Prepare) -> Index:
    embedder = make_embedder(settings)
    report = BuildReport(problems=list(problems))
    backend = open_backend(settings, path, create=True)
    apply_changes(backend, settings, embedder, transcripts, set(), True, report, progress, force,
                  repair=True, prepare=prepare)
    index = Index(path, settings, backend)
    index._embedder = embedder
    index.last_report = report
    return index


def diagnose(index_dir: str | Path = "index", settings: Settings | None = None) -> list[str]:
    """What is wrong with the index (empty when nothing is): the stored data against its recorded
    checksums, and whether it loads and matches the configured encoder."""
    settings = _resolve_settings(settings)
    path = Path(index_dir)
    try:
        problems = open_backend(settings, path, create=True).diagnose()
    except RagqaError as exc:
        return [str(exc)]
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
    backend = open_backend(settings, path)
    manifest = backend.manifest
    if "embedder" not in settings.model_fields_set:
        settings = settings.merged(embedder=manifest.embedder_config)
    elif settings.embedder.model_dump(mode="json") != manifest.embedder_config:
        raise IndexFormatError(
            f"{backend.location}: index was built with embedder {manifest.embedder_config.get('model')} "
            f"({manifest.embedder}) but {settings.embedder.model} is configured; rebuild it with: "
            f"ragqa build SOURCES --index {backend.location}")
    if "chunking" not in settings.model_fields_set:
        settings = settings.merged(chunking=manifest.chunking)
    return Index(path, settings, backend)
