"""One reading of a question, the same for search and ask: its language, the speakers it names, its topic words
and its context clause."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .language import query_language
from .speakers import named_speakers

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Words that frame a question rather than name its topic ("Summarize the discussion about X", "What did
# the Marketing think of X"). Dropped from English BM25 queries (+0.026 MRR on QMSum val, docs/quality.md).
QUERY_FRAMING_EN = frozenset("""
summarize summarise summary discuss discussed discussing discussion discussions talk talked talking
think thought opinion opinions say said mention mentioned elaborate elaborated explain explained describe
described decide decided decision decisions conclude concluded conclusion group team meeting meetings member
members whole agree agreed view views idea ideas propose proposed suggest suggested recommend recommended
reason why what how when which who whom did does do about regarding towards toward""".split())


def topic_text(question: str, lang: str | None) -> str:
    """The question without English framing words (unchanged for other languages, or when nothing
    would be left)."""
    if lang != "en":
        return question
    kept = [w for w in _TOKEN.findall(question) if w.lower() not in QUERY_FRAMING_EN]
    return " ".join(kept) if kept else question


_CONTEXT = re.compile(r"\b(?:when|while)\b", re.IGNORECASE)
CONTEXT_MIN_CHARS = 10  # "When did ..." opens a question; a context clause comes after its main clause


def context_clause(question: str, lang: str | None) -> tuple[str, str] | None:
    """(main clause, context clause) of an English question that says where in the talk to look: "Why did
    Marketing disagree with the Project Manager | when discussing the budget?". The context clause
    locates the stretch of talk, the main clause the passage within it (docs/quality.md, round 4).
    None for other questions and languages."""
    if lang != "en":
        return None
    match = _CONTEXT.search(question, CONTEXT_MIN_CHARS)
    if match is None:
        return None
    main, context = question[:match.start()].strip(), question[match.end():].strip()
    return (main, context) if _TOKEN.search(main) and _TOKEN.search(context) else None


def without_words(text: str, drop: frozenset[str]) -> str:
    """`text` without the (lower-cased) words `drop` (unchanged when nothing would be left)."""
    if not drop:
        return text
    kept = [w for w in _TOKEN.findall(text) if w.lower() not in drop]
    return " ".join(kept) if kept else text


# A question asking for a fact (name, date, number, place) rather than a discussion, an opinion or a reason.
_LOOKUP = re.compile(
    r"^\W*((on|in|at|by|from|to|a|da|di|на|в|с|до|к) )?(when|where|who|whom|whose|which|how (many|much|long|"
    r"old|far|big|large|often)|what (date|day|year|time|month|percentage|share|number|amount|company|name|city|"
    r"country)|quando|dove|chi|quale|quali|quanto|quanta|quanti|quante|che (anno|data|giorno)|когда|где|кто|"
    r"сколько|какой|какая|какое|какие|какую|каков|какова|каком|какой)\b", re.IGNORECASE)


def asks_for_fact(question: str) -> bool:
    """Whether the question asks for a fact ("When ...", "How many ...", "Сколько ...") rather than a
    discussion."""
    return _LOOKUP.search(question) is not None


@dataclass(frozen=True)
class Question:
    """What search and ask read in a question (`analyse`)."""

    text: str
    lang: str | None  # `language.query_language`: None when no known language's function words occur
    speakers: tuple[str, ...]  # the known speakers it names, first-mentioned first (`speakers.named_speakers`)
    topic: str  # the text for BM25: without English framing words and the words naming the speakers
    clauses: tuple[str, str] | None  # the topic of the main and of the context clause (`context_clause`)
    lookup: bool  # it asks for a fact, not a discussion (`asks_for_fact`)


@lru_cache(maxsize=256)
def _analyse(text: str, speakers: tuple[str, ...]) -> Question:
    lang = query_language(text)
    named = named_speakers(text, speakers)
    # Chunk text carries "Speaker: " labels, so a named speaker's words would match every chunk of that speaker
    # in BM25 (and role words such as "Designer" or "Marketing" collide with topics); the speaker boost already
    # prefers the named speakers (+0.026 MRR on QMSum val ORACLE, docs/quality.md).
    topic = without_words(topic_text(text, lang), named.words)
    clauses = context_clause(text, lang)
    if clauses is not None:
        main, context = (without_words(topic_text(part, lang), named.words) for part in clauses)
        clauses = (main, context)
    return Question(text, lang, named.speakers, topic, clauses, asks_for_fact(text))


def analyse(text: str, speakers: Sequence[str]) -> Question:
    """The reading of question `text` against the known `speakers` (memoised: ask searches one question
    several times)."""
    return _analyse(text, tuple(speakers))
