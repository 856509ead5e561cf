"""Backend selection; remote backends are built without any network call (the suite blocks it)."""
import pytest

from ragqa.errors import RagqaError
from ragqa.llm import XLlamaCppLLM, make_llm
from ragqa.settings import Settings


def test_none_backend_has_no_llm():
    assert make_llm(Settings(llm={"backend": "none"})) is None


def test_llamacpp_with_a_user_gguf(tmp_path):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 16)
    llm = make_llm(Settings(threads=2, llm={"backend": "llamacpp", "model": str(model), "context_window": 2048}))
    assert isinstance(llm, XLlamaCppLLM)
    assert llm.model_path == str(model) and llm.threads == 2
    assert llm.metadata.context_window == 2048 and llm.metadata.is_chat_model


def test_openai_compatible_endpoint_is_configured_lazily():
    llm = make_llm(Settings(llm={"backend": "openai", "model": "qwen2.5", "base_url": "http://10.1.2.3:8000/v1",
                                 "api_key": "k", "max_tokens": 100}))
    assert llm is not None
    assert llm.metadata.model_name == "qwen2.5" and llm.metadata.num_output == 100


def test_ollama_is_configured_lazily():
    llm = make_llm(Settings(llm={"backend": "ollama", "model": "qwen2.5:1.5b", "base_url": "http://10.1.2.3:11434"}))
    assert llm is not None and llm.metadata.model_name == "qwen2.5:1.5b"


def test_remote_backends_need_a_model_and_endpoint():
    with pytest.raises(RagqaError, match="llm.model"):
        make_llm(Settings(llm={"backend": "ollama"}))
    with pytest.raises(RagqaError, match="base_url"):
        make_llm(Settings(llm={"backend": "openai", "model": "m"}))
