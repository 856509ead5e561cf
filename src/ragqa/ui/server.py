"""Start the chat UI: `serve(settings, host, port, auth)` is what `ragqa serve` and app.py run.

Before the page opens the bundled model is assembled and verified (a progress bar on the terminal);
then the encoders and the model are loaded, and the answer prompt's fixed start is read into the
model's prompt cache, in the background, so the first question costs what the next ones do.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

import gradio as gr
from llama_index.core.llms import ChatMessage

from ..errors import RagqaError
from ..index import load_index
from ..llm import bundled_model_path, make_llm
from ..settings import Settings
from .app import build_app
from .service import ChatService
from .style import CSS, HEAD, theme

QUEUE_SIZE = 64  # questions waiting beyond this are refused with "queue full" instead of piling up
MAX_UPLOAD = "50mb"  # per uploaded file


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """`user:password` -> (user, password); None when no auth is wanted."""
    if auth is None:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise RagqaError("--auth must look like user:password (both parts non-empty)")
    return user, password


def launch(service: ChatService, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
           block: bool = True) -> gr.Blocks:
    """Build the page over `service` and serve it; with `block=False` return once it is listening."""
    credentials = parse_auth(auth)
    demo = build_app(service)
    demo.queue(default_concurrency_limit=1, max_size=QUEUE_SIZE)
    demo.launch(server_name=host, server_port=port, auth=credentials, prevent_thread_lock=not block,
                show_error=True, quiet=True, ssr_mode=False, max_file_size=MAX_UPLOAD, footer_links=["api"],
                theme=theme(), css=CSS, head=HEAD,
                auth_message="Sign in to ask the transcripts." if credentials else None)
    return demo


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Serve the chat UI over the index in `settings.index_dir` until interrupted."""
    index = load_index(settings.index_dir, settings=settings)
    problem = prepare_model(settings)
    print(f"ragqa: serving {settings.index_dir} ({index.stats()['transcripts']} transcripts) "
          f"on http://{host}:{port}", flush=True)
    service = ChatService(index)
    if problem is None:
        start_warm_up(service)
    else:
        _warn(problem)
    launch(service, host=host, port=port, auth=auth, block=True)


def prepare_model(settings: Settings, show_progress: bool = True) -> str | None:
    """Assemble and verify the bundled GGUF now (llamacpp backend without llm.model), with a progress bar
    on stderr when there is work to do. Returns the reason when the model is not available."""
    if settings.llm.backend != "llamacpp" or settings.llm.model:
        return None
    from tqdm import tqdm

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="B", unit_scale=True, desc="answer model", file=sys.stderr,
                       dynamic_ncols=True, disable=not show_progress)
        bar.update(done - bar.n)

    try:
        bundled_model_path(settings.llm.cache_dir, progress=progress)
    except RagqaError as exc:
        return str(exc)
    finally:
        if bar is not None:
            bar.close()
    return None


def prompt_prefix(template: Any, **known: str) -> list[ChatMessage]:
    """The messages of a chat prompt template up to its first `{field}` not given in `known`: the part
    every request with it starts with."""
    prefix = []
    for message in template.message_templates:
        content = message.content or ""
        for name, value in known.items():
            content = content.replace("{" + name + "}", value)
        fixed, field, _ = content.partition("{")
        prefix.append(ChatMessage(role=message.role, content=fixed))
        if field:
            break
    return prefix


def warm_up(service: ChatService) -> str | None:
    """Load the encoders and the answer model, and read the answer prompt's fixed start into the model's
    prompt cache. Returns the reason when the model cannot be loaded."""
    problem = service.warm_up()
    if problem:
        return problem
    llm = make_llm(service.index.settings)
    prefill = getattr(llm, "prefill", None)
    if prefill is not None:
        from ..answering.prompts import NO_ANSWER, load_prompts

        try:
            prefill(prompt_prefix(load_prompts().chat_template(), no_answer=NO_ANSWER))
        except RagqaError as exc:
            return str(exc)
    return None


def start_warm_up(service: ChatService) -> threading.Thread:
    """Run `warm_up` in a background thread (a problem is printed as a warning)."""
    def run() -> None:
        problem = warm_up(service)
        if problem:
            _warn(problem)

    thread = threading.Thread(target=run, name="ragqa-warm-up", daemon=True)
    thread.start()
    return thread


def _warn(problem: str) -> None:
    print(f"warning: the answer model is not available ({problem}); "
          "pick 'Extractive' under Answer settings or fix the llm settings", file=sys.stderr, flush=True)
