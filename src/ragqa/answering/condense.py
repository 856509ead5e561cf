"""A follow-up question rewritten by the LLM into one that stands alone (one short call), with the
conversation bounded by a token budget, newest exchanges first."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from llama_index.core.llms import LLM, ChatMessage, MessageRole
from rapidfuzz import fuzz

from ..language import detect_language, language_name
from ..lexical import tokenize
from ..speakers import fold
from .conversation import Conversation, Exchange
from .postprocessors import estimate_tokens
from .prompts import NO_ANSWER, default_prompts_dir, read_prompt

HISTORY_TOKENS = 360  # conversation the rewrite reads, newest first
ANSWER_WORDS = 60  # of each earlier answer
REWRITE_MAX_TOKENS = 80
_LABEL = re.compile(r"^\s*(rewritten|standalone|last)?\s*(question|domanda|вопрос)\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'«»“”„`"


@dataclass(frozen=True)
class CondensePrompts:
    """The rewrite's system message (fixed) and its user message template."""

    system: str
    question: str


@lru_cache(maxsize=4)
def load_condense_prompts(directory: Path | None = None) -> CondensePrompts:
    """prompts/condense_system.txt and prompts/condense_question.txt (`{history}`, `{question}`,
    `{language}`)."""
    directory = directory or default_prompts_dir()
    return CondensePrompts(system=read_prompt(directory, "condense_system.txt"),
                           question=read_prompt(directory, "condense_question.txt"))


def _exchange_lines(exchange: Exchange) -> list[str]:
    lines = [f"User: {exchange.question}"]
    if exchange.answer:
        words = exchange.answer.split()
        answer = " ".join(words[:ANSWER_WORDS]) + (" …" if len(words) > ANSWER_WORDS else "")
        cited = sorted({s.speaker for s in exchange.sources if s.speaker})
        who = f" (quoting {', '.join(cited)})" if cited else ""
        lines.append(f"Assistant{who}: {answer}")
    return lines


def history_text(conversation: Conversation, budget: int = HISTORY_TOKENS) -> str:
    """The earlier exchanges that fit `budget` tokens, newest kept first, printed oldest first."""
    kept: list[list[str]] = []
    used = 0
    for exchange in reversed(conversation.history):
        lines = _exchange_lines(exchange)
        cost = sum(estimate_tokens(line) for line in lines)
        if kept and used + cost > budget:
            break
        kept.append(lines)
        used += cost
    return "\n".join(line for lines in reversed(kept) for line in lines)


def rewrite_messages(conversation: Conversation, prompts: CondensePrompts) -> list[ChatMessage]:
    language = language_name(detect_language(conversation.question))
    user = prompts.question.format(history=history_text(conversation), question=conversation.question,
                                   language=language)
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompts.system),
            ChatMessage(role=MessageRole.USER, content=user)]


def clean_rewrite(reply: str, question: str) -> str | None:
    """The model's rewrite, or None when it is unusable: empty, a refusal, an answer rather than a
    question (far longer than the question), or in another language than the question."""
    line = next((ln for ln in reply.splitlines() if ln.strip()), "")
    line = _LABEL.sub("", line).strip().strip(_QUOTES).strip()
    if not line or NO_ANSWER in line or len(line) > max(240, 4 * len(question)):
        return None
    if detect_language(line) != detect_language(question):
        return None
    return line


def rewrite_with_llm(conversation: Conversation, llm: LLM, prompts: CondensePrompts | None = None) -> str | None:
    """The last question rewritten to stand alone by one short LLM call; None when the reply is
    unusable (the caller falls back to the rule-based carry-over)."""
    messages = rewrite_messages(conversation, prompts or load_condense_prompts())
    try:
        response = llm.chat(messages, max_tokens=REWRITE_MAX_TOKENS)
    except TypeError:  # an LLM whose chat() takes no max_tokens
        response = llm.chat(messages)
    rewritten = clean_rewrite(response.message.content or "", conversation.question)
    if rewritten is None or repeats_earlier(rewritten, conversation) or invents(rewritten, conversation):
        return None
    return rewritten


def repeats_earlier(rewritten: str, conversation: Conversation) -> bool:
    """Is the rewrite an earlier question over again rather than the new one (a small model's slip:
    "E il volume degli scambi?" rewritten as the previous question about the border)?"""
    text = rewritten.casefold()
    own = fuzz.ratio(text, conversation.question.casefold())
    return any(fuzz.ratio(text, e.question.casefold()) > max(own, 80.0) for e in conversation.history)


def _terms(text: str) -> set[str]:
    """Stemmed content terms of each line of `text`, in that line's language."""
    return {term for line in text.splitlines() for term in tokenize(line)}


def invents(rewritten: str, conversation: Conversation) -> bool:
    """Does the rewrite bring in what neither the new question nor the conversation it was shown says: a
    number, or two or more words (a small model's slip: "А когда он приедет в Россию?" rewritten with "в конце
    декабря", a date it made up)? Names match across scripts (Токаев / Tokayev)."""
    known = _terms(conversation.question + "\n" + history_text(conversation))
    folded = {fold(term) for term in known}
    new = [t for t in _terms(rewritten) if fold(t) not in folded
           and not any(fuzz.ratio(fold(t), k) >= 80 for k in folded if len(k) >= 4)]
    return any(any(ch.isdigit() for ch in t) for t in new) or len(new) >= 2
