"""Translations (gettext catalogues in ``locales/``) and locale-aware formatting (Babel)."""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_decimal

import locales

DOMAIN = "tandem"
LOCALE_DIR = Path(locales.__file__).parent


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@cache
def shipped_locales() -> tuple[str, ...]:
    """Locales with a compiled catalogue, English (the source language) first."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    found.add("en")
    return ("en", *sorted(found - {"en"}))


def negotiate(*candidates: str | None, default: str = "en") -> str:
    """The first candidate we ship a catalogue for (``de-AT`` matches ``de``), else the default."""
    available = shipped_locales()
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("-", "_")
        if code in available:
            return code
        base = code.split("_", 1)[0].lower()
        if base in available:
            return base
    return default if default in available else "en"


def language_name(code: str) -> str:
    """A language's name in that language ("Deutsch", "français"), capitalised for buttons."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@cache
def _catalogue(code: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True)


AT = N_("{date} at {time}")  # a day and a time of day


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything a reader-facing text needs: their language and their time zone."""

    locale: str
    zone: ZoneInfo

    def __call__(self, message: str, **fields: object) -> str:
        text = _catalogue(self.locale).gettext(message)
        return text.format(**fields) if fields else text

    def plural(self, singular: str, plural: str, n: int, **fields: object) -> str:
        text = _catalogue(self.locale).ngettext(singular, plural, n)
        return text.format(n=n, **fields)

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        return format_datetime(value, format, tzinfo=self.zone, locale=self.locale)

    def date(self, value: dt.date | dt.datetime, format: str = "medium") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format, locale=self.locale)

    def time(self, value: dt.datetime, format: str = "short") -> str:
        return format_time(value, format, tzinfo=self.zone, locale=self.locale)

    def day(self, value: dt.date) -> str:
        """A day on a button: "Wed, Mar 4", "Mi., 4. März", "mer. 4 mars"."""
        return format_skeleton("MMMEd", value, locale=self.locale)

    def moment(self, value: dt.datetime) -> str:
        """A meeting's day and time in full: "Wednesday, March 4, 2026 at 10:30 AM"."""
        day = format_date(value.astimezone(self.zone).date(), "full", locale=self.locale)
        return self(AT, date=day, time=self.time(value))

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)
