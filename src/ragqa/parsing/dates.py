"""Dates in transcript text: day-month-year in six languages, numeric forms, and datelines.

A dateline is the opening paragraph of a press transcript: "Dushanbe, 10 ottobre 2025 – Il
presidente ..." (place, date, dash, summary).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH_NAMES = {
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "en": "january february march april may june july august september october november december",
    "en_abbr": "jan feb mar apr may jun jul aug sep oct nov dec",
    "ru_gen": "января февраля марта апреля мая июня "
              "июля августа сентября октября ноября декабря",
    "ru_nom": "январь февраль март апрель май июнь "
              "июль август сентябрь октябрь ноябрь декабрь",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "fr_plain": "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
MONTHS: dict[str, int] = {
    name: number
    for names in _MONTH_NAMES.values()
    for number, name in enumerate(names.split(), start=1)
}
MONTHS.update({"sept": 9, "jänner": 1, "maerz": 3, "setiembre": 9})

_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})"
_DATE_PATTERNS = (
    # 10 ottobre 2025, 10. Oktober 2025, 1er octobre 2025, 10 de octubre de 2025, 10 октября 2025 года
    re.compile(rf"\b{_DAY}(?:er|st|nd|rd|th|º|°)?\.?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+|del\s+)?{_YEAR}"
               r"(?:\s*(?:года|г\.))?(?!\d)", re.IGNORECASE),
    # October 10, 2025
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    # 2025-10-10
    re.compile(rf"\b{_YEAR}-(?P<mnum>\d{{1,2}})-{_DAY}(?!\d)"),
    # 10.10.2025, 10/10/2025, 10-10-2025 (day first)
    re.compile(rf"\b{_DAY}[./-](?P<mnum>\d{{1,2}})[./-]{_YEAR}(?!\d)"),
)
_SEPARATOR = re.compile(r"^\s*[–—―-]+\s*|^\s*[.:,;]\s*")
_PLACE_AFTER = re.compile(r"^,\s*(?P<place>[^,.\n–—-]{1,40}?)\s*(?=[–—―-]|$)")
_MAX_PLACE_WORDS = 6


@dataclass(frozen=True)
class Dateline:
    """What an opening dateline paragraph says."""

    date: str  # ISO 8601
    place: str | None
    summary: str


def find_date(text: str) -> tuple[str, int, int] | None:
    """The earliest valid date in `text` as (ISO date, start offset, end offset), or None."""
    found: list[tuple[int, int, str]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            iso = _to_iso(match)
            if iso:
                found.append((match.start(), match.end(), iso))
                break
    if not found:
        return None
    start, end, iso = min(found)
    return iso, start, end


def parse_date(text: str) -> str | None:
    """The first date in `text` as YYYY-MM-DD, or None."""
    found = find_date(text)
    return found[0] if found else None


def parse_dateline(paragraph: str) -> Dateline | None:
    """Read "Place, date – summary" (place optional) from an opening paragraph, or None."""
    found = find_date(paragraph[:200])
    if not found:
        return None
    iso, start, end = found
    prefix = paragraph[:start].rstrip()
    place: str | None = prefix.rstrip(",").strip() or None
    if place is not None and not (prefix.endswith(",") and _plausible_place(place)):
        return None
    after = paragraph[end:]
    if place is None:
        tail = _PLACE_AFTER.match(after)
        if tail:
            place = tail.group("place").strip()
            after = after[tail.end():]
    separator = _SEPARATOR.match(after)
    if not separator and after.strip():
        return None
    summary = after[separator.end():].strip() if separator else ""
    return Dateline(date=iso, place=place, summary=summary)


def _plausible_place(place: str) -> bool:
    words = place.split()
    return len(words) <= _MAX_PLACE_WORDS and words[0][0].isupper() and not any(c in place for c in ".!?:;\n")


def _to_iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["mnum"])
    day, year = int(groups["day"]), int(groups["year"])
    day_first = not match.group(0)[:4].isdigit()
    if not groups.get("month") and day_first and month > 12 >= day:  # 10/25/2025: clearly month first
        day, month = month, day
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
