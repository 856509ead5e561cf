"""What a question says about how to search: its topic words and the speakers it names."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import Stemmer

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Words that frame a question rather than name its topic ("Summarize the discussion about X", "What did
# the Marketing think of X"). Dropped from English BM25 queries (+0.026 MRR on QMSum val, docs/quality.md).
QUERY_FRAMING_EN = frozenset("""
summarize summarise summary discuss discussed discussing discussion discussions talk talked talking
think thought opinion opinions say said mention mentioned elaborate elaborated explain explained describe
described decide decided decision decisions conclude concluded conclusion group team meeting meetings member
members whole agree agreed view views idea ideas propose proposed suggest suggested recommend recommended
reason why what how when which who whom did does do about regarding towards toward""".split())

_TITLES = frozenset({"hon", "mr", "mrs", "ms", "dr", "sir", "lord", "the", "of", "president", "minister"})


@lru_cache(maxsize=None)
def _english_stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


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


def _label_words(label: str) -> list[str]:
    return _TOKEN.findall(re.sub(r"\(.*?\)", " ", label))  # "Hon. Bill Blair (Minister of ...)" -> Hon, Bill, Blair


class _SpeakerKeys(NamedTuple):
    keys: tuple[str, ...]  # stemmed label words without titles
    surname: str  # capitalised surname of a personal name, or ""
    mark: str  # the label's one capital letter or digit ("Grad C", "Speaker 2"), or ""
    phrase: str  # the label's words, lower case, space-separated and space-padded


def _padded_phrase(words: list[str]) -> str:
    """Words lower-cased, space-separated and space-padded: one label's phrase is found in a question's by `in`."""
    return f" {' '.join(words).lower()} "


@lru_cache(maxsize=1 << 16)
def _speaker_keys(label: str) -> _SpeakerKeys:
    """What names the speaker `label` in a question, memoised: a question is matched against every speaker of
    the index. The mark is what tells apart "Speaker A" from "Speaker B", "Grad C" from "Grad E", "Speaker 1"
    from "Speaker 2"."""
    words = _label_words(label)
    keys = _english_stemmer().stemWords([w.lower() for w in words if len(w) > 1 and w.lower() not in _TITLES])
    marks = [w for w in words if len(w) == 1 and (w.isupper() or w.isdigit())]
    surname = words[-1] if len(words) >= 2 and not marks else ""
    return _SpeakerKeys(tuple(keys), surname if len(surname) > 3 and surname[0].isupper() else "",
                        marks[-1] if len(marks) == 1 else "", _padded_phrase(words))


def speakers_named(question: str, speakers: list[str]) -> set[str]:
    """Speakers named in the question: every word of the label ("Industrial Designer"), the surname of a
    multi-word personal name ("Tokayev" names "Kassym-Jomart Tokayev"); a label with a letter or digit
    by the letter ("What did C think ..." and "What did Grad C think ..." name "Grad C", not "Grad E"; a
    letter that opens the question is taken for the article "A") or by the whole label ("Speaker 2": a
    digit alone is too often a number)."""
    words = _TOKEN.findall(question)
    said = set(_english_stemmer().stemWords([w.lower() for w in words]))
    exact = set(words)
    letters = set(words[1:])
    phrase = _padded_phrase(words)
    named: set[str] = set()
    for speaker in speakers:
        keys, surname, mark, label_phrase = _speaker_keys(speaker)
        if mark:
            if (mark.isalpha() and mark in letters) or label_phrase in phrase:
                named.add(speaker)
        elif keys and all(k in said for k in keys):
            named.add(speaker)
        elif surname and surname in exact:  # exact, capitalised
            named.add(speaker)
    return named


def without_speakers(text: str, named: set[str]) -> str:
    """`text` without the words of the named speakers' labels (unchanged when nothing would be left).
    Chunk text carries "Speaker: " labels, so a named speaker's words would match every chunk of that
    speaker in BM25 (and role words such as "Designer" or "Marketing" collide with topics); the speaker
    boost already prefers the named speakers (+0.026 MRR on QMSum val ORACLE, docs/quality.md)."""
    if not named:
        return text
    drop = {w.lower() for label in named for w in _label_words(label)}
    kept = [w for w in _TOKEN.findall(text) if w.lower() not in drop]
    return " ".join(kept) if kept else text


def clause_topics(question: str, lang: str | None, named: set[str]) -> tuple[str, str] | None:
    """The topic words (`topic_text`, `without_speakers`) of the main and the context clause of a question
    that has one (`context_clause`), else None."""
    clauses = context_clause(question, lang)
    if clauses is None:
        return None
    main, context = (without_speakers(topic_text(text, lang), named) for text in clauses)
    return main, context
