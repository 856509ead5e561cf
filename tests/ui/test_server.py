"""What `ragqa serve` does before and while the page opens: the model check with its progress bar, and
the background warm-up (encoders, model, the prompt's fixed start in the model's cache)."""
from llama_index.core.llms import ChatMessage

from ragqa.answering.prompts import NO_ANSWER, load_prompts
from ragqa.ui.server import prepare_model, prompt_prefix, start_warm_up, warm_up
from ragqa.ui.service import ChatService


def test_no_model_to_prepare_for_the_extractive_backend_or_a_users_file(index, tmp_path, capsys):
    assert prepare_model(index.settings) is None
    own = index.settings.merged(llm={"backend": "llamacpp", "model": str(tmp_path / "own.gguf")})
    assert prepare_model(own) is None  # a user's file is checked when it is loaded, not assembled
    assert capsys.readouterr().err == ""  # no progress bar when there is nothing to do


def test_warm_up_with_the_extractive_backend_loads_the_encoder(index):
    assert index._embedder is None  # a fresh index loads its encoder on first use
    thread = start_warm_up(ChatService(index))
    thread.join(120)
    assert not thread.is_alive()
    assert index._embedder is not None


def test_warm_up_reports_a_model_that_cannot_load(index, tmp_path):
    index.settings = index.settings.merged(llm={"backend": "llamacpp", "model": str(tmp_path / "missing.gguf")})
    problem = warm_up(ChatService(index))
    assert problem is not None and "missing.gguf" in problem


def test_prompt_prefix_is_what_every_answer_prompt_starts_with():
    template = load_prompts().chat_template()
    prefix = prompt_prefix(template, no_answer=NO_ANSWER)
    for question in ("How long is the border?", "Quando Tokayev visiterà la Russia?"):
        messages = template.format_messages(passages="[1] Putin: text", question=question, language="Italian",
                                            no_answer=NO_ANSWER)
        assert len(prefix) <= len(messages)
        for fixed, real in zip(prefix[:-1], messages):
            assert (fixed.role, fixed.content) == (real.role, real.content)
        assert messages[len(prefix) - 1].content.startswith(prefix[-1].content)
    assert sum(len(m.content or "") for m in prefix) > 200  # the instructions, not just a header


def test_prompt_prefix_stops_at_the_first_field():
    from llama_index.core.prompts import ChatPromptTemplate

    template = ChatPromptTemplate(message_templates=[
        ChatMessage(role="system", content="Fixed rules."),
        ChatMessage(role="user", content="Say {no_answer} if unsure. Read this: {passages} then {question}"),
        ChatMessage(role="user", content="never reached"),
    ])
    assert [(m.role.value, m.content) for m in prompt_prefix(template)] == [
        ("system", "Fixed rules."), ("user", "Say ")]
    assert prompt_prefix(template, no_answer="NONE")[-1].content == "Say NONE if unsure. Read this: "
