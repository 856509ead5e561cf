"""Prompt templates, read from files: the repository's top-level prompts/ folder, shipped inside the
package as ragqa/prompts (a symlink in the source tree, plain files in a built wheel)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from llama_index.core.prompts import ChatMessage, ChatPromptTemplate, MessageRole

from ..errors import RagqaError

NO_ANSWER = "NO_ANSWER"  # what the model replies when the passages do not answer the question
_FILES = ("system.txt", "qa_with_citations.txt", "refusal.txt")
_QA_FIELDS = ("{passages}", "{question}", "{language}", "{no_answer}")


@dataclass(frozen=True)
class PromptTemplates:
    """The system prompt, the question-with-passages template and the refusals by language."""

    system: str
    qa: str
    refusals: dict[str, str]

    def chat_template(self) -> ChatPromptTemplate:
        """llama-index chat template: system message + user message with the passages and question."""
        return ChatPromptTemplate(message_templates=[
            ChatMessage(role=MessageRole.SYSTEM, content=self.system),
            ChatMessage(role=MessageRole.USER, content=self.qa),
        ])

    def refusal(self, language: str) -> str:
        """The refusal in `language`, English when there is none for it."""
        return self.refusals.get(language) or self.refusals["en"]


def default_prompts_dir() -> Path:
    """ragqa/prompts inside the installed package."""
    return Path(str(resources.files("ragqa") / "prompts"))


def read_prompt(directory: Path, name: str) -> str:
    path = directory / name
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RagqaError(f"{path}: prompt template missing or unreadable ({exc.strerror})") from exc


def parse_refusals(text: str, path: Path) -> dict[str, str]:
    """`code: text` lines (comments and blank lines skipped); must include `en`."""
    refusals: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        code, sep, message = line.partition(":")
        if not sep or not code.strip().isalpha() or not message.strip():
            raise RagqaError(f"{path}:{number}: expected '<language code>: <text>', got {line!r}")
        refusals[code.strip().lower()] = message.strip()
    if "en" not in refusals:
        raise RagqaError(f"{path}: needs an 'en:' line (used for languages without their own line)")
    return refusals


@lru_cache(maxsize=8)
def load_prompts(directory: Path | None = None) -> PromptTemplates:
    """Templates from `directory` (default: the packaged prompts/ folder), checked for their fields."""
    directory = directory or default_prompts_dir()
    system, qa, refusal = (read_prompt(directory, name) for name in _FILES)
    missing = [field for field in _QA_FIELDS if field not in qa]
    if missing:
        raise RagqaError(f"{directory / _FILES[1]}: template lacks {', '.join(missing)}")
    return PromptTemplates(system=system, qa=qa, refusals=parse_refusals(refusal, directory / _FILES[2]))
