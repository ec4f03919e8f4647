"""A weekly slot typed in one message, in the person's language or in English."""

from __future__ import annotations

import pytest

from conversations.inputs import Refusal
from conversations.slot_text import SLOT_EXAMPLE, SLOT_HOURS, parse_slot, read_slot

TUESDAY = 1


@pytest.mark.parametrize(
    ("text", "lang", "slot"),
    [
        ("Tue 17:30", "en", (TUESDAY, "17:30")),
        ("tuesday 5:30pm", "en", (TUESDAY, "17:30")),
        ("on Tuesdays at 5 p.m.", "en", (TUESDAY, "17:00")),
        ("THURS 6pm", "en", (3, "18:00")),
        ("Sun 12pm", "en", (6, "12:00")),
        ("Di 17:30", "de", (TUESDAY, "17:30")),
        ("Di. 17.30", "de", (TUESDAY, "17:30")),
        ("Dienstag 17.30", "de", (TUESDAY, "17:30")),
        ("dienstags um 17 Uhr", "de", (TUESDAY, "17:00")),
        ("Sa., 10.15.", "de", (5, "10:15")),
        ("Tue 17:30", "de", (TUESDAY, "17:30")),  # English as a fallback
        ("mar. 17h30", "fr", (TUESDAY, "17:30")),
        ("mardi 17:30", "fr", (TUESDAY, "17:30")),
        ("Mardi à 17 h", "fr", (TUESDAY, "17:00")),
        ("MERCREDI 18H", "fr", (2, "18:00")),
        ("jeudi 18h05", "fr", (3, "18:05")),
        ("martes a las 17:30", "es", (TUESDAY, "17:30")),
        ("martedì alle 17", "it", (TUESDAY, "17:00")),
        ("wtorek o 17:30", "pl", (TUESDAY, "17:30")),
        ("terça às 17h30", "pt", (TUESDAY, "17:30")),
        ("op dinsdag om 17.30", "nl", (TUESDAY, "17:30")),
        ("di 17u30", "nl", (TUESDAY, "17:30")),  # Belgian Dutch
        ("på tirsdag kl. 17", "da", (TUESDAY, "17:00")),
        ("tirsdage 17", "da", (TUESDAY, "17:00")),  # every Tuesday
        ("sondag 11", "da", (6, "11:00")),  # ø typed as o
        ("الثلاثاء الساعة 17:30", "ar", (TUESDAY, "17:30")),
        ("salı saat 17:30'da", "tr", (TUESDAY, "17:30")),
        ("Sali 17:30", "tr", (TUESDAY, "17:30")),  # ı typed as i
        ("salıları 17", "tr", (TUESDAY, "17:00")),
        ("вівторок о 17:30", "uk", (TUESDAY, "17:30")),
        ("у п'ятницю о 17:30", "uk", (4, "17:30")),  # the form after "у", a typed apostrophe
        ("w środę o 17", "pl", (2, "17:00")),
        ("czwartki 17:30", "pl", (3, "17:30")),  # every Thursday
        ("poniedzialek 17", "pl", (0, "17:00")),  # ł typed as l
        ("todas as terças 17h", "pt", (TUESDAY, "17:00")),
        ("كل ثلاثاء 17:30", "ar", (TUESDAY, "17:30")),
        ("الثلاثاء، ع 17:30", "ar", (TUESDAY, "17:30")),
    ],
)
def test_a_typed_slot_is_read_in_the_persons_language_or_english(
    text: str, lang: str, slot: tuple[int, str]
) -> None:
    assert parse_slot(text, lang) == slot
    assert read_slot(text, lang) == slot


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("tomorrowish", "en"),
        ("", "en"),
        ("Tue", "en"),  # a day without a time
        ("17:30", "en"),  # a time without a day
        ("Tue 25:00", "en"),
        ("Tue 13pm", "en"),
        ("Tue 17:30 18:00", "en"),
        ("Tue Wed 17:30", "en"),
        ("Di 17.30", "en"),  # German only for German speakers
        ("mardi 17h30", "de"),
    ],
)
def test_anything_else_is_not_a_slot(text: str, lang: str) -> None:
    assert parse_slot(text, lang) is None
    assert read_slot(text, lang) == Refusal(SLOT_EXAMPLE)


def test_a_slot_is_between_six_in_the_morning_and_ten_at_night() -> None:
    assert parse_slot("Tue 5:30", "en") == (TUESDAY, "05:30")
    assert read_slot("Tue 5:30", "en") == Refusal(SLOT_HOURS)
    assert read_slot("Sun 12am", "en") == Refusal(SLOT_HOURS)
    assert read_slot("Fr 22:01", "de") == Refusal(SLOT_HOURS)
    assert read_slot("Mo 6:00", "de") == (0, "06:00")
    assert read_slot("ven. 22h", "fr") == (4, "22:00")


def test_an_unknown_language_falls_back_to_english() -> None:
    assert parse_slot("Wed 9:15", "xx") == (2, "09:15")
