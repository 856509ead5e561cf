"""Which known speakers a question names ("What did Tokayev say ...", "Что сказал Токаев ...", "What did the
Marketing think ...", "What did Grad C say ...").

Words are compared casefolded, accent-free and with Cyrillic transliterated, so "Tokayev's", "tokaev" and
"Токаева" all name "Kassym-Jomart Tokayev". A label is read as one of three kinds:
- a personal name ("President of Russia Vladimir Putin", "Hon. Bill Blair (Minister of ...)", "Julie Morgan AM"):
  titles, offices and a parenthesised role are no name parts; the surname names the speaker in any case, another
  name part when capitalised (when the question has capitals at all); inflected forms count, and capitalised
  words also when transliterated differently (one edit in five letters);
- a role ("Project Manager", "Marketing", "Industrial Designer"): every word of it, English-stemmed, in any case
  ("the marketing", "Industrial Design"); a one-word label that is also a word of talk ("Question", "Remark")
  only capitalised;
- a lettered or numbered label ("Grad C", "Speaker 2"): the whole label, or its capital letter alone (not as the
  question's first word, where "A" is the article).
A question word names the speakers that match it best (more of their words matched: "Julie Morgan" names Julie
Morgan, not Eluned Morgan); a word that fits more than `AMBIGUOUS` speakers ("Vladimir") names none.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz.distance import Levenshtein

from .language import STOPWORDS

AMBIGUOUS = 3  # a question word that fits more speakers than this names none of them

# Title, role and office words: never a person's name on their own.
_ROLE_WORDS = frozenset("""
    mr mrs ms miss dr prof professor sir madam hon honourable honorable right rt the acting chair chairman
    chairwoman chairperson president vice prime minister deputy secretary general director chief executive
    officer head governor mayor senator ambassador aide adviser advisor presidential assistant am mp mla mpp
    member speaker moderator host guest interviewer interviewee audience participant question response
    remark answer unknown narrator grad phd postdoc student undergrad project manager marketing industrial
    designer user interface of for and federal central bank service staff armed forces russian russia
    republic state national council committee commissioner ombudsperson healthcare economic development
    lord lady leader opposition
    """.split())
_TALK_WORDS = frozenset("question response remark answer comment reply".split())
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїў",
                     "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya ye i yi u"
                     .split()))
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_PARENTHESIS = re.compile(r"\(.*?\)")
_STOP = frozenset().union(*STOPWORDS.values())
_NAME = 3  # score of a whole-label or full-name mention
_SURNAME = 2
_OTHER_PART = 1


def fold(text: str) -> str:
    """Casefolded, accent-free, Latin-script form of a name or text."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(_CYRILLIC.get(ch, ch) for ch in text).replace("_", "")


@lru_cache(maxsize=None)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _is_name_word(folded: str) -> bool:
    return len(folded) >= 3 and folded.replace("-", "").isalpha() and folded not in _ROLE_WORDS and folded not in _STOP


def name_parts(label: str) -> list[str]:
    """Folded personal-name parts of a speaker label, the surname last: its last two words that are no title,
    office or role, outside a parenthesis unless only the parenthesis has them ("The Acting Chair (Mr. Bruce
    Stanton)"); hyphenated names split ("Kassym-Jomart Tokayev" -> kassym, jomart, tokayev)."""
    for text in (_PARENTHESIS.sub(" ", label), " ".join(_PARENTHESIS.findall(label))):
        words = [w for w in (fold(w) for w in _NAME_WORD.findall(text)) if _is_name_word(w)]
        if words:
            return words[-2:]
    return []


def same_name(part: str, token: str, fuzzy: bool = True) -> bool:
    """Does the folded question word `token` name the folded name part `part` (exactly, inflected: Putina,
    Tokayeva, or, `fuzzy`, transliterated differently: Tokaev)?"""
    if token == part:
        return True
    if len(part) < 4 or token[:1] != part[:1]:
        return False
    tolerance = 1 if fuzzy and len(part) >= 5 else 0
    return any(Levenshtein.distance(part, token[:len(token) - cut], score_cutoff=tolerance) <= tolerance
               for cut in range(3) if len(token) - cut >= 4)


@dataclass(frozen=True)
class _Label:
    words: tuple[str, ...]  # folded words, parenthesis left out
    parts: tuple[str, ...]  # personal-name parts (`name_parts`), surname last; () for roles and lettered labels
    mark: str  # the one capital letter ("Grad C") or digit ("Speaker 2") that tells such labels apart, or ""
    stems: frozenset[str]  # English stems of a role label's words
    talk_word: str  # a one-word label that is also a word of talk, as capitalised in the label ("Question"), or ""


@lru_cache(maxsize=1 << 16)
def _label(label: str) -> _Label:
    raw = _WORD.findall(_PARENTHESIS.sub(" ", label))
    marks = [w for w in raw if len(w) == 1 and (w.isupper() or w.isdigit())]
    words = tuple(fold(w) for w in raw)
    parts = () if marks else tuple(p for part in name_parts(label) for p in part.split("-") if len(p) >= 3)
    role = not parts and not marks
    stems = frozenset(_stemmer().stemWords([w for w in words if len(w) > 1])) if role else frozenset()
    talk = raw[0] if len(raw) == 1 and words[0] in _TALK_WORDS else ""
    return _Label(words, parts, marks[0] if len(marks) == 1 else "", stems, talk)


@dataclass(frozen=True)
class _Token:
    raw: str
    folded: str
    stem: str
    capital: bool


def _tokens(question: str) -> list[_Token]:
    words = [w for raw in _WORD.findall(question) for w in raw.split("-") if w]
    folded = [fold(w) for w in words]
    stems = _stemmer().stemWords(folded)
    return [_Token(w, f, s, w[:1].isupper()) for w, f, s in zip(words, folded, stems)]


def _mentions(spec: _Label, tokens: list[_Token], cased: bool) -> dict[int, int]:
    """Question word position -> how strongly it names the speaker (0: not at all, omitted)."""
    found: dict[int, int] = {}
    n = len(spec.words)
    for i in range(len(tokens) - n + 1):  # the whole label, as one phrase
        if n and all(tokens[i + j].folded == spec.words[j] for j in range(n)):
            if spec.talk_word and tokens[i].raw != spec.talk_word:
                continue
            found.update((i + j, _NAME) for j in range(n))
    if spec.mark.isalpha():
        for i, t in enumerate(tokens[1:], 1):
            if t.raw == spec.mark:
                found.setdefault(i, _SURNAME)
    if spec.stems and not spec.talk_word:
        hits = [i for i, t in enumerate(tokens) if t.stem in spec.stems]
        if {tokens[i].stem for i in hits} == spec.stems:
            found.update((i, max(found.get(i, 0), _NAME)) for i in hits)
    for p, part in enumerate(spec.parts):
        surname = p == len(spec.parts) - 1
        for i, t in enumerate(tokens):
            if (t.capital or not cased) and same_name(part, t.folded, fuzzy=t.capital):
                found[i] = max(found.get(i, 0), _SURNAME if surname else _OTHER_PART)
    return found


@dataclass(frozen=True)
class NamedSpeakers:
    """The speakers a question names, first-mentioned first, and the question words that name them."""

    speakers: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()  # lower-cased question words


def named_speakers(question: str, speakers: Sequence[str]) -> NamedSpeakers:
    """The known `speakers` that `question` names (see the module docstring for what names whom)."""
    tokens = _tokens(question)
    cased = any(t.capital for t in tokens[1:])
    mentions = {s: m for s in dict.fromkeys(speakers) if s.strip() and (m := _mentions(_label(s), tokens, cased))}
    score = {s: sum(m.values()) for s, m in mentions.items()}
    first: dict[str, int] = {}
    words: set[str] = set()
    for i, token in enumerate(tokens):
        claims = [s for s, m in mentions.items() if i in m]
        if not claims:
            continue
        best = max(score[s] for s in claims)
        winners = [s for s in claims if score[s] == best]
        if len(winners) > AMBIGUOUS:
            continue
        words.add(token.raw.lower())
        for s in winners:
            first.setdefault(s, i)
    order = sorted(first, key=lambda s: first[s])  # stable: speakers named by one word keep their given order
    return NamedSpeakers(tuple(order), frozenset(words))
