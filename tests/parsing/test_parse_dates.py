"""Dates in six languages and opening datelines."""
from __future__ import annotations

import pytest

from ragqa.parsing.dates import Dateline, find_date, parse_date, parse_dateline


@pytest.mark.parametrize(("text", "iso"), [
    ("Dushanbe, 10 ottobre 2025 – Il presidente", "2025-10-10"),
    ("on 1 March 2014 in Moscow", "2014-03-01"),
    ("October 10, 2025", "2025-10-10"),
    ("Sept. 3rd, 2019", "2019-09-03"),
    ("Душанбе, 10 октября 2025 года", "2025-10-10"),
    ("1 январь 2020", "2020-01-01"),
    ("Paris, le 1er août 2018", "2018-08-01"),
    ("Berlin, 10. Oktober 2025", "2025-10-10"),
    ("3 März 2021", "2021-03-03"),
    ("Madrid, 10 de octubre de 2025", "2025-10-10"),
    ("2011-05-20T10:00:00", "2011-05-20"),
    ("10.10.2025", "2025-10-10"),
    ("05/04/2020", "2020-04-05"),  # day first
    ("10/25/2025", "2025-10-25"),  # month first is the only valid reading
])
def test_parse_date(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["31 febbraio 2025", "10:30", "nel 2025", "32/13/2020", ""])
def test_no_valid_date(text: str) -> None:
    assert parse_date(text) is None


def test_find_date_gives_offsets_of_the_earliest_date() -> None:
    text = "Moscow, 2020-01-02; later 5 May 2021"
    assert find_date(text) == ("2020-01-02", 8, 18)


def test_seed_dateline() -> None:
    paragraph = ("Dushanbe, 10 ottobre 2025 – Il presidente russo Vladimir Putin ha incontrato il presidente "
                 "kazako Kassym-Jomart Tokayev a margine del vertice della CSI.")
    assert parse_dateline(paragraph) == Dateline(
        date="2025-10-10", place="Dushanbe",
        summary="Il presidente russo Vladimir Putin ha incontrato il presidente kazako Kassym-Jomart "
                "Tokayev a margine del vertice della CSI.")


@pytest.mark.parametrize(("paragraph", "expected"), [
    ("Ново-Огарёво, 5 июня 2020 года. Владимир Путин провёл совещание.",
     Dateline("2020-06-05", "Ново-Огарёво", "Владимир Путин провёл совещание.")),
    ("10 October 2025, Moscow – The President met the Government.",
     Dateline("2025-10-10", "Moscow", "The President met the Government.")),
    ("October 10, 2025", Dateline("2025-10-10", None, "")),
])
def test_other_datelines(paragraph: str, expected: Dateline) -> None:
    assert parse_dateline(paragraph) == expected


@pytest.mark.parametrize("paragraph", [
    "Il vertice della CSI si è svolto a Dushanbe il 10 ottobre 2025.",
    "On 10 October 2025 the President met the Government.",
    "Good afternoon. We met on 10 October 2025 – as agreed.",
    "No date in this paragraph at all.",
])
def test_prose_is_not_a_dateline(paragraph: str) -> None:
    assert parse_dateline(paragraph) is None
