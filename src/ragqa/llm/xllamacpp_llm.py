"""A llama-index LLM running a GGUF model in-process through xllamacpp's llama.cpp server.

The model is loaded once per process (per path, context size and thread count) and shared by every
`XLlamaCppLLM` pointing at it; a lock serialises generation, so concurrent questions queue.
Chat requests go through the model's own chat template (llama.cpp applies the GGUF's template).
"""
from __future__ import annotations

import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM

from ..errors import ModelUnavailableError

_DONE = object()


@dataclass
class _LoadedModel:
    server: Any  # xllamacpp.Server
    lock: threading.Lock


_MODELS: dict[tuple[str, int, int], _LoadedModel] = {}
_MODELS_LOCK = threading.Lock()


def _xllamacpp() -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise ModelUnavailableError(
            "the llamacpp backend needs xllamacpp: pip install xllamacpp (or 'ragqa[llm]')"
        ) from exc
    return xllamacpp


def server_params(path: str, n_ctx: int, threads: int) -> Any:
    """The xllamacpp.CommonParams ragqa loads a GGUF with: CPU only, one slot, prompt cache on."""
    params = _xllamacpp().CommonParams()
    params.model.path = path
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.n_gpu_layers = 0
    params.warmup = False
    params.cache_prompt = True  # the system prompt prefix is reused across questions
    params.verbosity = -1
    # llama.cpp also opens an HTTP endpoint on 127.0.0.1; ragqa never uses it, so lock it
    # with a random key (in-process calls do not go through HTTP) and turn off its extras.
    params.api_keys = [secrets.token_urlsafe(32)]
    params.ui = False
    params.endpoint_slots = False
    for cpu in (params.cpuparams, params.cpuparams_batch):
        cpu.n_threads = threads
        cpu.poll = 0  # sleep instead of spinning: the cores are shared with the embedder
    return params


def start_server(params: Any) -> Any:
    """An xllamacpp.Server over `params` (loads the model); a bad file raises ModelUnavailableError."""
    try:
        return _xllamacpp().Server(params)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # llama.cpp reports a bad file as a generic runtime error
        raise ModelUnavailableError(f"{params.model.path}: cannot load the GGUF model ({exc})") from exc


def _load(path: str, n_ctx: int, threads: int) -> _LoadedModel:
    """The process-wide server for this model file and configuration (loaded on first use)."""
    key = (path, n_ctx, threads)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            loaded = _LoadedModel(server=start_server(server_params(path, n_ctx, threads)), lock=threading.Lock())
            _MODELS[key] = loaded
        return loaded


def _raise_on_error(payload: dict[str, Any], model: str) -> None:
    error = payload.get("error") if isinstance(payload.get("error"), dict) else None
    if error is None and "code" in payload and "message" in payload:
        error = payload
    if error is not None:
        raise ModelUnavailableError(f"{model}: generation failed: {error.get('message', error)}")


class XLlamaCppLLM(CustomLLM):
    """llama-index LLM over an in-process llama.cpp server (xllamacpp)."""

    model_path: str = Field(description="Path of the GGUF file.")
    context_window: int = Field(default=4096, gt=0)
    max_tokens: int = Field(default=320, gt=0)
    temperature: float = Field(default=0.0, ge=0.0)
    threads: int = Field(default=2, ge=1)
    _last_timings: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def class_name(cls) -> str:
        return "xllamacpp_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=Path(self.model_path).name,
        )

    @property
    def last_timings(self) -> dict[str, Any]:
        """llama.cpp timings of the last finished request (prompt_n, prompt_per_second,
        predicted_n, predicted_per_second, ...)."""
        return dict(self._last_timings)

    def load(self) -> None:
        """Load the model now instead of at the first request."""
        _load(self.model_path, self.context_window, self.threads)

    def prefill(self, messages: Sequence[ChatMessage]) -> None:
        """Read `messages` into the model's prompt cache now (loading the model if needed), so that a
        later request whose prompt starts with them reads only what follows."""
        self.raw_chat({**self._payload(messages, stream=False), "max_tokens": 1})

    def raw_chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """One llama.cpp chat-completions request as given (OpenAI fields plus llama.cpp's own, e.g.
        `cache_prompt`, `ignore_eos`); returns llama.cpp's reply with its `timings`."""
        return self._run(payload, chat=True)

    def unload(self) -> None:
        """Free the loaded model (waiting for a running request); the next request loads it again."""
        with _MODELS_LOCK:
            loaded = _MODELS.pop((self.model_path, self.context_window, self.threads), None)
        if loaded is not None:
            with loaded.lock:
                loaded.server = None

    def _payload(self, messages: Sequence[ChatMessage], stream: bool, **kwargs: Any) -> dict[str, Any]:
        return {
            "messages": [{"role": m.role.value, "content": m.content or ""} for m in messages],
            "max_tokens": int(kwargs.get("max_tokens", self.max_tokens)),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "stream": stream,
        }

    def _run(self, payload: dict[str, Any], chat: bool) -> dict[str, Any]:
        loaded = _load(self.model_path, self.context_window, self.threads)
        with loaded.lock:
            handle = loaded.server.handle_chat_completions if chat else loaded.server.handle_completions
            result = handle(payload)
        _raise_on_error(result, self.model_path)
        self._last_timings = dict(result.get("timings") or {})
        return result

    def _stream(self, payload: dict[str, Any], chat: bool) -> Iterator[str]:
        """Text pieces as llama.cpp produces them; closing the iterator stops generation."""
        loaded = _load(self.model_path, self.context_window, self.threads)
        pieces: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            pieces.put(chunk)
            return stop.is_set()  # True asks llama.cpp to stop

        def run() -> None:
            with loaded.lock:
                handle = loaded.server.handle_chat_completions if chat else loaded.server.handle_completions
                try:
                    handle(payload, on_chunk)
                except Exception as exc:  # surfaced in the consuming thread
                    pieces.put(exc)
                finally:
                    pieces.put(_DONE)

        threading.Thread(target=run, name="ragqa-llm", daemon=True).start()
        try:
            while (item := pieces.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise ModelUnavailableError(f"{self.model_path}: generation failed: {item}") from item
                _raise_on_error(item, self.model_path)
                if item.get("timings"):
                    self._last_timings = dict(item["timings"])
                for choice in item.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
                    if text:
                        yield text
        finally:
            stop.set()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        result = self._run(self._payload(messages, stream=False, **kwargs), chat=True)
        text = result["choices"][0]["message"].get("content") or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=result)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        payload = self._payload(messages, stream=True, **kwargs)

        def gen() -> ChatResponseGen:
            text = ""
            for delta in self._stream(payload, chat=True):
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    def _completion_payload(self, prompt: str, stream: bool, **kwargs: Any) -> dict[str, Any]:
        return {
            "prompt": prompt,
            "max_tokens": int(kwargs.get("max_tokens", self.max_tokens)),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "stream": stream,
        }

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """`formatted=True`: `prompt` is sent raw; otherwise it is a user message in the chat template."""
        if formatted:
            result = self._run(self._completion_payload(prompt, stream=False, **kwargs), chat=False)
            return CompletionResponse(text=result["choices"][0].get("text") or "", raw=result)
        response = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs)
        return CompletionResponse(text=response.message.content or "", raw=response.raw)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        if formatted:
            pieces = self._stream(self._completion_payload(prompt, stream=True, **kwargs), chat=False)
        else:
            message = ChatMessage(role=MessageRole.USER, content=prompt)
            pieces = self._stream(self._payload([message], stream=True, **kwargs), chat=True)

        def gen() -> CompletionResponseGen:
            text = ""
            for delta in pieces:
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return gen()
