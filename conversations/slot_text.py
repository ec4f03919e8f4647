"""A weekly slot typed in one message ("Tue 17:30", "Dienstag 17.30", "mardi 17h30"): the weekday in
the person's language or in English, and a time of day between 06:00 and 22:00."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from bot.i18n import N_
from bot.rules import fold
from conversations.inputs import Refusal

EARLIEST, LATEST = "06:00", "22:00"
SLOT_EXAMPLE = N_("Tap a day, or type a day and a time, for example: Tue 17:30.")
SLOT_HOURS = N_("Please choose a time between 6:00 and 22:00, for example: Tue 17:30.")
# Small words around a day and a time, folded ("on Tuesday at 5pm", "am Dienstag um 17 Uhr", "le
# mardi à 17h", "il martedì alle 17", "op dinsdag om 17.30", "på tirsdag kl. 17", "salı saat 17:30'da").
FILLERS = frozenset(
    {
        *("at", "on", "every"),
        *("um", "am", "jeden"),
        *("a", "le", "chaque", "vers"),
        *("il", "alle", "ogni", "ore", "verso", "dalle"),
        *("om", "op", "elke", "rond", "tegen", "uur"),
        *("pa", "kl", "klokken", "hver"),
        *("saat", "her", "gunu", "da", "de", "ta", "te"),  # Turkish: "17:30'da", at 17:30
        *("las", "el", "los", "cada", "sobre", "todos", "hacia"),
        *("as", "ao", "aos", "o", "os", "na", "no", "nas", "nos", "pelas", "pelo", "todas", "volta", "perto"),
        *("w", "we", "co", "kazdy", "kazda", "godz"),
        *("об", "о", "у", "в", "кожен", "кожного", "кожну", "щотижня", "год"),
        *("الساعة", "الساعه", "كل", "يوم", "في", "على", "ع", "عند"),
    }
)
TIME = re.compile(
    r"(?<![\w:.])(?P<h>\d{1,2})(?:\s*[:.hu]\s*(?P<m>\d{2}))?"  # "17u30": Belgian Dutch
    r"\s*(?P<suffix>[ap]\.?\s?m\.?|h|uhr|u)?(?![\w:])"
)
INNER_APOSTROPHE = re.compile(r"(?<=[^\W\d])['’ʼ](?=[^\W\d])")  # "п'ятниця" as "пятниця"
# Endings of a day's name said of every week: "dienstags", Danish "tirsdage", Turkish "salıları".
EVERY_WEEK = ("s", "e", "en", "lari", "leri")


def parse_slot(text: str, lang: str) -> tuple[int, str] | None:
    """A weekday (0 is Monday) and a time "HH:MM" read from one message, or None."""
    folded = INNER_APOSTROPHE.sub("", fold(re.sub("[,;،]", " ", text)))
    times = list(TIME.finditer(folded))
    if len(times) != 1:
        return None
    found = times[0]
    at = _clock(int(found["h"]), int(found["m"] or 0), (found["suffix"] or "").replace(".", ""))
    rest = [w.strip(".'’") for w in (folded[: found.start()] + " " + folded[found.end() :]).split()]
    words = [w for w in rest if w and w not in FILLERS]
    if at is None or len(words) != 1:
        return None
    day = _day(words[0], _weekdays(lang))
    return None if day is None else (day, at)


def _day(word: str, weekdays: dict[str, int]) -> int | None:
    """The day a word names; else the day whose name it begins like, in four letters or more: a
    declined form ("środę", "п'ятницю" after "w"/"у"), or a plural ("czwartki", "terças")."""
    if word in weekdays:
        return weekdays[word]
    for end in range(len(word) - 1, 3, -1):
        if word[:end] in weekdays:
            return weekdays[word[:end]]
    return None


def read_slot(text: str, lang: str) -> tuple[int, str] | Refusal:
    """A typed slot within the day's hours, or the hint to show with the question again."""
    slot = parse_slot(text, lang)
    if slot is None:
        return Refusal(SLOT_EXAMPLE)
    if not EARLIEST <= slot[1] <= LATEST:
        return Refusal(SLOT_HOURS)
    return slot


def _clock(hour: int, minute: int, suffix: str) -> str | None:
    if suffix.replace(" ", "") in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


@lru_cache(maxsize=16)
def _weekdays(lang: str) -> dict[str, int]:
    """Folded day names, the person's language before English: wide, abbreviated and plural
    ("dienstags") names, then the first four or more letters of a wide name ("tues", "donn")."""
    found: dict[str, int] = {}
    for code in dict.fromkeys((lang, "en")):
        names, beginnings = _names(code)
        for key, day in (*_unambiguous(names).items(), *_unambiguous(beginnings).items()):
            found.setdefault(key, day)
    return found


def _names(code: str) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    names: dict[str, set[int]] = {}
    beginnings: dict[str, set[int]] = {}
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return names, beginnings
    for context in ("format", "stand-alone"):
        for day, name in locale.days[context]["abbreviated"].items():
            names.setdefault(INNER_APOSTROPHE.sub("", fold(name)).strip("."), set()).add(day)
        for day, name in locale.days[context]["wide"].items():
            wide = INNER_APOSTROPHE.sub("", fold(name))
            # Arabic names carry the article, which "every Tuesday" leaves out: "كل ثلاثاء".
            for key in (wide, wide.removeprefix("ال"), *(wide + ending for ending in EVERY_WEEK)):
                names.setdefault(key, set()).add(day)
            for end in range(4, len(wide)):
                beginnings.setdefault(wide[:end], set()).add(day)
    return names, beginnings


def _unambiguous(names: dict[str, set[int]]) -> dict[str, int]:
    """A word that could be two days names neither."""
    return {key: min(days) for key, days in names.items() if len(days) == 1}
