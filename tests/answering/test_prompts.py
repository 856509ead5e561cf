"""The prompt files in prompts/ load, carry their placeholders, and reach the packaged path."""
from pathlib import Path

import pytest

from ragqa.answering.prompts import default_prompts_dir, load_prompts, parse_refusals
from ragqa.errors import RagqaError

REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def test_packaged_prompts_are_the_repository_files():
    packaged = default_prompts_dir()
    for name in ("system.txt", "qa_with_citations.txt", "refusal.txt"):
        assert (packaged / name).read_text(encoding="utf-8") == (REPO_PROMPTS / name).read_text(encoding="utf-8")


def test_templates_format_into_two_messages():
    prompts = load_prompts()
    messages = prompts.chat_template().format_messages(passages="[1] Vladimir Putin: Grazie.", question="Q?",
                                                       language="Italian", no_answer="NO_ANSWER")
    assert [m.role.value for m in messages] == ["system", "user"]
    assert "[1] Vladimir Putin: Grazie." in messages[1].content and "Italian" in messages[1].content


def test_refusals_cover_six_languages():
    prompts = load_prompts()
    assert {"en", "it", "ru", "fr", "de", "es"} <= set(prompts.refusals)
    assert prompts.refusal("pt") == prompts.refusal("en")


def test_bad_refusal_file_is_reported_with_its_line():
    with pytest.raises(RagqaError, match=r"refusal.txt:2"):
        parse_refusals("en: fine\nnot a line", Path("refusal.txt"))
    with pytest.raises(RagqaError, match="en:"):
        parse_refusals("it: solo italiano", Path("refusal.txt"))


def test_missing_template_is_named(tmp_path):
    (tmp_path / "system.txt").write_text("system", encoding="utf-8")
    with pytest.raises(RagqaError, match="qa_with_citations.txt"):
        load_prompts(tmp_path)


def test_fixed_instructions_come_before_anything_that_varies():
    """llama.cpp reuses the longest common prompt prefix: two questions in other languages over other
    passages must share the system message and the instructions that open the user message, up to
    the passages (`{no_answer}` is a constant)."""
    prompts = load_prompts()
    assert "{" not in prompts.system
    head = prompts.qa[:prompts.qa.index("{passages}")]
    assert head.replace("{no_answer}", "").count("{") == 0 and len(head) > 200
    assert prompts.qa.index("{passages}") < prompts.qa.index("{question}") < prompts.qa.index("{language}")
    template = prompts.chat_template()
    first = template.format_messages(passages="[1] A: uno.", question="Quando?", language="Italian",
                                     no_answer="NO_ANSWER")
    second = template.format_messages(passages="[1] B: два.", question="Когда?", language="Russian",
                                      no_answer="NO_ANSWER")
    assert first[0].content == second[0].content == prompts.system
    shared = head.replace("{no_answer}", "NO_ANSWER")
    assert first[1].content.startswith(shared) and second[1].content.startswith(shared)
