"""Answers in a conversation: the new question made to stand alone (kept as it is when it already
does, rewritten by the LLM or by rules when it leans on what came before), then answered like `ask`."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..types import Answer
from .conversation import Conversation, read_conversation
from .condense import rewrite_with_llm
from .engine import engine_for
from .followup import read_follow_up, rewrite_by_rules, still_missing
from .stream import AnswerStream
from .summary_router import summary_request


@dataclass(frozen=True)
class SearchPlan:
    """The question as it will be searched, the transcript the conversation keeps to, and how the
    question was made to stand alone: "as is", "llm" or "rules"."""

    question: str
    transcript: str | None
    method: str


def plan_search(conversation: Conversation, speakers: Sequence[str], llm: Any = None,
                locate: Callable[[str], str | None] | None = None) -> SearchPlan:
    """How to search the conversation's new question. A question that stands alone costs nothing. A
    follow-up is rewritten by `llm` when there is one (the rules add the speakers and topic it left
    out, or do the whole rewrite when the model's reply is unusable); it keeps to the transcript the
    previous answer cited, or when that cited none, to the one `locate(previous question)` finds."""
    reading = read_follow_up(conversation, speakers)
    question = conversation.question
    if not reading.follows_up:
        return SearchPlan(question, None, "as is")
    if reading.transcript is None and locate is not None and conversation.previous is not None:
        reading = dataclasses.replace(reading, transcript=locate(conversation.previous.searched))
    if summary_request(question)[0]:  # "Summarize this meeting": the words stay, the transcript carries
        return SearchPlan(question, reading.transcript, "as is")
    rewritten = rewrite_with_llm(conversation, llm) if llm is not None else None
    if rewritten is not None:  # what the model left out is added by the rules
        completed = rewrite_by_rules(rewritten, still_missing(rewritten, reading, speakers))
        return SearchPlan(completed, reading.transcript, "llm")
    return SearchPlan(rewrite_by_rules(question, reading), reading.transcript, "rules")


def chat(index: Any, messages: Sequence[Any], k: int | None = None, speaker: str | None = None,
         transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
         stream: bool = False) -> Answer | AnswerStream:
    """The answer to the last user message of `messages` (see `Index.chat`)."""
    plan = plan_search(read_conversation(messages), index.speakers(), engine_for(index).llm,
                       locate=lambda text: top_transcript(index, text, transcript))
    return answer_plan(index, plan, k=k, speaker=speaker, transcript=transcript, date_from=date_from,
                       date_to=date_to, stream=stream)


def top_transcript(index: Any, question: str, transcript: str | None = None) -> str | None:
    """The transcript of the best passage for `question` (None when nothing matches)."""
    hits = index.search(question, k=1, transcript=transcript)
    return hits[0].transcript_id if hits else None


def answer_plan(index: Any, plan: SearchPlan, k: int | None = None, speaker: str | None = None,
                transcript: str | None = None, date_from: str | None = None, date_to: str | None = None,
                stream: bool = False) -> Answer | AnswerStream:
    """`Index.ask` of the planned question, in the transcript the conversation keeps to unless the
    caller's `transcript` filter says otherwise."""
    result = index.ask(plan.question, k=k, speaker=speaker, transcript=transcript or plan.transcript,
                       date_from=date_from, date_to=date_to, stream=stream)
    if isinstance(result, Answer):
        return dataclasses.replace(result, standalone_question=plan.question)
    result.standalone_question = plan.question
    return result
