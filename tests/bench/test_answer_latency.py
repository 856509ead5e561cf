"""bench/answer_latency.py's bookkeeping: token counts and timings as each backend reports them, the
physical floors, and the fixed request the rates are measured on."""
import math

from bench.answer_latency import (QUESTIONS, TUNING_VARIANTS, ModelCalls, _apply, floors, llm_timings,
                                  rate_prompt)
from ragqa.language import detect_language
from ragqa.llm.xllamacpp_llm import server_params


class _InProcess:
    last_timings = {"cache_n": 300, "prompt_n": 40, "prompt_per_second": 80.0, "predicted_n": 30,
                    "predicted_per_second": 20.0}


def test_in_process_llamacpp_counts_the_cached_prefix_as_prompt():
    got = llm_timings(_InProcess(), None)
    assert got == {"prompt_n": 340, "cache_n": 300, "prompt_tps": 80.0, "gen_n": 30, "gen_tps": 20.0}


def test_ollama_final_chunk_gives_rates_from_its_durations():
    chunk = {"done": True, "prompt_eval_count": 200, "prompt_eval_duration": 2_000_000_000, "eval_count": 50,
             "eval_duration": 1_000_000_000}
    got = llm_timings(None, chunk)
    assert (got["prompt_n"], got["prompt_tps"], got["gen_n"], got["gen_tps"]) == (200, 100.0, 50, 50.0)
    assert math.isnan(got["cache_n"])


def test_openai_usage_gives_counts_and_no_rates():
    got = llm_timings(None, {"usage": {"prompt_tokens": 500, "completion_tokens": 20,
                                       "prompt_tokens_details": {"cached_tokens": 256}}})
    assert (got["prompt_n"], got["cache_n"], got["gen_n"]) == (500, 256, 20)
    assert math.isnan(got["prompt_tps"]) and math.isnan(got["gen_tps"])
    assert all(math.isnan(v) for v in llm_timings(None, None).values())  # nothing reported, no model call


def test_floors_skip_the_cached_prefix_and_count_every_model_call():
    row = {"uncached_n": 40, "uncached_all": 120, "gen_all": 30, "search": 0.05}
    got = floors(row, {"prompt_tps": 80.0, "gen_tps": 20.0})
    assert got == {"sources_floor": 0.05, "ttft_floor": 0.5, "total_floor": 3.0}


def test_model_calls_are_collected_from_llama_index_events():
    from llama_index.core.base.llms.types import ChatMessage, ChatResponse
    from llama_index.core.instrumentation.events.llm import LLMChatEndEvent

    probe = ModelCalls()
    probe.reset(_InProcess())
    reply = ChatResponse(message=ChatMessage(role="assistant", content="ok"))
    for _ in range(2):
        probe.handle(LLMChatEndEvent(messages=[], response=reply))
    assert [c["prompt_n"] for c in probe.calls] == [340, 340]
    probe.reset(None)
    assert probe.calls == []


def test_questions_cover_english_italian_and_russian():
    assert len(QUESTIONS) >= 10
    assert {detect_language(q) for q, _, _ in QUESTIONS} >= {"en", "it", "ru"}


def test_rate_request_is_the_answer_prompt_with_passages():
    system, user = rate_prompt()
    assert system["role"] == "system" and user["role"] == "user"
    assert "Tokayev" in user["content"] and "{" not in user["content"]


def test_every_tuning_variant_applies_to_real_params():
    for _, changes in TUNING_VARIANTS:
        params = server_params("model.gguf", 4096, 2)
        _apply(params, changes)
        for name, value in changes.items():
            target, _, field = name.rpartition(".")
            got = getattr(getattr(params, target) if target else params, field)
            assert got == value or getattr(got, "name", None) == value
