"""What a question says about how to search: its topic words and the speakers it names."""
from __future__ import annotations

import re
from functools import lru_cache

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


def _speaker_keys(label: str) -> list[str]:
    base = re.sub(r"\(.*?\)", " ", label)  # "Hon. Bill Blair (Minister of ...)" -> "Hon. Bill Blair"
    words = [w.lower() for w in _TOKEN.findall(base)]
    return _english_stemmer().stemWords([w for w in words if len(w) > 1 and w not in _TITLES])


def speakers_named(question: str, speakers: list[str]) -> set[str]:
    """Speakers named in the question: every word of the label ("Industrial Designer"), or the surname
    of a multi-word personal name ("Tokayev" names "Kassym-Jomart Tokayev")."""
    words = _TOKEN.findall(question)
    said = set(_english_stemmer().stemWords([w.lower() for w in words]))
    named: set[str] = set()
    for speaker in speakers:
        keys = _speaker_keys(speaker)
        label_words = _TOKEN.findall(re.sub(r"\(.*?\)", " ", speaker))
        surname = label_words[-1] if len(label_words) >= 2 else ""
        if keys and all(k in said for k in keys):
            named.add(speaker)
        elif len(surname) > 3 and surname[0].isupper() and surname in words:  # exact, capitalised
            named.add(speaker)
    return named
