"""A llama-index response synthesizer that makes exactly one LLM call: all passages, numbered, in
one prompt built from the templates in prompts/ (no refine loop, no query rewriting). The model is
stopped where its answer starts repeating itself (`repetition`)."""
from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from typing import Any

from llama_index.core.llms import LLM
from llama_index.core.prompts import BasePromptTemplate
from llama_index.core.response_synthesizers.base import BaseSynthesizer
from llama_index.core.types import RESPONSE_TEXT_TYPE

from .prompts import NO_ANSWER, PromptTemplates
from .repetition import until_repetition

_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")"})
_FENCE = re.compile(r"^\s*(passages|question)\s*:", re.IGNORECASE | re.MULTILINE)


def _defuse(text: str) -> str:
    return _FENCE.sub(lambda m: f"({m.group(1)})", text.translate(_BRACKETS)).strip()


def format_passages(texts: Sequence[str], headers: Sequence[str | None] | None = None) -> str:
    """Passages numbered [1]..[n] for the prompt. `headers[i]`, when given, starts a new stretch of
    talk before passage i ("— title, date —"); the passages of one stretch follow each other line by
    line, stretches are separated by a blank line. Brackets inside a passage become parentheses and
    lines imitating the prompt's own headings are defused, so transcript text cannot fake a
    citation number or a new section of the prompt."""
    if headers is None:
        return "\n\n".join(f"[{n}] {_defuse(text)}" for n, text in enumerate(texts, start=1))
    lines: list[str] = []
    for n, (text, header) in enumerate(zip(texts, headers), start=1):
        if header is not None:
            lines.extend(([""] if lines else []) + [f"— {_defuse(header)} —"])
        lines.append(f"[{n}] {_defuse(text)}")
    return "\n".join(lines)


class CitedAnswerSynthesizer(BaseSynthesizer):
    """One chat call over all passages; `get_response` returns the text, or a generator of text
    pieces when streaming."""

    def __init__(self, llm: LLM, prompts: PromptTemplates, streaming: bool = False) -> None:
        super().__init__(llm=llm, streaming=streaming)
        self._template: BasePromptTemplate = prompts.chat_template()

    def _get_prompts(self) -> dict[str, Any]:
        return {"text_qa_template": self._template}

    def _update_prompts(self, prompts: dict[str, Any]) -> None:
        if "text_qa_template" in prompts:
            self._template = prompts["text_qa_template"]

    def _messages(self, query_str: str, text_chunks: Sequence[str], language: str,
                  headers: Sequence[str | None] | None) -> Any:
        return self._template.format_messages(passages=format_passages(text_chunks, headers), question=query_str,
                                              language=language, no_answer=NO_ANSWER)

    def get_response(self, query_str: str, text_chunks: Sequence[str], language: str = "English",
                     headers: Sequence[str | None] | None = None, **response_kwargs: Any) -> RESPONSE_TEXT_TYPE:
        """The answer text (a generator of pieces when streaming); `headers` as in `format_passages`."""
        messages = self._messages(query_str, text_chunks, language, headers)

        def pieces() -> Generator[str, None, None]:
            for response in self._llm.stream_chat(messages):
                if response.delta:
                    yield response.delta

        guarded = until_repetition(pieces())
        return guarded if self._streaming else "".join(guarded)

    async def aget_response(self, query_str: str, text_chunks: Sequence[str], language: str = "English",
                            headers: Sequence[str | None] | None = None,
                            **response_kwargs: Any) -> RESPONSE_TEXT_TYPE:
        """The whole answer text (the async path does not stream)."""
        messages = self._messages(query_str, text_chunks, language, headers)
        return (await self._llm.achat(messages)).message.content or ""
