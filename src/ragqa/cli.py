"""`ragqa` command line: build, add, remove, search, ask, eval, serve, doctor, info."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import RagqaError
from .settings import Settings, load_settings


def _progress_bar(label: str, enabled: bool):
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="chunk", desc=label, file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.threads is not None:
        overrides["threads"] = args.threads
    if getattr(args, "embedder", None):
        overrides["embedder"] = {"model": args.embedder}
    if getattr(args, "llm", None):
        overrides["llm"] = {"backend": args.llm}
    if getattr(args, "llm_model", None):
        overrides.setdefault("llm", {})["model"] = args.llm_model
    if getattr(args, "llm_url", None):
        overrides.setdefault("llm", {})["base_url"] = args.llm_url
    if getattr(args, "ranker", None):
        overrides["retrieval"] = {"ranker": args.ranker}
    if getattr(args, "ranker_encoder", None):
        overrides.setdefault("retrieval", {})["ranker_encoder"] = args.ranker_encoder
    build = {key: value for key in ("engine", "scheduler", "workers")
             if (value := getattr(args, key, None)) is not None}
    if build:
        overrides["build"] = build
    settings = load_settings(args.config) if args.config else load_settings()
    if overrides:
        settings = settings.merged(**overrides)
    if args.index is not None:
        settings = settings.merged(index_dir=args.index)
    if args.postgres is not None:
        settings = settings.merged(store="postgres", postgres={"url": args.postgres})
    return settings


def _report_problems(report) -> None:
    """One line per problem, naming the file (and line); each message says what was skipped."""
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)


def _note_missing_ranker_vectors(index: Any) -> None:
    """Say so when the index lacks the ranker encoder's vectors the settings ask for (chunks indexed before
    ragqa kept them, or with `--ranker-encoder none`): English questions inside a transcript then rank without
    them, and an unchanged transcript is not re-embedded to add them."""
    from .changes import ranker_encoder_name

    wanted = ranker_encoder_name(index.settings)
    stats = index.stats()
    if wanted is not None and stats["chunks"] and stats["ranker_encoder"] != wanted:
        print(f"note: {index.location} holds chunks without the {wanted} ranker encoder's vectors "
              f"(indexed before ragqa kept them, or with --ranker-encoder none), so English questions inside one "
              f"transcript are ranked without it; `ragqa build --force` re-embeds the index and adds them",
              file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from .index import build_index

    settings = _settings(args)
    update, close = _progress_bar("embedding", not args.quiet)
    try:
        index = build_index(args.sources, settings.index_dir, settings=settings, progress=update,
                            strict=args.strict, force=args.force)
    finally:
        close()
    report = index.last_report
    _report_problems(report)
    stats = index.stats()
    print(f"index {index.location}: {stats['transcripts']} transcripts, {stats['turns']} turns, "
          f"{stats['chunks']} chunks ({len(report.added)} embedded, {len(report.unchanged)} unchanged, "
          f"{len(report.removed)} removed, {len(report.problems)} problems in the sources)")
    _note_missing_ranker_vectors(index)
    if args.summaries:
        _precompute_summaries(index, not args.quiet)
    return _nothing_indexed(report)


def _precompute_summaries(index: Any, show: bool) -> None:
    """Summarize every transcript into the index's summary cache (stored ones cost nothing)."""
    transcripts = index.transcripts()
    for number, info in enumerate(transcripts, start=1):
        update, close = _progress_bar(f"summary {number}/{len(transcripts)}", show)
        try:
            index.summarize(info.id, progress=update)
        finally:
            close()
    print(f"summaries: {len(transcripts)} transcripts summarized and stored with the index")


def _nothing_indexed(report) -> int:
    """1 with one line on stderr when none of the given files yielded a transcript, else 0."""
    if report.added or report.unchanged:
        return 0
    print(f"error: nothing indexed from the given sources ({len(report.problems)} problems, see above)",
          file=sys.stderr)
    return 1


def cmd_add(args: argparse.Namespace) -> int:
    from .index import load_index

    index = load_index(_settings(args).index_dir, settings=_settings(args))
    update, close = _progress_bar("embedding", not args.quiet)
    try:
        report = index.add(args.sources, progress=update, strict=args.strict)
    finally:
        close()
    _report_problems(report)
    print(f"added {len(report.added)}, unchanged {len(report.unchanged)}, {len(report.problems)} problems; "
          f"index now holds {index.stats()['transcripts']} transcripts")
    _note_missing_ranker_vectors(index)
    return _nothing_indexed(report)


def cmd_remove(args: argparse.Namespace) -> int:
    from .index import load_index

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    index.remove(args.transcript_id)
    print(f"removed {args.transcript_id}; index now holds {index.stats()['transcripts']} transcripts")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .index import load_index

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    hits = index.search(args.query, k=args.k, speaker=args.speaker, transcript=args.transcript,
                        date_from=args.date_from, date_to=args.date_to)
    if args.json:
        keys = ("transcript_id", "title", "speaker", "turns", "start", "end", "text", "score")
        print(json.dumps([{k: h.to_dict()[k] for k in keys} for h in hits], ensure_ascii=False, indent=1))
        return 0
    for rank, hit in enumerate(hits, 1):
        turns = ",".join(str(t) for t in hit.turns)
        print(f"{rank:>2}. [{hit.score:.4f}] {hit.title} — {hit.speaker or 'narration'} (turns {turns})")
        print("    " + hit.text.replace("\n", "\n    ")[:600])
    if not hits:
        print("no matching passages")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .index import load_index

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    filters = dict(k=args.k, speaker=args.speaker, transcript=args.transcript, date_from=args.date_from,
                   date_to=args.date_to)
    if args.json:
        print(json.dumps(index.ask(args.question, **filters).to_dict(), ensure_ascii=False, indent=1))
        return 0
    _print_stream(index.ask(args.question, stream=True, **filters))
    return 0


def _print_stream(stream: Any, question: str | None = None) -> Any:
    """Print an AnswerStream as it comes: what was searched, the passages being read, the text,
    then the checked answer's citations. Returns the final Answer."""
    searched = getattr(stream, "standalone_question", None)
    if question is not None and searched and searched != question:
        print(f"(searched for: {searched})")
    if stream.sources:
        print(f"(reading {len(stream.sources)} passages: "
              + "; ".join(dict.fromkeys(f"{h.title[:40]} — {h.speaker or 'narration'}" for h in stream.sources))
              + ")\n", flush=True)
    for piece in stream:
        print(piece, end="", flush=True)
    answer = stream.answer
    print("\n")
    if answer.text.strip() != "".join(stream.pieces).strip():
        print("(checked answer)\n" + answer.text + "\n")
    for c in answer.citations:
        print(f"[{c.n}] {c.title} — {c.speaker or 'narration'} (turns {','.join(map(str, c.turns))})")
        print("    " + c.quote.replace("\n", "\n    ")[:400])
    return answer


CHAT_HELP = "Ask a question; follow-ups are read in the conversation. /new starts over, /quit (or Ctrl-D) ends."


def cmd_chat(args: argparse.Namespace) -> int:
    from .index import load_index
    from .ui.server import prepare_model, start_warm_up
    from .ui.service import ChatService

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    problem = prepare_model(settings)  # the bundled model assembled and verified first, with a progress bar
    if problem:
        print(f"warning: the answer model is not available ({problem})", file=sys.stderr)
    else:
        start_warm_up(ChatService(index))  # encoders and model loaded while the first question is typed
    history_file = _readline_history()
    filters = dict(k=args.k, speaker=args.speaker, transcript=args.transcript, date_from=args.date_from,
                   date_to=args.date_to)
    messages: list[dict[str, Any]] = []
    print(f"ragqa chat over {index.stats()['transcripts']} transcripts. {CHAT_HELP}")
    try:
        while True:
            try:
                line = input("\nyou> ").strip()
            except EOFError:
                print()
                break
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/new":
                messages = []
                print("(new conversation)")
                continue
            if line.startswith("/"):
                print(CHAT_HELP)
                continue
            messages.append({"role": "user", "content": line})
            try:
                answer = _print_stream(index.chat(messages, stream=True, **filters), question=line)
            except RagqaError as exc:
                messages.pop()
                print(f"error: {exc}", file=sys.stderr)
                continue
            messages.append({"role": "assistant", "content": answer.text, **answer.to_dict()})
    except KeyboardInterrupt:
        print()
    finally:
        if history_file is not None:
            _save_readline_history(history_file)
    return 0


def _readline_history() -> Path | None:
    """Arrow-key history of earlier questions (kept in ~/.cache/ragqa/chat_history), where readline exists."""
    try:
        import readline
    except ImportError:
        return None
    path = Path.home() / ".cache" / "ragqa" / "chat_history"
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    return path


def _save_readline_history(path: Path) -> None:
    import readline

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.set_history_length(1000)
        readline.write_history_file(path)
    except OSError:
        pass


def cmd_summarize(args: argparse.Namespace) -> int:
    from .index import load_index

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    update, close = _progress_bar("summarizing", not args.json)
    try:
        answer = index.summarize(args.transcript_id, focus=args.focus, progress=update)
    finally:
        close()
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(answer.text + "\n")
    for c in answer.citations:
        print(f"[{c.n}] {c.speaker or 'narration'} (turn {','.join(map(str, c.turns))})")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .index import load_index

    settings = _settings(args)
    index = load_index(settings.index_dir, settings=settings)
    stats = index.stats()
    if args.json:
        stats["transcript_list"] = [t.__dict__ for t in index.transcripts()]
        print(json.dumps(stats, ensure_ascii=False, indent=1))
        return 0
    print(" ".join(f"{k}={v}" for k, v in stats.items()))
    for t in index.transcripts():
        print(f"  {t.id}\t{t.date or '-'}\t{t.n_turns} turns\t{t.title[:70]}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .backends import describe
    from .index import diagnose

    settings = _settings(args)
    problems = diagnose(settings.index_dir, settings=settings)
    if settings.store == "postgres":
        where, rebuild = describe(settings), "ragqa build SOURCES --postgres URL"
    else:
        where, rebuild = str(settings.index_dir), f"ragqa build SOURCES --index {settings.index_dir}"
    if problems:
        for p in problems:
            print(f"problem: {p}")
        print(f"rebuild with: {rebuild}  (SOURCES: the transcript files or folders; damaged transcripts are "
              f"re-embedded, the others are kept)")
        return 1
    print(f"{where}: ok (the stored data matches its checksums and counts, and it loads with the configured "
          f"encoder)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import run_eval_cli

    return run_eval_cli(args, _settings(args))


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui.server import serve

    settings = _settings(args)
    serve(settings, host=args.host, port=args.port, auth=args.auth)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ragqa", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=None, help="index folder (default: ./index)")
    common.add_argument("--postgres", default=None, metavar="URL",
                        help="use the PostgreSQL + pgvector store at URL instead of an index folder "
                             "(docs/scale-out.md); a read replica's URL serves search/ask/serve")
    common.add_argument("--config", type=Path, default=None, help="settings TOML (default: ./ragqa.toml)")
    common.add_argument("--threads", type=int, default=None, help="CPU threads (default 2)")
    common.add_argument("--embedder", default=None,
                        help="e5-small | use-m3 | minilm | a sentence-transformers name or path")
    sub = parser.add_subparsers(dest="command", required=True)

    def filters(p: argparse.ArgumentParser, json_output: bool = True) -> None:
        p.add_argument("-k", type=int, default=None,
                       help="passages to return or read (default: retrieval.k, else 10 for search, 5 for ask)")
        p.add_argument("--speaker", default=None, help="only this speaker (exact, case-insensitive)")
        p.add_argument("--transcript", default=None, help="only this transcript id")
        p.add_argument("--date-from", default=None, help="YYYY-MM-DD")
        p.add_argument("--date-to", default=None, help="YYYY-MM-DD")
        if json_output:
            p.add_argument("--json", action="store_true")

    for name, helptext in (("build", "(re)build the index to hold exactly SOURCES"),
                           ("add", "add or update transcripts")):
        p = sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("sources", nargs="+")
        p.add_argument("--strict", action="store_true", help="any bad file aborts with nothing changed")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument("--ranker-encoder", choices=["minilm-qmsum", "none"], default=None,
                       help="keep the passage ranker's English encoder's vectors (minilm-qmsum, the default: "
                            "retrieval.ranker_encoder) or not (none: a faster build, a weaker ranking)")
        if name == "build":
            p.add_argument("--force", action="store_true", help="re-embed even unchanged transcripts")
            p.add_argument("--summaries", action="store_true",
                           help="also summarize every transcript into the index's summary cache")
            p.add_argument("--llm", default=None, choices=["llamacpp", "none", "ollama", "openai"],
                           help="the model that writes the --summaries")
        p.add_argument("--engine", choices=["local", "dask"], default=None,
                       help="parse and embed here (local, default) or on a Dask cluster")
        p.add_argument("--scheduler", default=None,
                       help="Dask scheduler address (tcp://host:8786); default: start a local cluster")
        p.add_argument("--workers", type=int, default=None, help="workers of the local Dask cluster (default 2)")
        p.set_defaults(func=cmd_build if name == "build" else cmd_add)
    p = sub.add_parser("remove", parents=[common], help="remove one transcript")
    p.add_argument("transcript_id")
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("search", parents=[common], help="find passages")
    p.add_argument("query")
    filters(p)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("ask", parents=[common], help="a cited answer")
    p.add_argument("question")
    filters(p)
    p.add_argument("--llm", default=None, choices=["llamacpp", "none", "ollama", "openai"])
    p.add_argument("--llm-model", default=None, help="GGUF path or model name")
    p.add_argument("--llm-url", default=None, help="Ollama / OpenAI-compatible base URL")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", parents=[common], help="an interactive conversation with cited answers")
    filters(p, json_output=False)
    p.add_argument("--llm", default=None, choices=["llamacpp", "none", "ollama", "openai"])
    p.add_argument("--llm-model", default=None, help="GGUF path or model name")
    p.add_argument("--llm-url", default=None, help="Ollama / OpenAI-compatible base URL")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("summarize", parents=[common], help="a cited summary of one transcript")
    p.add_argument("transcript_id")
    p.add_argument("--focus", default=None, help="keep only what bears on this")
    p.add_argument("--json", action="store_true")
    p.add_argument("--llm", default=None, choices=["llamacpp", "none", "ollama", "openai"])
    p.add_argument("--llm-model", default=None, help="GGUF path or model name")
    p.add_argument("--llm-url", default=None, help="Ollama / OpenAI-compatible base URL")
    p.set_defaults(func=cmd_summarize)
    p = sub.add_parser("info", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("doctor", parents=[common], help="check every index file against the manifest")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("eval", parents=[common], help="retrieval quality on a questions file")
    p.add_argument("questions", type=Path)
    p.add_argument("--scope", choices=["corpus", "oracle"], default="corpus")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--ranker", choices=["learned", "smoothed"], default=None,
                   help="ranking inside one transcript (default: retrieval.ranker, learned)")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("serve", parents=[common], help="start the chat UI")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", default=None, help="user:password for basic auth")
    p.add_argument("--llm", default=None, choices=["llamacpp", "none", "ollama", "openai"])
    p.add_argument("--llm-model", default=None)
    p.add_argument("--llm-url", default=None)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RagqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder ragqa could not read or write, named in the message
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the index is unchanged unless a commit had completed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
