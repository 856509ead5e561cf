"""AnswerStream: text pieces as the model writes them, then the checked answer."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..types import Answer, Hit
from .prompts import NO_ANSWER


class AnswerStream:
    """Iterate for text pieces as they are generated; afterwards `.answer` holds the final,
    citation-checked Answer (its text may differ from the pieces: markers renumbered, unsupported
    sentences removed). `.pieces` keeps what was yielded. Reading `.answer` early finishes the
    generation without yielding. `.sources` are the passages the model reads, known before its
    first word; `.standalone_question`, when set, is copied into the final answer."""

    def __init__(self, raw: Iterable[str], finish: Callable[[str], Answer], refusal: str,
                 sources: Sequence[Hit] = ()) -> None:
        self.sources = list(sources)
        self.standalone_question: str | None = None
        self._raw = iter(raw)
        self._finish = finish
        self._refusal = refusal
        self._raw_text: list[str] = []
        self._answer: Answer | None = None
        self.pieces: list[str] = []

    @classmethod
    def of(cls, answer: Answer, sources: Sequence[Hit] = ()) -> "AnswerStream":
        """A stream over an answer that is already final (no model, or nothing retrieved)."""
        return cls(iter([answer.text]), lambda _text: answer, answer.text, sources)

    def _display(self) -> Iterator[str]:
        """Raw pieces, except that a reply of just NO_ANSWER is shown as the refusal."""
        held: str | None = ""  # None once the reply is known not to be NO_ANSWER
        for piece in self._raw:
            self._raw_text.append(piece)
            if held is not None:
                held += piece
                if NO_ANSWER.startswith(held.strip()) or held.strip().startswith(NO_ANSWER):
                    continue
                piece, held = held, None
            yield piece
        if held is not None and held.strip():
            yield self._refusal if held.strip().startswith(NO_ANSWER) else held

    def __iter__(self) -> Iterator[str]:
        if self._answer is not None:
            yield from self.pieces
            return
        for piece in self._display():
            self.pieces.append(piece)
            yield piece
        answer = self._finish("".join(self._raw_text))
        if self.standalone_question is not None:
            answer = dataclasses.replace(answer, standalone_question=self.standalone_question)
        self._answer = answer

    @property
    def answer(self) -> Answer:
        """The checked answer (consumes the rest of the stream if needed)."""
        if self._answer is None:
            for _ in self:
                pass
        assert self._answer is not None
        return self._answer
