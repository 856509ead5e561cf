"""Follow-up questions without a model: whether a question leans on the conversation, and the
rule-based carry-over that makes it searchable on its own (the previous question's named speakers,
transcript and key terms)."""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..language import STOPWORDS, detect_language
from ..speakers import fold, name_parts, named_speakers, same_name
from .conversation import Conversation, Exchange

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)

# Words that point back into the conversation: at a person, at a thing, place or time, or at either
# (possessives such as "suo", "его").
_PERSONAL: dict[str, frozenset[str]] = {
    "en": frozenset("he she him his hers they them their".split()),
    "it": frozenset("lui lei egli ella essa esso".split()),
    "ru": frozenset("он она они него неё нее нему ней ним них им ему ей".split()),
}
_POINTING: dict[str, frozenset[str]] = {
    "en": frozenset("it its this these those there same else former latter".split()),
    "it": frozenset("questo questa questi queste quello quella quelli quelle ciò cio lì là allora stesso "
                    "stessa inoltre invece".split()),
    "ru": frozenset("это этот эта эти этого этой этом этих этим этому тот та те того той там тогда тоже "
                    "также ещё еще".split()),
}
_EITHER: dict[str, frozenset[str]] = {
    "en": frozenset(),
    "it": frozenset("suo sua suoi sue loro".split()),
    "ru": frozenset("его её ее их".split()),
}
_OPENERS = re.compile(r"^\s*(and|but|so|what about|how about|e|ed|ma|e invece|invece|а|и|но|ну а)\b",
                      re.IGNORECASE)
# Verbs of saying (a question about someone's words) and other words of asking that name no topic.
_SAYING = frozenset("""
    say said says tell told think thought mention mentioned talk talked claim claimed
    detto dice dicono pensa pensato parlato parla
    сказал сказала сказали говорил говорила говорили говорит думает считает
    """.split())
_ASKING = _SAYING | frozenset("did does do about according riguardo secondo про насчёт насчет".split())
_SHORT_MAX_WORDS = 1  # content words at most of a question that cannot stand alone: "Why?", "E gli investimenti?"
_KEY_TERMS = 6


@dataclass(frozen=True)
class Reading:
    """What a new question takes from the conversation."""

    follows_up: bool
    speakers: tuple[str, ...] = ()  # whom the question is about without naming them
    terms: tuple[str, ...] = ()  # the previous question's topic, for a pointing or elliptical question
    transcript: str | None = None  # the transcript the previous answer cited, when it was one


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _content_words(text: str, lang: str) -> list[str]:
    stop = STOPWORDS.get(lang, frozenset()) | STOPWORDS["en"]
    return [w for w in _words(text) if w not in stop and w not in _ASKING and len(w) > 1]


def _is_name(word: str, speakers: Sequence[str]) -> bool:
    token = fold(word)
    return any(same_name(part, token) for s in speakers for part in name_parts(s))


def _own_topic(question: str, lang: str, speakers: Sequence[str]) -> list[str]:
    """The question's content words that are not a speaker's name."""
    return [w for w in _content_words(question, lang) if not _is_name(w, speakers)]


def follows_up(question: str) -> bool:
    """Does the question need the conversation to be understood? Pronouns and demonstratives that
    point back, a follow-up opener ("And…", "What about…"), or too few words of its own."""
    lang = detect_language(question)
    words = set(_words(question))
    if words & (_PERSONAL.get(lang, frozenset()) | _POINTING.get(lang, frozenset()) | _EITHER.get(lang, frozenset())):
        return True
    return bool(_OPENERS.match(question)) or len(_content_words(question, lang)) <= _SHORT_MAX_WORDS


def _answer_speakers(previous: Exchange, speakers: Sequence[str]) -> tuple[str, ...]:
    """Whom the previous answer was about: the speaker it cited most (none on a tie), else those its
    text names."""
    cited = Counter(s.speaker for s in previous.sources if s.speaker).most_common(2)
    if cited:
        return (cited[0][0],) if len(cited) == 1 or cited[0][1] > cited[1][1] else ()
    return named_speakers(previous.answer, speakers).speakers if previous.answer else ()


def _previous_transcript(previous: Exchange) -> str | None:
    """The transcript the previous answer cited most (the first cited of equals)."""
    top = Counter(s.transcript_id for s in previous.sources).most_common(1)
    return top[0][0] if top else None


def _topic_terms(previous: Exchange, lang: str, speakers: Sequence[str]) -> tuple[str, ...]:
    """The previous question's topic words (its speakers' names left out)."""
    terms: list[str] = []
    for word in _own_topic(previous.searched, lang, speakers):
        if word not in terms:
            terms.append(word)
    return tuple(terms[:_KEY_TERMS])


def read_follow_up(conversation: Conversation, speakers: Sequence[str]) -> Reading:
    """What the new question carries over from the exchange before it (nothing for a question that
    stands alone, or for the first question)."""
    previous = conversation.previous
    question = conversation.question
    if previous is None or not follows_up(question):
        return Reading(follows_up=False)
    lang = detect_language(question)
    words = set(_words(question))
    either = _EITHER.get(lang, frozenset())
    own_speakers = named_speakers(question, speakers).speakers
    # the speakers the previous question named carry into any follow-up that names nobody; those its
    # answer was about, only into a question about someone ("he", "lui", "сказал")
    named_before = named_speakers(previous.searched, speakers).speakers
    before = named_before or _answer_speakers(previous, speakers)
    about_someone = bool(words & (_PERSONAL.get(lang, frozenset()) | either | _SAYING))
    carried = before if (about_someone or named_before) and not own_speakers else ()
    named = list(own_speakers) + list(before)
    about_something = bool(words & (_POINTING.get(lang, frozenset()) | either))
    terms = _topic_terms(previous, detect_language(previous.searched), named) \
        if about_something or not _own_topic(question, lang, named) else ()
    return Reading(follows_up=True, speakers=carried, terms=terms, transcript=_previous_transcript(previous))


def still_missing(rewritten: str, reading: Reading, speakers: Sequence[str]) -> Reading:
    """What a rewrite (the LLM's) left out of `reading`: the carried speakers unless it names a
    speaker, the previous topic unless it repeats a word of it."""
    names = () if named_speakers(rewritten, speakers).speakers else reading.speakers
    words = {fold(w)[:5] for w in _words(rewritten)}
    terms = () if any(fold(t)[:5] in words for t in reading.terms) else reading.terms
    return dataclasses.replace(reading, speakers=names, terms=terms)


def _surname(label: str) -> str:
    words = _WORD.findall(label)
    return words[-1] if words else label


def rewrite_by_rules(question: str, reading: Reading) -> str:
    """The question made searchable on its own: the carried speakers after the first pronoun that
    stands for them (or at the end), the previous question's topic appended."""
    if not reading.follows_up:
        return question
    text = question.strip()
    if reading.speakers:
        names = " / ".join(dict.fromkeys(_surname(s) for s in reading.speakers))
        lang = detect_language(text)
        pronouns = _PERSONAL.get(lang, frozenset()) | _EITHER.get(lang, frozenset())
        match = next((m for m in _WORD.finditer(text) if m.group(0).casefold() in pronouns), None)
        if match is not None:
            text = f"{text[:match.end()]} ({names}){text[match.end():]}"
        else:
            text = _before_mark(text, f" ({names})")
    if reading.terms:
        text = _before_mark(text, " — " + " ".join(reading.terms))
    return text


def _before_mark(text: str, addition: str) -> str:
    """`addition` inserted before a closing question mark (or appended)."""
    stripped = text.rstrip()
    if stripped.endswith(("?", "？")):
        return stripped[:-1].rstrip() + addition + stripped[-1]
    return stripped + addition
