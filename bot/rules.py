"""The programme's own rules, from one TOML file validated at start-up.

Deployment settings (token, database, framework) come from ``TANDEM_*`` variables; what a
programme decides (its name, places, the digital-consent age, required mentor checks, ...) lives
here, so a coordinator can read and change it without touching code. A mistake stops start-up
with one line naming the file and the key.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config import ConfigError, read_model
from bot.i18n import region_of

DEFAULT_FILE = "programme.toml"  # shipped next to this module; `tandem demo` runs on it


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Strict):
    """A named area (a district, a town): where someone lives, never a street address."""

    name: str = Field(min_length=1, max_length=60)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class _Named(_Strict):
    """Something people read the name of, in their language: English is required."""

    name: dict[str, str]  # per language

    @field_validator("name")
    @classmethod
    def _english(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en"):
            raise ValueError("needs at least an English name (en = ...)")
        return value

    def label(self, locale: str) -> str:
        return self.name.get(locale) or self.name.get(locale.split("_")[0]) or self.name["en"]


class CheckRule(_Named):
    """A check every mentor needs before meeting a young person, and how long it stays valid."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    valid_months: int | None = Field(default=None, ge=1, le=240)  # None: does not expire


class MatchingWeights(_Strict):
    """How much each criterion counts in a pair's score (points; the defaults sum to about 150)."""

    distance: float = Field(default=30, ge=0, le=100)  # near home, within the mentor's radius
    field: float = Field(default=25, ge=0, le=100)  # the learner's field among the mentor's
    help: float = Field(default=15, ge=0, le=100)  # what the learner wants help with, offered
    interests: float = Field(default=10, ge=0, le=100)
    languages: float = Field(default=10, ge=0, le=100)  # any shared language
    home_language: float = Field(default=30, ge=0, le=100)  # the learner's own, if not the programme's
    preferences: float = Field(default=15, ge=0, le=100)  # the mentor the learner asked for
    availability: float = Field(default=20, ge=0, le=100)  # share of the learner's times in common
    capacity: float = Field(default=5, ge=0, le=100)  # less for a mentor's second and third learner


class HelpLine(_Named):
    """A service a learner can call or write to at once (shown with an urgent safety concern)."""

    phone: str | None = Field(default=None, min_length=1, max_length=40)
    url: str | None = Field(default=None, min_length=1, max_length=200)
    hours: str | None = Field(default=None, min_length=1, max_length=80)  # "24/7", "Mo–Sa 14:00–20:00"


class EscalationRules(_Strict):
    """How fast a concern must be picked up before it is sent again, and then to the lead."""

    urgent_minutes: int = Field(default=30, ge=5, le=24 * 60)  # an urgent alert unacknowledged this long
    normal_hours: int = Field(default=24, ge=1, le=24 * 14)  # any other alert
    follow_up_days: int = Field(default=3, ge=1, le=30)  # acknowledged but not resolved: a reminder
    lead_chat_id: int | None = None  # the programme lead's Telegram chat: the second escalation


class ContactRules(_Strict):
    """Per age band of the pair's learner: "relay", they write to each other only through the bot;
    "direct", they may also exchange their Telegram chats once both agreed (/direct)."""

    under_18: Literal["relay", "direct"] = "relay"
    adults: Literal["relay", "direct"] = "direct"


class RelayRules(_Strict):
    """What the people of a pair write to each other through the bot (/msg)."""

    # In the recipient's own time zone: what is written from ``quiet_from`` waits until ``quiet_until``.
    quiet_from: str = Field(default="21:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    quiet_until: str = Field(default="07:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    per_hour: int = Field(default=20, ge=1, le=500)  # messages one person may send within an hour
    contact: ContactRules = Field(default_factory=ContactRules)


class ExpenseRules(_Strict):
    """Mentors' expenses (/expenses): what a claim may be, and what is kept when a mentor leaves."""

    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")  # ISO 4217
    # A mentor's claims in one month (by the day spent) above this: mentor and coordinators are warned.
    monthly_cap: float | None = Field(default=None, gt=0, le=100_000)
    largest: float = Field(default=500, gt=0, le=1_000_000)  # one claim above this is refused as a typo
    receipt_required: bool = True  # False: "No receipt" is offered
    # On erasure: True keeps approved claims (amount, day, category, receipt, the mentor's name) for
    # the finance office's legal retention; False erases every claim with the mentor.
    keep_approved_for_finance: bool = False

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in Locale("en").currencies:
            raise ValueError(f"unknown currency {value!r} (ISO 4217, e.g. EUR, CHF, GBP)")
        return value


DEFAULT_AREA = "main"  # the one area of a programme that lists none; where existing data lives


class Area(_Named):
    """A part of the programme (a region, a city) with coordinators of its own: they see its
    people, pairs and cases only. ``group_chat_id``: its coordinators' group until one is chosen
    with /setup; ``lead_chat_id``: who gets its overdue alerts (else the programme's lead)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    group_chat_id: int | None = None
    lead_chat_id: int | None = None


class ClosureRules(_Strict):
    """How long a pair runs, when both are asked about its end, and what contact is allowed after."""

    planned_months: int = Field(default=12, ge=1, le=60)  # from the start of the weekly mentoring
    ask_weeks_before: int = Field(default=4, ge=1, le=12)  # close as planned, or extend?
    extend_months: int = Field(default=6, ge=1, le=24)  # what one agreed extension adds
    # After the end: "none" (no private contact), "programme" (through the programme only),
    # "free" (as both wish). Told to both at every closure.
    contact_after: Literal["none", "programme", "free"] = "programme"


class ProgrammeRules(_Strict):
    # One name for every language, or a table per language (English required), as checks have.
    name: str | dict[str, str] = Field(default="Tandem", min_length=1)
    # What the programme is, per language code; the shipped gettext text when a language is missing.
    about: dict[str, str] = Field(default_factory=dict)
    # How someone without an invite gets one (an e-mail address, a web page), shown after /start.
    contact: str = Field(default="", max_length=200)
    timezone: str | None = None  # the programme's zone; TANDEM_TIMEZONE when not set
    timezones: tuple[str, ...] = ()  # also offered when someone changes their own zone
    # The country the programme is in (ISO 3166, "DE"): dates and times follow its customs in
    # every language (English in Germany: 24/12/2026, 23:00). None: the country of the time zone.
    region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    digital_consent_age: int = Field(default=16, ge=13, le=18)  # GDPR art. 8: 13-16 by country
    places: tuple[Place, ...] = ()
    mentor_checks: tuple[CheckRule, ...] = ()  # required before a mentor is matched
    language: str = Field(default="de", pattern=r"^[a-z]{2,3}$")  # what the programme speaks
    holidays: tuple[str, ...] = ()  # "2026-12-24" or "2026-12-21..2027-01-06": no sessions then
    matching: MatchingWeights = Field(default_factory=MatchingWeights)
    reflection_every_weeks: int = Field(default=2, ge=1, le=8)  # a reflection question after a check-in
    relationship_check_weeks: int = Field(default=4, ge=3, le=12)  # both of a pair rate their relationship
    escalation: EscalationRules = Field(default_factory=EscalationRules)
    help_lines: tuple[HelpLine, ...] = ()  # shown at once to a learner with an urgent safety concern
    relay: RelayRules = Field(default_factory=RelayRules)
    expenses: ExpenseRules = Field(default_factory=ExpenseRules)
    # The programme's areas; none listed: one area, DEFAULT_AREA, and every coordinator sees all.
    # The first listed is the default one: people recorded in no listed area belong to it.
    areas: tuple[Area, ...] = ()
    closure: ClosureRules = Field(default_factory=ClosureRules)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        names = value.values() if isinstance(value, dict) else (value,)
        if isinstance(value, dict) and not value.get("en"):
            raise ValueError("needs at least an English name (en = ...)")
        if any(not n.strip() or len(n) > 80 for n in names):
            raise ValueError("a name has 1 to 80 characters")
        return value

    def name_in(self, locale: str) -> str:
        """The programme's name as a reader of ``locale`` reads it ("de_AT" takes "de")."""
        if isinstance(self.name, str):
            return self.name
        return self.name.get(locale) or self.name.get(locale.split("_")[0]) or self.name["en"]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            _check_zone(value)
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and value not in Locale("en").territories:
            raise ValueError(f"unknown country code {value!r} (ISO 3166, e.g. DE, FR, GB)")
        return value

    @field_validator("timezones")
    @classmethod
    def _zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for zone in value:
            _check_zone(zone)
        return value

    @model_validator(mode="after")
    def _unique_places(self) -> ProgrammeRules:
        seen: set[str] = set()
        for place in self.places:
            key = fold(place.name)
            if key in seen:
                raise ValueError(f"places: {place.name!r} is listed twice")
            seen.add(key)
        return self

    @field_validator("areas")
    @classmethod
    def _unique_areas(cls, value: tuple[Area, ...]) -> tuple[Area, ...]:
        ids = [area.id for area in value]
        for area_id in ids:
            if ids.count(area_id) > 1:
                raise ValueError(f"area {area_id!r} is listed twice")
        return value

    @field_validator("holidays")
    @classmethod
    def _dates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            first, _, last = entry.partition("..")
            try:
                start, end = date.fromisoformat(first), date.fromisoformat(last or first)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not a date (2026-12-24) or a range (2026-12-21..2027-01-06)"
                ) from None
            if end < start:
                raise ValueError(f"{entry!r} ends before it starts")
        return value

    def is_holiday(self, day: date) -> bool:
        for entry in self.holidays:
            first, _, last = entry.partition("..")
            if date.fromisoformat(first) <= day <= date.fromisoformat(last or first):
                return True
        return False

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)

    # What an area column holds, read as the programme's areas (bot/services/areas.py builds on
    # these for people, pairs and cases; the context routes coordinators' messages by them).

    @property
    def area_ids(self) -> tuple[str, ...]:
        """The programme's area ids, the default first (DEFAULT_AREA alone when none is listed)."""
        return tuple(a.id for a in self.areas) or (DEFAULT_AREA,)

    @property
    def has_areas(self) -> bool:
        """Whether the programme is split into areas at all (else every coordinator sees all)."""
        return len(self.areas) > 1

    def home_area(self, stored: str | None) -> str:
        """A learner's, mentor's or invite's area: an id the programme does not list is its default."""
        first = (stored or "").split(",")[0].strip()
        return first if first in self.area_ids else self.area_ids[0]

    def coordinated(self, stored: str | None) -> frozenset[str] | None:
        """The areas a coordinator's area column gives them; None: all (``*``, or no areas)."""
        listed = [a.strip() for a in (stored or "").split(",") if a.strip()]
        if "*" in listed or not self.has_areas:
            return None
        return frozenset(self.home_area(a) for a in listed) or frozenset(self.area_ids[:1])

    def coordinates(self, stored: str | None, area: str | None) -> bool:
        """Whether a coordinator with this area column sees ``area`` (a stored id, normalised)."""
        seen = self.coordinated(stored)
        return seen is None or self.home_area(area) in seen

    def check(self, check_id: str) -> CheckRule | None:
        return next((c for c in self.mentor_checks if c.id == check_id), None)

    def place(self, typed: str) -> Place | None:
        """The listed place someone typed, forgiving case and accents."""
        key = fold(typed)
        return next((p for p in self.places if fold(p.name) == key), None)

    def nearest_place(self, lat: float, lon: float, within_km: float = 15.0) -> Place | None:
        """The listed place nearest a shared location, if one is close enough to name it."""
        best = min(self.places, key=lambda p: distance_km(lat, lon, p.lat, p.lon), default=None)
        if best is None or distance_km(lat, lon, best.lat, best.lon) > within_km:
            return None
        return best

    def region_for(self, default_zone: str) -> str | None:
        """The region dates follow: the file's, else the country of the programme's time zone."""
        return self.region or region_of(self.timezone or default_zone)

    def zone_choices(self, default_zone: str) -> tuple[str, ...]:
        own = self.timezone or default_zone
        return (own, *(zone for zone in self.timezones if zone != own))


def _check_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc


# Letters that Unicode does not decompose into a base letter and an accent, typed without it on a
# keyboard of another language: "Sondag" for "søndag", "Sali" for "salı", "Lodz" for "Łódź".
_PLAIN_LETTERS = str.maketrans({"ø": "o", "ł": "l", "ı": "i", "đ": "d", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: "Köln " and "koln" are the same place."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN_LETTERS))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def load_rules(path: Path | None = None) -> ProgrammeRules:
    """Read and check a programme file (the shipped example when ``path`` is None)."""
    if path is None:
        source = files("bot").joinpath(DEFAULT_FILE)
        name, text = DEFAULT_FILE, source.read_text(encoding="utf-8")
    else:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{name}: cannot be read ({exc.strerror})") from None
    return read_model(name, text, ProgrammeRules)
