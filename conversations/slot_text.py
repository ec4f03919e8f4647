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
# Small words around a day and a time ("on Tuesday at 5pm", "am Dienstag um 17 Uhr", "le mardi à 17h").
FILLERS = frozenset({"at", "on", "every", "um", "am", "jeden", "a", "le", "chaque", "vers"})
TIME = re.compile(
    r"(?<![\w:.])(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?"
    r"\s*(?P<suffix>[ap]\.?\s?m\.?|h|uhr)?(?![\w:])"
)


def parse_slot(text: str, lang: str) -> tuple[int, str] | None:
    """A weekday (0 is Monday) and a time "HH:MM" read from one message, or None."""
    folded = fold(text.replace(",", " ").replace(";", " "))
    times = list(TIME.finditer(folded))
    if len(times) != 1:
        return None
    found = times[0]
    at = _clock(int(found["h"]), int(found["m"] or 0), (found["suffix"] or "").replace(".", ""))
    rest = [w.strip(".") for w in (folded[: found.start()] + " " + folded[found.end() :]).split()]
    words = [w for w in rest if w and w not in FILLERS]
    if at is None or len(words) != 1 or words[0] not in _weekdays(lang):
        return None
    return _weekdays(lang)[words[0]], at


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
            names.setdefault(fold(name).strip("."), set()).add(day)
        for day, name in locale.days[context]["wide"].items():
            wide = fold(name)
            for key in (wide, wide + "s"):
                names.setdefault(key, set()).add(day)
            for end in range(4, len(wide)):
                beginnings.setdefault(wide[:end], set()).add(day)
    return names, beginnings


def _unambiguous(names: dict[str, set[int]]) -> dict[str, int]:
    """A word that could be two days names neither."""
    return {key: min(days) for key, days in names.items() if len(days) == 1}
