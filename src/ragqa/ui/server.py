"""Start the chat UI: `serve(settings, host, port, auth)` is what `ragqa serve` and app.py run."""
from __future__ import annotations

import sys
import threading

import gradio as gr

from ..errors import RagqaError
from ..index import load_index
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
    print(f"ragqa: serving {settings.index_dir} ({index.stats()['transcripts']} transcripts) "
          f"on http://{host}:{port}", flush=True)
    service = ChatService(index)
    threading.Thread(target=_warm_up, args=(service,), name="ragqa-warm-up", daemon=True).start()
    launch(service, host=host, port=port, auth=auth, block=True)


def _warm_up(service: ChatService) -> None:
    problem = service.warm_up()
    if problem:
        print(f"warning: the answer model is not available ({problem}); "
              "pick 'Extractive' under Answer settings or fix the llm settings", file=sys.stderr, flush=True)
