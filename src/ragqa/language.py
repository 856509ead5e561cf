"""Cheap language identification by stopword share (+ script), for stemming, the BM25 language gate
and the answer language."""
from __future__ import annotations

import re
from functools import lru_cache

from bm25s import stopwords as _bm25s_stopwords

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STEMMER_NAMES = {"en": "english", "it": "italian", "ru": "russian", "fr": "french", "de": "german",
                 "es": "spanish"}
_LISTS = {"en": "STOPWORDS_EN", "it": "STOPWORDS_ITALIAN", "ru": "STOPWORDS_RUSSIAN", "fr": "STOPWORDS_FRENCH",
          "de": "STOPWORDS_GERMAN", "es": "STOPWORDS_SPANISH"}
# question words that the stopword lists lack but that mark a question's language well
_EXTRA = {"en": "what who how when why which whom", "it": "quanto quanta quanti quale quali quando chi cosa "
          "come perché dove", "ru": "какова каков какой какая какие сколько кто где когда почему",
          "fr": "quel quelle combien pourquoi où", "de": "wie wann warum welche wer", "es": "qué cuál cuándo "
          "quién dónde cuánto"}
STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(getattr(_bm25s_stopwords, name)) | frozenset(_EXTRA[lang].split())
    for lang, name in _LISTS.items()
}


@lru_cache(maxsize=4096)
def query_language(text: str) -> str | None:
    """The language of `text` by stopword share over its first 3,000 characters, or None when no
    stopword of any known language occurs (a keyword query such as "Rosatom 7591")."""
    words = [w.lower() for w in _WORD.findall(text[:3000])]
    if not words:
        return None
    if sum(1 for w in words if "\u0400" <= w[0] <= "\u04ff") * 2 > len(words):
        return "ru"
    shares = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    best = max(shares, key=lambda lang: (shares[lang], lang == "en"))
    return best if shares[best] > 0 else None


def detect_language(text: str, default: str = "en") -> str:
    """Best-guess ISO 639-1 code among en/it/ru/fr/de/es; `default` when there is no evidence."""
    return query_language(text) or default
