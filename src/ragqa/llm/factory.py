"""LLMSettings -> a llama-index LLM (or None for the extractive `none` backend).

Remote backends import their client packages lazily and make no network call when constructed.
"""
from __future__ import annotations

from llama_index.core.llms import LLM

from ..errors import ModelUnavailableError, RagqaError
from ..settings import Settings
from .gguf_assets import bundled_model_path, user_model_path
from .xllamacpp_llm import XLlamaCppLLM


def make_llm(settings: Settings) -> LLM | None:
    """The LLM that `settings.llm.backend` names; None for `none` (extractive answers)."""
    llm = settings.llm
    if llm.backend == "none":
        return None
    if llm.backend == "llamacpp":
        path = user_model_path(llm.model) if llm.model else bundled_model_path(llm.cache_dir)
        return XLlamaCppLLM(
            model_path=str(path),
            context_window=llm.context_window,
            max_tokens=llm.max_tokens,
            temperature=llm.temperature,
            threads=settings.threads,
        )
    if not llm.model:
        raise RagqaError(f"llm.backend = '{llm.backend}' needs llm.model (the model name to ask for)")
    if llm.backend == "ollama":
        try:
            from llama_index.llms.ollama import Ollama
        except ImportError as exc:
            raise ModelUnavailableError(
                "the ollama backend needs llama-index-llms-ollama: pip install 'ragqa[remote]'"
            ) from exc
        return Ollama(
            model=llm.model,
            base_url=llm.base_url or "http://localhost:11434",
            temperature=llm.temperature,
            context_window=llm.context_window,
            request_timeout=llm.request_timeout,
            additional_kwargs={"num_predict": llm.max_tokens},
        )
    if llm.backend == "openai":
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise ModelUnavailableError(
                "the openai backend needs llama-index-llms-openai-like: pip install 'ragqa[remote]'"
            ) from exc
        if not llm.base_url:
            raise RagqaError("llm.backend = 'openai' needs llm.base_url (an OpenAI-compatible endpoint)")
        return OpenAILike(
            model=llm.model,
            api_base=llm.base_url,
            api_key=llm.api_key or "unused",
            is_chat_model=True,
            context_window=llm.context_window,
            max_tokens=llm.max_tokens,
            temperature=llm.temperature,
            timeout=llm.request_timeout,
        )
    raise RagqaError(f"unknown llm.backend '{llm.backend}'")
