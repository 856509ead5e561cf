import pytest

from ragqa.errors import RagqaError
from ragqa.settings import Settings, load_settings


def test_precedence_defaults_file_env_explicit(tmp_path, monkeypatch):
    config = tmp_path / "ragqa.toml"
    config.write_text('threads = 3\n[embedder]\nmodel = "use-m3"\n[llm]\nbackend = "none"\nmax_tokens = 99\n')
    monkeypatch.setenv("RAGQA_LLM__MAX_TOKENS", "123")
    settings = load_settings(config, retrieval={"k": 4})
    assert settings.threads == 3 and settings.embedder.model == "use-m3"
    assert settings.llm.backend == "none" and settings.llm.max_tokens == 123
    assert settings.retrieval.k == 4
    assert Settings().embedder.model == "e5-small" or "RAGQA_EMBEDDER__MODEL" in __import__("os").environ


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(RagqaError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")


def test_merged_keeps_track_of_explicit_fields():
    s = Settings().merged(llm={"backend": "none"})
    assert s.llm.backend == "none" and s.llm.max_tokens == Settings().llm.max_tokens
    assert "llm" in s.model_fields_set and "embedder" not in s.model_fields_set


def test_retired_retrieval_keys_are_ignored_with_a_warning(tmp_path, monkeypatch):
    config = tmp_path / "ragqa.toml"
    config.write_text('[retrieval]\nk = 7\nper_turn = false\nencoder_weight = 0.0\n')
    with pytest.warns(UserWarning, match="ignoring retrieval setting.*encoder_weight, per_turn"):
        settings = load_settings(config)
    assert settings.retrieval.k == 7 and not hasattr(settings.retrieval, "per_turn")
    monkeypatch.setenv("RAGQA_RETRIEVAL__ADAPTER_WEIGHT", "1.0")
    with pytest.warns(UserWarning, match="adapter_weight"):
        assert Settings().retrieval.ranker == "learned"


def test_retrieval_keeps_the_settings_a_user_sets():
    assert set(Settings().retrieval.model_dump()) == {"mode", "k", "candidates", "ranker", "ranker_encoder"}
