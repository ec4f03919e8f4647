"""Steps and answer lists more than one flow asks: one definition each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_, Translator, language_name, shipped_locales, simple_label, simple_locales
from bot.services import consent
from bot.services.people import name_of as name_of
from conversations.flow import Option, Step, StepKind
from conversations.inputs import has_letter

# Languages in their own names, so everyone finds theirs.
SPOKEN = tuple(
    Option(code, label, translate=False)
    for code, label in (
        ("de", "Deutsch"),
        ("en", "English"),
        ("fr", "Français"),
        ("ar", "العربية"),
        ("tr", "Türkçe"),
        ("uk", "Українська"),
        ("ru", "Русский"),
        ("pl", "Polski"),
        ("es", "Español"),
        ("fa", "فارسی"),
    )
)
AVAILABILITY = tuple(
    Option(key, label)
    for key, label in (
        ("weekday_morning", N_("weekday mornings")),
        ("weekday_afternoon", N_("weekday afternoons")),
        ("weekday_evening", N_("weekday evenings")),
        ("saturday", N_("Saturdays")),
        ("sunday", N_("Sundays")),
    )
)

# Fields of work: what a learner trains in, and what a mentor knows. Matching compares the two.
TRADES = tuple(
    Option(key, label)
    for key, label in (
        ("electrical", N_("electrical and electronics")),
        ("metal", N_("metal and mechanics")),
        ("construction", N_("building and woodwork")),
        ("vehicles", N_("cars and vehicles")),
        ("it", N_("IT and computers")),
        ("office", N_("office and administration")),
        ("retail", N_("retail and sales")),
        ("hospitality", N_("hotels, restaurants and cooking")),
        ("care", N_("health and care")),
        ("beauty", N_("hair and beauty")),
        ("logistics", N_("logistics and warehouse")),
        ("green", N_("farming and gardening")),
        ("education", N_("teaching and education")),
    )
)


SIMPLE = ":simple"  # a language step's answer for simple language: "de:simple"


def language_options(ctx: Context) -> tuple[Option, ...]:
    """Every shipped language, then simple language in those that have it (for learners and
    mentors: coordinators' texts have no simple versions): the plain languages keep their places,
    whatever is added after them."""
    plain = tuple(Option(code, language_name(code), translate=False) for code in shipped_locales())
    if ctx.person.role == "coordinator":
        return plain
    simple = tuple(Option(code + SIMPLE, simple_label(code), translate=False) for code in simple_locales())
    return plain + simple


def language_of(answer: Any) -> tuple[str, bool]:
    """A language step's answer as the language's code and whether it is simple language."""
    code = str(answer)
    return code.removesuffix(SIMPLE), code.endswith(SIMPLE)


def language_answer(person: Any) -> str | None:
    """The person's language as the language step's answer (for the review behind /profile)."""
    simple = person.simple_language and person.locale
    return f"{person.locale}{SIMPLE}" if simple else person.locale


def place_options(ctx: Context) -> tuple[Option, ...]:
    return tuple(Option(place.name, place.name, translate=False) for place in ctx.rules.places)


def zone_options(ctx: Context) -> tuple[Option, ...]:
    """The programme's zones, each with its time now, so nobody needs to know the zone's name."""
    options = []
    for zone in ctx.rules.zone_choices(ctx.settings.timezone):
        now = ctx.now.astimezone(ZoneInfo(zone))
        options.append(
            Option(zone, f"{zone.split('/')[-1].replace('_', ' ')} ({now:%H:%M})", translate=False)
        )
    return tuple(options)


def own_zone(ctx: Context) -> str:
    return ctx.person.timezone or ctx.programme_zone


def check_name(value: Any) -> str | None:
    if not isinstance(value, str) or not has_letter(value):
        return N_("A name needs at least one letter. What should I call you?")
    return None


def check_text(value: Any) -> str | None:
    if not isinstance(value, str) or not has_letter(value):
        return N_("Please answer with a few words.")
    return None


async def use_language(ctx: Context, code: Any) -> None:
    """Switch at once, so the next question already comes in the chosen language (simple or not)."""
    language, simple = language_of(code)
    ctx.person.locale, ctx.person.simple_language = language, simple
    ctx.t = Translator(language, ctx.t.zone, ctx.t.region, simple)


async def use_zone(ctx: Context, zone: Any) -> None:
    ctx.person.timezone = None if zone == ctx.programme_zone else str(zone)
    ctx.t = Translator(ctx.t.locale, ZoneInfo(str(zone)), ctx.t.region, ctx.t.simple)


def coarse_place(ctx: Context, answer: Any) -> dict[str, Any] | None:
    """Where someone lives, as stored: a listed place, or a shared point named after the nearest."""
    if isinstance(answer, str):
        place = ctx.rules.place(answer)
        return {"name": place.name, "lat": place.lat, "lon": place.lon} if place else None
    if isinstance(answer, dict) and "lat" in answer and "lon" in answer:
        near = ctx.rules.nearest_place(float(answer["lat"]), float(answer["lon"]))
        return {"lat": answer["lat"], "lon": answer["lon"], "near": near.name if near else None}
    return None


def place_answer(place: Any) -> Any:
    """The stored place as the step's answer again (for the review and /profile)."""
    if isinstance(place, dict) and "lat" not in place:
        return None
    if isinstance(place, dict) and place.get("name"):
        return place["name"]
    return place


LANGUAGE_STEP = Step(
    "language",
    N_("Which language should I use with you?"),
    StepKind.CHOICE,
    options=language_options,
    apply=use_language,
    columns=3,
    label=N_("Language"),
)
NAME_STEP = Step(
    "name",
    N_("What should I call you? (Your first name or a nickname, up to 40 characters.)"),
    StepKind.TEXT,
    max_length=40,
    validate=check_name,
    label=N_("Name"),
)
SPOKEN_STEP = Step(
    "spoken",
    N_("Which languages do you speak? Tap all of them, then “Done”."),
    StepKind.MULTI_CHOICE,
    options=SPOKEN,
    columns=2,
    label=N_("Languages you speak"),
    others_label=N_("Languages spoken"),
)
AVAILABILITY_STEP = Step(
    "availability",
    N_("When could you usually meet? Tap all that fit, then “Done”."),
    StepKind.MULTI_CHOICE,
    options=AVAILABILITY,
    columns=2,
    label=N_("When you can meet"),
    others_label=N_("When they can meet"),
)
NO_CONSENT = N_(
    "Understood: without your agreement I store nothing about you. If you change your mind, send /start."
)
NO_CONSENT_INVITED = N_(
    "Understood: without your agreement I store nothing about you. If you change your mind, open "
    "your invite link again."
)
PLACE_LABEL = N_("Where you live")
# Not asked on the way (the programme's zone fits nearly everyone); shown and changeable in the review.
ZONE_STEP = Step(
    "timezone",
    N_("Which time zone are you in? I show every time in it."),
    StepKind.CHOICE,
    options=zone_options,
    apply=use_zone,
    label=N_("Time zone"),
    ask=False,
    default=own_zone,
    columns=2,
)


# Someone who answered another conversation this recently is still in it: a question of ours waits.
BUSY_FOR = timedelta(hours=2)


async def busy_elsewhere(ctx: Context, own_flow: str) -> bool:
    """Is the person in the middle of another conversation? The bot's own questions (the
    check-in, the monthly check) then come later instead of cutting in."""
    state = await ctx.uow.flows.of(ctx.person.id)
    return state is not None and state.flow != own_flow and ctx.now - state.updated_at < BUSY_FOR


async def declined(ctx: Context) -> None:
    """A "no" to the consent question: the person is forgotten, as the answer says (an invite
    they opened counts as unused, so its link is the way back)."""
    person = ctx.person
    await ctx.say(ctx.t(NO_CONSENT_INVITED if person.invite_id is not None else NO_CONSENT))
    if person.consent_at is None:
        await consent.forget(ctx)
