"""Does a passage support a claim? Numbers, key terms and embedding similarity.

Answers are often in another language than the passages (an English answer over an Italian
transcript), so no single signal decides: a shared number ("7591 km" / "7591 chilometri", "nine" /
"nove"), shared key terms, or a high similarity to one of the passage's sentences.

Similarities are put on a common scale by subtracting the mean similarity to a few unrelated
background sentences (`Similarity.normalised`): raw cosine levels differ a lot between encoders
(e5 puts unrelated texts near 0.7, USE near 0), the distance above that background much less.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..language import STEMMER_NAMES
from ..lexical import tokenize
from ..sentences import split_sentences

EmbedFn = Callable[[Sequence[str]], np.ndarray]

# Thresholds on the normalised similarity, measured with e5-small and USE-m3 on the seed transcript
# (supported claims 0.25-0.79 against their best sentence, unsupported ones up to 0.36).
SUPPORT_SIMILARITY = 0.40  # enough on its own
WEAK_SIMILARITY = 0.20  # enough together with a shared key term

_BACKGROUND = (
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Il treno per Milano parte alle otto.",
    "Погода сегодня солнечная и тёплая.",
    "The software update fixes several bugs in the printer driver.",
    "Le chat dort sur le canapé.",
    "Der Hund spielt im Garten mit einem Ball.",
    "El partido terminó empate a dos.",
    "She painted the kitchen walls light blue last summer.",
)

# Small numbers written as words (2-12; "one"/"uno"/"un" are too often not numbers).
_NUMBER_WORDS = {
    **dict.fromkeys(["two", "due", "два", "две", "двух", "deux", "zwei", "dos"], "2"),
    **dict.fromkeys(["three", "tre", "три", "трёх", "трех", "trois", "drei", "tres"], "3"),
    **dict.fromkeys(["four", "quattro", "четыре", "четырёх", "четырех", "quatre", "vier", "cuatro"], "4"),
    **dict.fromkeys(["five", "cinque", "пять", "пяти", "cinq", "fünf", "cinco"], "5"),
    **dict.fromkeys(["six", "sei", "шесть", "шести", "sechs", "seis"], "6"),
    **dict.fromkeys(["seven", "sette", "семь", "семи", "sept", "sieben", "siete"], "7"),
    **dict.fromkeys(["eight", "otto", "восемь", "восьми", "huit", "acht", "ocho"], "8"),
    **dict.fromkeys(["nine", "nove", "девять", "девяти", "neuf", "neun", "nueve"], "9"),
    **dict.fromkeys(["ten", "dieci", "десять", "десяти", "dix", "zehn", "diez"], "10"),
    **dict.fromkeys(["eleven", "undici", "одиннадцать", "onze", "elf", "once"], "11"),
    **dict.fromkeys(["twelve", "dodici", "двенадцать", "douze", "zwölf", "doce"], "12"),
}
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f.,’']\d{3}(?!\d))*(?:[.,]\d+)?")
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3}),\s(\d{3})(?![\d]|[.,]\d)")  # "7, 591" as models write it
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CITATION = re.compile(r"\[\d+\]")


def numbers(text: str) -> set[str]:
    """Numbers in `text` as digit strings: "7,591" / "7 591" / "7, 591" / "7591" -> "7591",
    "28,5" -> "285", "nine" / "nove" / "девять" -> "9". Units and scale words are ignored
    (28 billion ~ 28 miliardi)."""
    text = _SPACED_THOUSANDS.sub(r"\1\2", text)
    found = {re.sub(r"\D", "", m.group()) for m in _NUMBER.finditer(text)}
    found |= {_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS}
    return {n.lstrip("0") or "0" for n in found}


def key_terms(text: str, exclude: frozenset[str] = frozenset()) -> set[str]:
    """Stemmed content words (stopwords and `exclude` stems removed, at least 3 letters)."""
    return {t for t in tokenize(text) if len(t) >= 3 and not t.isdigit() and t not in exclude}


def says_nothing_new(answer: str, question: str, names: SpeakerNames | None = None) -> bool:
    """True when an answer has no key term or number the question lacks ("A cultural event opened
    in Moscow [1]." to "What cultural event opened in Moscow?"): it names nothing it was asked for."""
    exclude = names.terms if names is not None else frozenset()
    text = _CITATION.sub(" ", answer)
    return not (key_terms(text, exclude) - key_terms(question, exclude)) and not (numbers(text) - numbers(question))


@dataclass(frozen=True)
class SpeakerNames:
    """The speakers' names: they say who spoke, not what was said, so they are no evidence. Their
    stems are left out of key terms and their words out of the texts compared by similarity (an
    answer saying "Tokayev said ..." is otherwise close to every passage labelled "Tokayev:")."""

    terms: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None

    @classmethod
    def of(cls, speakers: Sequence[str]) -> "SpeakerNames":
        words = sorted({w.lower() for s in speakers for w in _WORD.findall(s) if len(w) >= 3}, key=len, reverse=True)
        if not words:
            return cls()
        text = " ".join(words)
        terms = frozenset(t for lang in STEMMER_NAMES for t in tokenize(text, lang))
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")(?:['’]s|[^\W\d_]{0,5})?\b:?",
                             re.IGNORECASE)
        return cls(terms=terms, pattern=pattern)

    def strip(self, text: str) -> str:
        """`text` without the names (and "Name:" labels)."""
        return re.sub(r"\s{2,}", " ", self.pattern.sub(" ", text)).strip() if self.pattern else text


NO_NAMES = SpeakerNames()


@dataclass
class Similarity:
    """Encoder similarities on a background-normalised scale (0 = as related as unrelated text)."""

    embed_fn: EmbedFn
    query_embed_fn: EmbedFn | None = None
    _background: np.ndarray | None = field(default=None, repr=False)

    def _base(self, vectors: np.ndarray) -> np.ndarray:
        if self._background is None:
            self._background = np.asarray(self.embed_fn(list(_BACKGROUND)), dtype=np.float32)
        return (vectors @ self._background.T).mean(axis=1)

    def matrix(self, left: Sequence[str], right: Sequence[str], left_is_query: bool = False) -> np.ndarray:
        """(len(left), len(right)) normalised similarities; `left_is_query` encodes left as queries."""
        if not left or not right:
            return np.zeros((len(left), len(right)), dtype=np.float32)
        encode_left = self.query_embed_fn if (left_is_query and self.query_embed_fn) else self.embed_fn
        a = np.asarray(encode_left(list(left)), dtype=np.float32)
        b = np.asarray(self.embed_fn(list(right)), dtype=np.float32)
        base = self._base(a)[:, None]
        return (a @ b.T - base) / np.maximum(1.0 - base, 1e-6)


@dataclass(frozen=True)
class Evidence:
    """How one claim relates to one passage."""

    shared_numbers: frozenset[str]
    missing_numbers: frozenset[str]  # numbers of the claim the passage lacks
    shared_terms: frozenset[str]
    similarity: float | None  # best normalised similarity to one of the passage's sentences
    claim_terms: int = 0  # how many key terms the claim has

    @property
    def supports(self) -> bool:
        """A claim with numbers needs one of them in the passage; otherwise shared key terms with
        some similarity (or covering half the claim's terms: short claims embed poorly), or high
        similarity alone (cross-lingual)."""
        if self.shared_numbers or self.missing_numbers:
            return bool(self.shared_numbers) and (self.similarity is None or self.similarity >= 0.0)
        if self.similarity is None:
            return bool(self.shared_terms)
        covered = 2 * len(self.shared_terms) >= max(self.claim_terms, 1)
        return self.similarity >= SUPPORT_SIMILARITY or (
            bool(self.shared_terms) and (self.similarity >= WEAK_SIMILARITY or covered))


def evidence_matrix(claims: Sequence[str], passages: Sequence[str], similarity: Similarity | None,
                    names: SpeakerNames = NO_NAMES) -> list[list[Evidence]]:
    """Evidence for every (claim, passage) pair; one encoder call for all claims and sentences."""
    sentence_lists = [split_sentences(p) or [p] for p in passages]
    best: np.ndarray | None = None
    if similarity is not None and claims and passages:
        flat = [names.strip(s) for sentences in sentence_lists for s in sentences]
        owner = np.repeat(np.arange(len(passages)), [len(s) for s in sentence_lists])
        sims = similarity.matrix([names.strip(c) for c in claims], flat)
        best = np.full((len(claims), len(passages)), -np.inf, dtype=np.float32)
        for j in range(len(passages)):
            best[:, j] = sims[:, owner == j].max(axis=1)
    passage_numbers = [numbers(p) for p in passages]
    passage_terms = [key_terms(p, names.terms) for p in passages]
    table: list[list[Evidence]] = []
    for i, claim in enumerate(claims):
        claim_numbers = numbers(claim)
        claim_terms = key_terms(claim, names.terms)
        table.append([
            Evidence(
                shared_numbers=frozenset(claim_numbers & passage_numbers[j]),
                missing_numbers=frozenset(claim_numbers - passage_numbers[j]),
                shared_terms=frozenset(claim_terms & passage_terms[j]),
                similarity=None if best is None else float(best[i, j]),
                claim_terms=len(claim_terms),
            )
            for j in range(len(passages))
        ])
    return table
