"""Which known speaker a question is about ("What did Tokayev say about investments?").

Names are compared case-insensitively after folding accents and transliterating Cyrillic, so
"tokayev", "Tokayev's", "Токаева" and "Tokaev" all find "Kassym-Jomart Tokayev". Titles and roles in
a speaker label ("President of Russia Vladimir Putin", "Hon. Bill Morneau") are not name parts;
role-only labels ("Project Manager", "Grad E") match only when the whole label appears.
"""
from __future__ import annotations

import re
import unicodedata

from ..language import STOPWORDS

# Title, role and office words: never a person's name on their own.
_ROLE_WORDS = frozenset("""
    mr mrs ms miss dr prof professor sir madam hon honourable honorable right rt the acting chair chairman
    chairwoman chairperson president vice prime minister deputy secretary general director chief executive
    officer head governor mayor senator ambassador minister's aide adviser advisor presidential assistant
    member speaker moderator host guest interviewer interviewee audience participant question response
    remark answer unknown narrator grad phd postdoc student undergrad project manager marketing industrial
    designer user interface of for and federal central bank service staff armed forces russian russia
    republic state national council committee commissioner ombudsperson healthcare economic development
    """.split())
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїў",
                     "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya ye i yi u"
                     .split()))
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b|['’]\B", re.IGNORECASE)
_STOP = frozenset().union(*STOPWORDS.values())


def fold(text: str) -> str:
    """Casefolded, accent-free, Latin-script form of a name or text."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(_CYRILLIC.get(ch, ch) for ch in text).replace("_", "")


def name_parts(label: str) -> list[str]:
    """Folded name parts of a speaker label: its last two non-role words, hyphenated names also split
    ("Kassym-Jomart Tokayev" -> kassym-jomart, kassym, jomart, tokayev). The surname comes last."""
    words = [fold(w) for w in _TOKEN.findall(label)]
    words = [w for w in words if len(w) >= 3 and w not in _ROLE_WORDS and w not in _STOP]
    parts: list[str] = []
    for word in words[-2:]:
        if "-" in word:
            parts.extend(p for p in word.split("-") if len(p) >= 3)
        parts.append(word)
    return parts


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def same_name(part: str, token: str) -> bool:
    """Does question token `token` name `part` (exactly, inflected, or transliterated differently)?"""
    if token == part:
        return True
    if len(part) < 4 or token[:1] != part[:1]:
        return False
    tolerance = 1 if len(part) >= 5 else 0
    for cut in range(0, 3):  # inflection endings: Putina, Putinym, Tokayeva
        stem = token[:len(token) - cut] if cut else token
        if len(stem) >= 4 and _distance(part, stem) <= tolerance:
            return True
    return False


def _specific_enough(label: str, question: str) -> bool:
    """A one-word role label ("Marketing", "Question") counts only when capitalised in the question."""
    words = _TOKEN.findall(label)
    if len(words) != 1 or fold(words[0]) not in _ROLE_WORDS:
        return True
    return re.search(rf"\b{re.escape(words[0][:1].upper() + words[0][1:].lower())}\b", question) is not None


def detect_speakers(question: str, speakers: list[str], limit: int = 3) -> list[str]:
    """Known speakers the question names, the first-mentioned person first; [] when none or when the
    mention is too ambiguous (more than `limit` speakers fit it)."""
    text = _POSSESSIVE.sub("", question)
    tokens = [fold(t) for t in _TOKEN.findall(text)]
    tokens = [t for t in tokens if len(t) >= 3 and t not in _STOP]
    flat = [p for t in tokens for p in ([t] + (t.split("-") if "-" in t else []))]
    folded_question = " " + " ".join(fold(w) for w in _TOKEN.findall(text)) + " "
    found: list[tuple[int, int, str]] = []  # (position of first mention, -score, speaker)
    for speaker in speakers:
        if not speaker.strip():
            continue
        score, position = 0, len(flat) + 1
        label = " " + " ".join(fold(w) for w in _TOKEN.findall(speaker)) + " "
        if label.strip() and label in folded_question and _specific_enough(speaker, text):
            score += 3
            first = label.split()[0]
            position = min(position, next((i for i, t in enumerate(flat) if t == first), position))
        parts = name_parts(speaker)
        for p, part in enumerate(parts):
            hits = [i for i, token in enumerate(flat) if same_name(part, token)]
            if hits:
                score += 2 if p == len(parts) - 1 else 1
                position = min(position, hits[0])
        if score:
            found.append((position, -score, speaker))
    if not found:
        return []
    first = min(pos for pos, _, _ in found)
    best = min(neg for pos, neg, _ in found if pos == first)
    chosen = [speaker for pos, neg, speaker in found if pos == first and neg == best]
    return chosen if len(chosen) <= limit else []
