"""Translations (gettext catalogues in ``locales/``) and locale-aware formatting (Babel)."""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.messages.extract import extract_python
from babel.numbers import format_currency, format_decimal

import locales

DOMAIN = "tandem"
# Simple language: per language, shorter versions of the texts a learner meets most, keyed by the
# normal English msgid. A reader who chose it gets these first and the normal catalogue for the rest.
SIMPLE_DOMAIN = "simple"
LOCALE_DIR = Path(locales.__file__).parent


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


# The grammatical genders a text about a person may take, each a gettext context of its msgid.
# Only what people said of themselves counts; "other" and no answer read the neutral msgid.
GENDERS = ("woman", "man")


def G_(message: str) -> str:
    """Mark a text about a person that some languages word by that person's gender ("Deine
    Mentorin", "Dein Mentor"): extracted once plainly and once per context of ``GENDERS``, it is
    shown with ``Translator.gendered``."""
    return message


# What Babel's extractors yield (its own annotation differs): line, keyword, texts, comments.
Extracted = tuple[int, str, Any, list[str]]


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str], options: Any
) -> Iterator[Extracted]:
    """Babel's Python extraction (``pyproject.toml`` names it), where a ``G_`` text also yields
    one message per grammatical gender, as ``pgettext(gender, text)`` would (``tools/i18n.sh``
    passes ``-k G_ -k pgettext:1c,2``)."""
    found = cast(Iterator[Extracted], extract_python(fileobj, keywords, comment_tags, options))
    for lineno, funcname, messages, comments in found:
        yield lineno, funcname, messages, comments
        if funcname == "G_":
            texts = messages if isinstance(messages, tuple) else (messages,)
            for gender in GENDERS:
                yield lineno, "pgettext", (gender, *texts), comments


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


@cache
@lru_cache(maxsize=256)  # babel merges its locale data anew each time: the language keyboard's cost
def language_name(code: str) -> str:
    """A language's name in that language ("Deutsch", "français"), capitalised for buttons."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@cache
def simple_locales() -> tuple[str, ...]:
    """Languages with a compiled simple-language catalogue, in the order of ``shipped_locales``."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{SIMPLE_DOMAIN}.mo")}
    return tuple(code for code in shipped_locales() if code in found)


@cache
def _catalogue(code: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True)


@cache
def simple_catalogue(code: str) -> gettext.NullTranslations:
    """The simple versions for a language; without a catalogue, nothing (every text is normal)."""
    return gettext.translation(SIMPLE_DOMAIN, localedir=LOCALE_DIR, languages=[code], fallback=True)


SIMPLE_CHOICE = N_("{language} (simple)")  # the language step's button for simple language


def simple_label(code: str) -> str:
    """The button for simple language in ``code``, worded in that language: "Deutsch (einfach)"."""
    return _catalogue(code).gettext(SIMPLE_CHOICE).format(language=language_name(code))


AT = N_("{date} at {time}")  # a day and a time of day
LABELLED = N_("{label}: {value}")  # a line of a summary (French: a no-break space before ":")


def region_of(zone: str) -> str | None:
    """The country of a time zone (``Europe/Berlin``: ``DE``), by CLDR; None for ``UTC`` and
    the like."""
    region = get_global("zone_territories").get(zone)
    known = isinstance(region, str) and len(region) == 2 and region.isalpha() and region != "ZZ"
    return region if known else None


@cache
def dates_locale(language: str, region: str | None) -> str:
    """The locale dates and times are written in: the language as written in the programme's
    region where CLDR knows the pairing (English in Germany: 24/12/2026, 23:03; German in Austria:
    Jänner); English elsewhere in Europe as in Britain; else the language's own (English: US)."""
    if not region or "_" in language:
        return language
    try:
        Locale.parse(f"{language}_{region}")
        return f"{language}_{region}"
    except (ValueError, UnknownLocaleError):
        pass
    zones = get_global("territory_zones").get(region, ())
    if language == "en" and any(zone.startswith("Europe/") for zone in zones):
        return "en_GB"
    return language


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything a reader-facing text needs: their language, their time zone, and the
    programme's region, whose customs dates and times follow (``dates_locale``)."""

    locale: str
    zone: ZoneInfo
    region: str | None = None
    simple: bool = False  # the reader chose simple language: its versions first, where written

    def __call__(self, message: str, **fields: object) -> str:
        text = self._simple(message) or _catalogue(self.locale).gettext(message)
        return text.format(**fields) if fields else text

    def gendered(self, message: str, gender: str | None, **fields: object) -> str:
        """A ``G_`` text about someone whose gender is ``gender`` (one of ``GENDERS``, else the
        neutral wording); a language with no gendered wording falls back to its neutral one. A
        reader of simple language reads its simple text, which is neutral."""
        catalogue = _catalogue(self.locale)
        text = self._simple(message)
        if text is None:
            text = catalogue.pgettext(gender, message) if gender in GENDERS else message
        if text == message:
            text = catalogue.gettext(message)
        return text.format(**fields) if fields else text

    def labelled(self, label: str, value: object) -> str:
        """A summary's line, "Field: cars", punctuated as the language wants ("Métier : …")."""
        return self(LABELLED, label=label, value=value)

    def plural(self, singular: str, plural: str, n: int, **fields: object) -> str:
        text = None
        if self.simple:
            found = simple_catalogue(self.locale).ngettext(singular, plural, n)
            text = found if found not in (singular, plural) else None
        text = text or _catalogue(self.locale).ngettext(singular, plural, n)
        return text.format(n=n, **fields)

    def _simple(self, message: str) -> str | None:
        """The simple version of a text, or None where the language has none for it (gettext
        answers a text it does not know with the text itself)."""
        if not self.simple or not message:
            return None
        found = simple_catalogue(self.locale).gettext(message)
        return found if found != message else None

    @property
    def dates(self) -> str:
        """The Babel locale of dates and times (``en_DE`` for English in a German programme)."""
        return dates_locale(self.locale, self.region)

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        return format_datetime(value, format, tzinfo=self.zone, locale=self.dates)

    def date(self, value: dt.date | dt.datetime, format: str = "medium") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format, locale=self.dates)

    def time(self, value: dt.datetime, format: str = "short") -> str:
        return format_time(value, format, tzinfo=self.zone, locale=self.dates)

    def day(self, value: dt.date) -> str:
        """A day on a button: "Wed, Mar 4", "Mi., 4. März", "mer. 4 mars" ("Wed, 4 Mar" in Europe)."""
        return format_skeleton("MMMEd", value, locale=self.dates)

    def moment(self, value: dt.datetime) -> str:
        """A meeting's day and time in full: "Wednesday, 4 March 2026 at 10:30" in a European
        programme, "Wednesday, March 4, 2026 at 10:30 AM" in an American one."""
        day = format_date(value.astimezone(self.zone).date(), "full", locale=self.dates)
        return self(AT, date=day, time=self.time(value))

    def number(self, value: float | int) -> str:
        """In the language's own customs, as typed numbers are read (``conversations/inputs.py``)."""
        return format_decimal(value, locale=self.locale)

    def money(self, cents: int, currency: str) -> str:
        """An amount kept in cents, in the language's customs: "€12.50", "12,50 €"."""
        return format_currency(Decimal(cents) / 100, currency, locale=self.locale)
