"""The llama.cpp settings ragqa loads a GGUF with (measured on 2 cores: docs/performance.md)."""
from ragqa.llm.xllamacpp_llm import server_params


def test_cpu_threads_follow_the_setting_for_reading_and_generating():
    params = server_params("model.gguf", 4096, 2)
    assert (params.cpuparams.n_threads, params.cpuparams_batch.n_threads) == (2, 2)
    assert (params.cpuparams.poll, params.cpuparams_batch.poll) == (0, 0)  # sleep, do not spin
    assert server_params("model.gguf", 4096, 1).cpuparams_batch.n_threads == 1


def test_one_cpu_slot_that_keeps_its_prompt():
    params = server_params("model.gguf", 2048, 2)
    assert (params.model.path, params.n_ctx, params.n_parallel, params.n_gpu_layers) == ("model.gguf", 2048, 1, 0)
    assert params.cache_prompt and not params.warmup


def test_the_unused_http_endpoint_is_locked():
    first, second = server_params("m.gguf", 4096, 2), server_params("m.gguf", 4096, 2)
    assert len(first.api_keys) == 1 and len(first.api_keys[0]) >= 32
    assert first.api_keys != second.api_keys
    assert not first.ui and not first.endpoint_slots
