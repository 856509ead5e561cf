"""Cheap language identification (script, letters, question and function words), the one detector for
stemming, chunk languages, the BM25 language gate and the language an answer is written in."""
from __future__ import annotations

import re
from functools import lru_cache

from bm25s import stopwords as _bm25s_stopwords

LANGUAGE_NAMES = {"en": "English", "it": "Italian", "ru": "Russian", "fr": "French", "de": "German",
                  "es": "Spanish"}
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


# Question words and frequent function words beyond STOPWORDS; questions are short, so these carry most of the
# signal there.
_QUESTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("what who whom whose where when why how which many much do does did is are was were "
                    "will would can could should there their about".split()),
    "it": frozenset("cosa che chi dove quando perché perche come quale quali quanto quanta quanti quante "
                    "ha hanno è sono detto dice fatto degli sul sugli".split()),
    "ru": frozenset("что кто где когда почему как какой какая какое какие сколько сказал сказала "
                    "говорил чем ли".split()),
    "fr": frozenset("que quoi qui où quand pourquoi comment quel quelle quels quelles combien est sont "
                    "a dit fait les des une sur".split()),
    "de": frozenset("was wer wo wann warum wie welche welcher welches wieviel wie viele ist sind hat "
                    "haben gesagt über der die das".split()),
    "es": frozenset("qué que quién quien dónde donde cuándo cuando por cómo como cuál cual cuánto "
                    "cuánta cuántos cuántas dijo es son ha las los sobre".split()),
}
# Letters that (nearly) only one of the Latin-script languages uses.
_LETTER_HINTS: dict[str, str] = {"ñ": "es", "¿": "es", "¡": "es", "á": "es", "í": "es", "ó": "es", "ú": "es",
                                 "ß": "de", "ä": "de", "ö": "de", "ü": "de", "ç": "fr", "ê": "fr", "â": "fr",
                                 "î": "fr", "ô": "fr", "û": "fr", "ë": "fr", "œ": "fr", "ò": "it", "ì": "it"}
_ELIDED = frozenset(("qu", "l", "d", "c", "n", "s", "j", "m", "dell", "all", "nell", "sull", "un"))
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_SAMPLE_CHARS = 3000


@lru_cache(maxsize=4096)
def query_language(text: str) -> str | None:
    """ISO 639-1 code (en/it/ru/fr/de/es) of `text` (its first 3,000 characters): Cyrillic script, else question
    and function words, French/Italian elision and language-specific letters; None when there is no evidence
    (a keyword query such as "Rosatom 7591")."""
    text = text[:_SAMPLE_CHARS]
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    if sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff") * 2 > len(letters):
        return "ru"
    scores = {lang: 0.0 for lang in LANGUAGE_NAMES if lang != "ru"}
    for raw in _WORD.findall(text.lower()):
        word = raw.replace("’", "'")
        if "'" in word:  # French/Italian elision: qu'a, l'anno, dell'economia
            if word.split("'")[0] in _ELIDED:
                scores["fr"] += 0.5
                scores["it"] += 0.5
            word = word.split("'")[-1]
        for lang in scores:
            if word in _QUESTION_WORDS[lang]:
                scores[lang] += 1.0
            if word in STOPWORDS[lang]:
                scores[lang] += 0.5
    for ch in text.lower():
        lang = _LETTER_HINTS.get(ch)
        if lang:
            scores[lang] += 1.5
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] > 0 else None


def detect_language(text: str, default: str = "en") -> str:
    """`query_language`, or `default` when there is no evidence."""
    return query_language(text) or default


def language_name(code: str) -> str:
    """English name of a language code, for the prompt ("Answer in Italian")."""
    return LANGUAGE_NAMES.get(code, "the language of the question")
