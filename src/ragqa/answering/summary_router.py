"""Which questions ask for a whole-transcript answer (a summary, the decisions, the action items,
everything someone said about something), in English, Italian and Russian, and their focus."""
from __future__ import annotations

import re
from typing import Any

from ..types import Answer, Hit

_WHOLE = re.compile(
    r"\b(summar\w*|sum up|recap|overview|gist|main points|key points|what (was|were|did they) (decided|agreed)|"
    r"decisions?|action items?|next steps|to-?dos?|"
    r"riassu\w*|riepilog\w*|sintesi|sintetizza|punti principali|(cosa|che cosa) (è stato|hanno) decis\w*|decisioni|"
    r"azioni da|prossimi passi|"
    r"резюм\w*|кратко\w*|подыт\w*|итог\w*|основные (моменты|тезисы)|(что|какие) .*реш\w*|решени\w*|"
    r"поручени\w*|следующие шаги)",
    re.IGNORECASE)
# "everything X said (about Y)": a whole-transcript question whose focus, "X said (about Y)", keeps the speaker
_SAID = re.compile(r"\beverything (?:that )?(?P<said>.+ said\b.*?)[?.!]*$|"
                   r"\btutto (?:ciò )?(?:quello )?che (?P<detto>.+ ha (?:detto|dichiarato)\b.*?)[?.!]*$|"
                   r"\bвс[её],? что (?P<skazal>.+ (?:сказал|говорил)\w*.*?)[?.!]*$", re.IGNORECASE)
_FOCUS = re.compile(r"\b(about|on|regarding|concerning|su|sul|sulla|sui|sugli|sulle|riguardo a|о|об|про|по поводу)\s+"
                    r"(?P<focus>.+?)[?.!]*$", re.IGNORECASE)


def summary_request(question: str) -> tuple[bool, str | None]:
    """(True, focus or None) when `question` asks for a whole-transcript answer, else (False, None).
    The focus of "everything X said about Y" keeps the speaker: "X said about Y"."""
    said = _SAID.search(question)
    if said:
        return True, next(g for g in said.groups() if g).strip()
    if not _WHOLE.search(question):
        return False, None
    match = _FOCUS.search(question)
    return True, (match.group("focus").strip() if match else None)


_PICK_TOP = 3  # transcripts the answer offers when a whole-transcript question names none of several
_PICK = {
    "en": ("This asks about a whole transcript, and the index holds {n}. The closest to the question:\n{items}\n"
           "Pick one (the transcript filter, or `ragqa summarize ID`) and ask again to get its summary."),
    "it": ("La domanda riguarda un'intera trascrizione e l'indice ne contiene {n}. Le più vicine alla domanda:\n"
           "{items}\nScegline una (il filtro per trascrizione, o `ragqa summarize ID`) e chiedi di nuovo."),
    "ru": ("Вопрос касается всей стенограммы, а в индексе их {n}. Ближайшие к вопросу:\n{items}\n"
           "Выберите одну (фильтр по стенограмме или `ragqa summarize ID`) и спросите снова."),
}


def pick_transcript(index: Any, question: str, focus: str | None) -> Answer:
    """The answer to a whole-transcript question over several transcripts: the few most relevant to
    it (by their best passage, each cited) and how to summarize one of them."""
    from ..language import detect_language

    best: dict[str, Hit] = {}
    for hit in index.search(focus or question, k=30):
        best.setdefault(hit.transcript_id, hit)
    top = list(best.values())[:_PICK_TOP]
    items = "\n".join(f"{n}. {h.title} (id {h.transcript_id}) [{n}]" for n, h in enumerate(top, start=1))
    template = _PICK.get(detect_language(question), _PICK["en"])
    citations = [h.cited_as(n) for n, h in enumerate(top, start=1)]
    return Answer(text=template.format(n=len(index.manifest.transcripts), items=items), citations=citations)
