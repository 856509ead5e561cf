"""Which language a question is in (to answer and refuse in it): script, accents and function words."""
from __future__ import annotations

import re

from ..language import STOPWORDS

LANGUAGE_NAMES = {"en": "English", "it": "Italian", "ru": "Russian", "fr": "French", "de": "German",
                  "es": "Spanish"}

# Question words and frequent function words beyond ragqa.language.STOPWORDS; questions are short,
# so these carry most of the signal.
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
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def question_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code (en/it/ru/fr/de/es) of a short text; `default` when there is no evidence."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return default
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    if cyrillic * 2 > len(letters):
        return "ru"
    scores = {lang: 0.0 for lang in LANGUAGE_NAMES if lang != "ru"}
    for raw in _WORD.findall(text.lower()):
        word = raw.replace("’", "'")
        if "'" in word:  # French/Italian elision: qu'a, l'anno, dell'economia
            head = word.split("'")[0]
            for lang in ("fr", "it"):
                if head in ("qu", "l", "d", "c", "n", "s", "j", "m", "dell", "all", "nell", "sull", "un"):
                    scores[lang] += 0.5
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
    best = max(scores, key=lambda lang: (scores[lang], lang == default))
    return best if scores[best] > 0 else default


def language_name(code: str) -> str:
    """English name of a language code, for the prompt ("Answer in Italian")."""
    return LANGUAGE_NAMES.get(code, "the language of the question")
