"""The bundled Qwen GGUF through xllamacpp, for real (slow: loads a 1.1 GB model on 2 threads)."""
import threading

import pytest
from llama_index.core.llms import ChatMessage

from ragqa.llm import make_llm
from ragqa.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm():
    return make_llm(Settings(threads=2, llm={"backend": "llamacpp", "max_tokens": 24, "context_window": 2048}))


def test_chat_uses_the_chat_template(llm):
    reply = llm.chat([ChatMessage(role="system", content="Reply with one word."),
                      ChatMessage(role="user", content="What is the capital of Italy?")])
    assert "rome" in reply.message.content.lower()
    assert llm.last_timings["predicted_n"] >= 1


def test_stream_chat_yields_pieces_that_add_up(llm):
    messages = [ChatMessage(role="user", content="Count from 1 to 5, separated by commas.")]
    responses = list(llm.stream_chat(messages))
    assert len(responses) > 2
    assert "".join(r.delta for r in responses) == responses[-1].message.content
    assert "1, 2, 3" in responses[-1].message.content


def test_closing_a_stream_early_frees_the_model(llm):
    stream = llm.stream_complete("Write a long story about a lighthouse.", max_tokens=200)
    next(stream)
    stream.close()
    done = threading.Event()
    threading.Thread(target=lambda: (llm.complete("Say OK.", max_tokens=3), done.set()), daemon=True).start()
    assert done.wait(120), "the next request did not get the model after an abandoned stream"


def test_raw_completion(llm):
    text = llm.complete("The capital of France is", formatted=True, max_tokens=3).text
    assert "Paris" in text


def test_prefill_puts_the_prompt_start_in_the_cache(llm):
    rules = ChatMessage(role="system", content="You answer questions about transcripts. " * 20)
    llm.prefill([rules, ChatMessage(role="user", content="Passages:")])
    llm.chat([rules, ChatMessage(role="user", content="Passages: [1] Putin: hello. Say hi.")], max_tokens=2)
    assert llm.last_timings["cache_n"] >= 100  # the rules were not read again


def test_models_are_shared_per_process_and_unload_frees_them(llm):
    from ragqa.llm.xllamacpp_llm import _MODELS

    twin = make_llm(Settings(threads=2, llm={"backend": "llamacpp", "max_tokens": 24, "context_window": 2048}))
    twin.load()
    key = (llm.model_path, llm.context_window, llm.threads)
    server = _MODELS[key].server
    assert key in _MODELS and llm.complete("Say OK.", max_tokens=2).text is not None
    assert _MODELS[key].server is server  # the second LLM object did not load another copy
    twin.unload()
    assert key not in _MODELS
    assert llm.complete("Say OK.", max_tokens=2).text is not None  # loaded again on demand
    assert key in _MODELS
