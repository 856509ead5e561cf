"""Cheap language identification (stopwords + script) for stemming and answer language."""
from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is that it was for on are with as be this have what who how did does when "
                    "why which they we you he she at by from not or but about said say were has".split()),
    "it": frozenset("il lo la le gli di del della dei delle che e è un una per con non sono ha hanno nel nella "
                    "come quale quali quanto quando chi cosa perché ai al alla alle su tra anche sulla dal".split()),
    "ru": frozenset("и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее "
                    "мне было вот от меня о из ему теперь когда ли если уже или ни быть был нет это какой "
                    "какая какие сколько кто где почему".split()),
    "fr": frozenset("le la les de des du et est un une que qui pour dans en pas sur au aux avec ce cette "
                    "sont ont quel quelle combien pourquoi où".split()),
    "de": frozenset("der die das und ist nicht ein eine zu den von mit sich des auf für im dem wie was wer "
                    "wann warum welche hat sind".split()),
    "es": frozenset("el la los las de del y es un una que en por con no para se lo como qué cuál cuándo "
                    "quién dónde son ha al".split()),
}

STEMMER_NAMES = {"en": "english", "it": "italian", "ru": "russian", "fr": "french", "de": "german",
                 "es": "spanish"}


def detect_language(text: str, default: str = "en") -> str:
    """Best-guess ISO 639-1 code among en/it/ru/fr/de/es; `default` when there is no evidence."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return default
    cyrillic = sum(1 for w in words if "\u0400" <= w[0] <= "\u04ff")
    if cyrillic * 2 > len(words):
        return "ru"
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items() if lang != "ru"}
    best = max(counts, key=lambda lang: (counts[lang], lang == default))
    return best if counts[best] > 0 else default
