"""Answer-writing models: the bundled GGUF, the in-process llama.cpp LLM, and the backend factory."""
from .factory import make_llm
from .gguf_assets import bundled_model_path
from .xllamacpp_llm import XLlamaCppLLM

__all__ = ["XLlamaCppLLM", "bundled_model_path", "make_llm"]
