"""A learner's first conversation, after their invite: consent first, then what matching needs.

Kept short on purpose (buttons first, typed answers only where nothing else works): learners
answer on a phone, between other things, often in a second language.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import has_letter
from conversations.welcome import LANGUAGE_STEP, NAME_STEP, check_name

NAME = "learner"
DIGITAL_CONSENT_AGE = 16  # below it a guardian agrees too (GDPR art. 8 allows 13-16 by country)

CONSENT = N_(
    "Before we start: I keep your answers here so that the programme can find you a good mentor. "
    "Your mentor sees the goals and session notes you choose to share. "
    "The coordinators see your check-in answers and any worries you raise. Nothing is sold or "
    "published, and /delete erases everything at any time.\n"
    "Is that all right with you?"
)
AGES = (
    Option("under16", N_("under 16")),
    Option("16-17", N_("16–17")),
    Option("18-21", N_("18–21")),
    Option("22-25", N_("22–25")),
    Option("over25", N_("over 25")),
)
YEARS = (
    Option("0", N_("not started yet")),
    Option("1", N_("1st year")),
    Option("2", N_("2nd year")),
    Option("3", N_("3rd year or later")),
)
INTERESTS = tuple(
    Option(key, label)
    for key, label in (
        ("sport", N_("sport")),
        ("music", N_("music")),
        ("gaming", N_("gaming")),
        ("cooking", N_("cooking")),
        ("crafts", N_("making and fixing things")),
        ("tech", N_("computers and tech")),
        ("art", N_("art and design")),
        ("nature", N_("nature and animals")),
        ("reading", N_("reading and films")),
    )
)
HELP = tuple(
    Option(key, label)
    for key, label in (
        ("exams", N_("exams")),
        ("motivation", N_("motivation")),
        ("conflicts", N_("conflicts at work or school")),
        ("career", N_("career orientation")),
        ("language", N_("language")),
        ("personal", N_("personal matters")),
    )
)
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
MENTOR_PREFERENCE = (
    Option("woman", N_("a woman")),
    Option("man", N_("a man")),
    Option("any", N_("no preference")),
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


def after_consent(answers: Any) -> str:
    return "age" if answers.get("consent") == "yes" else END


def after_age(answers: Any) -> str:
    return "guardian_name" if answers.get("age") == "under16" else "name"


def check_text(value: Any) -> str | None:
    if not isinstance(value, str) or not has_letter(value):
        return N_("Please answer with a few words.")
    return None


def check_contact(value: Any) -> str | None:
    text = str(value)
    digits = sum(ch.isdigit() for ch in text)
    if "@" in text or digits >= 6:
        return None
    return N_("Please send a phone number or an e-mail address.")


async def finish(ctx: Context, answers: dict[str, Any]) -> None:
    person = ctx.person
    if answers.get("consent") != "yes":
        await ctx.say(
            ctx.t(
                N_(
                    "Understood: without your agreement I store nothing about you. If you change "
                    "your mind, send /start."
                )
            )
        )
        return
    person.consent_at = ctx.now
    person.preferred_name = answers["name"]
    person.guardian_name = answers.get("guardian_name")
    person.guardian_contact = answers.get("guardian_contact")
    keys = ("age", "place", "training", "year", "interests", "help", "spoken", "mentor", "availability")
    person.profile = {key: answers.get(key) for key in keys}
    person.updated_at = ctx.now
    text = N_(
        "Thank you, {name}! Your coordinator is now looking for a mentor who fits you and will let "
        "you know. /mydata shows what you told me; /help lists what else I can do."
    )
    if person.guardian_name:
        text = N_(
            "Thank you, {name}! Because you are under 16, your coordinator first checks with "
            "{guardian} that you may take part, and then looks for a mentor who fits you."
        )
    await ctx.say(ctx.t(text, name=answers["name"], guardian=person.guardian_name or ""))


LEARNER = Flow(
    name=NAME,
    steps=(
        Step("consent", CONSENT, StepKind.YES_NO, next=after_consent),
        Step("age", N_("How old are you?"), StepKind.CHOICE, options=AGES, columns=3, next=after_age),
        Step(
            "guardian_name",
            N_("Because you are under 16, a parent or guardian has to agree too. What is their name?"),
            StepKind.TEXT,
            max_length=80,
            validate=check_name,
        ),
        Step(
            "guardian_contact",
            N_("How can your coordinator reach them? (A phone number or an e-mail address.)"),
            StepKind.TEXT,
            max_length=80,
            validate=check_contact,
        ),
        NAME_STEP,
        LANGUAGE_STEP,
        Step(
            "place",
            N_(
                "Roughly where do you live? Share a location (📎 → Location); I only keep the "
                "area, never your address. Or skip this."
            ),
            StepKind.LOCATION,
            optional=True,
        ),
        Step(
            "training",
            N_("What are you training as, or which school do you go to?"),
            StepKind.TEXT,
            max_length=80,
            validate=check_text,
        ),
        Step(
            "year",
            N_("Which year of your training or school are you in?"),
            StepKind.CHOICE,
            options=YEARS,
            columns=2,
        ),
        Step(
            "interests",
            N_("What do you like doing? Tap all that fit, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=INTERESTS,
            columns=2,
            optional=True,
        ),
        Step(
            "help",
            N_("What would you like help with? Tap all that fit, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=HELP,
            columns=2,
        ),
        Step(
            "spoken",
            N_("Which languages do you speak? Tap all of them, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=SPOKEN,
            columns=2,
        ),
        Step(
            "mentor",
            N_("Who would you rather have as your mentor?"),
            StepKind.CHOICE,
            options=MENTOR_PREFERENCE,
            columns=3,
        ),
        Step(
            "availability",
            N_("When could you usually meet? Tap all that fit, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=AVAILABILITY,
            columns=2,
        ),
    ),
    on_complete=finish,
)
