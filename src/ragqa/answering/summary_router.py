"""Which questions ask for a whole-transcript answer (a summary, the decisions, the action items,
everything someone said about something), in English, Italian and Russian, and their focus."""
from __future__ import annotations

import re

_WHOLE = re.compile(
    r"\b(summar\w*|sum up|recap|overview|gist|main points|key points|what (was|were|did they) (decided|agreed)|"
    r"decisions?|action items?|next steps|to-?dos?|everything .+ said|"
    r"riassu\w*|riepilog\w*|sintesi|sintetizza|punti principali|(cosa|che cosa) (è stato|hanno) decis\w*|decisioni|"
    r"azioni da|prossimi passi|tutto (ciò )?(quello )?che .+ (ha detto|ha dichiarato)|"
    r"резюм\w*|кратко\w*|подыт\w*|итог\w*|основные (моменты|тезисы)|(что|какие) .*реш\w*|решени\w*|"
    r"поручени\w*|следующие шаги|вс[её],? что .+ (сказал|говорил))",
    re.IGNORECASE)
_FOCUS = re.compile(r"\b(about|on|regarding|concerning|su|sul|sulla|sui|sugli|sulle|riguardo a|о|об|про|по поводу)\s+"
                    r"(?P<focus>.+?)[?.!]*$", re.IGNORECASE)


def summary_request(question: str) -> tuple[bool, str | None]:
    """(True, focus or None) when `question` asks for a whole-transcript answer, else (False, None)."""
    if not _WHOLE.search(question):
        return False, None
    match = _FOCUS.search(question)
    return True, (match.group("focus").strip() if match else None)
