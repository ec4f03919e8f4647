"""A learner's first conversation, after their invite: consent first, then what matching needs.

Kept short on purpose (buttons first, typed answers only where nothing else works): learners
answer on a phone, between other things, often in a second language. It ends with a summary
whose buttons change any answer; ``/profile`` opens the same summary later.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from conversations.common import (
    AVAILABILITY_STEP,
    LANGUAGE_STEP,
    NAME_STEP,
    PLACE_LABEL,
    SPOKEN_STEP,
    TRADES,
    ZONE_STEP,
    check_name,
    check_text,
    coarse_place,
    declined,
    language_answer,
    place_answer,
    place_options,
)
from conversations.flow import END, Flow, Option, Step, StepKind

NAME = "learner"
PROFILE_KEYS = (
    "age", "place", "training", "trade", "year", "interests", "interests_other", "help", "spoken",
    "mentor", "mentor_also", "availability",
)  # fmt: skip

CONSENT = N_(
    "Before we start: I keep your answers here so that the programme can find you a good mentor. "
    "Your mentor sees the goals and session notes you choose to share. "
    "The coordinators see your check-in answers and any worries you raise. Nothing is sold or "
    "published, and /delete erases everything at any time.\n"
    "Is that all right with you?"
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
MENTOR_PREFERENCE = (
    Option("woman", N_("a woman")),
    Option("man", N_("a man")),
    Option("any", N_("no preference")),
)
MENTOR_ALSO = (
    Option("language", N_("speaks my language")),
    Option("background", N_("also grew up with another language or in another country")),
)
# A guardian's consent not (yet) given: "recheck" is a refusal the learner's answers have since
# changed (their age, their guardian), which a coordinator looks at again.
WITHOUT_CONSENT = ("pending", "refused", "recheck")
AGE_CHANGED = {
    "pending": N_(
        "{name} (learner) changed their age from under {age} to {band} before their guardian was "
        "asked. They stay out of matching until a coordinator decides: /guardians."
    ),
    "refused": N_(
        "{name} (learner) changed their age from under {age} to {band} after their guardian said no. "
        "They stay out of matching until a coordinator decides: /guardians."
    ),
}
HELD_FOR_AGE = N_(
    "Saved. Your guardian has not agreed yet, so a coordinator looks at your new age first. "
    "Until they have decided, no mentor is proposed to you."
)


def age_options(ctx: Context) -> tuple[Option, ...]:
    """Age bands around the programme's digital-consent age (below it a guardian agrees too)."""
    limit = ctx.rules.digital_consent_age
    bands = [Option(f"under{limit}", ctx.t(N_("under {age}"), age=limit), translate=False)]
    if limit < 18:
        bands.append(Option(f"{limit}-17", f"{limit}–17", translate=False))
    bands += [
        Option("18-21", "18–21", translate=False),
        Option("22-25", "22–25", translate=False),
        Option("over25", ctx.t(N_("over 25")), translate=False),
    ]
    return tuple(bands)


def is_minor(answers: Any) -> bool:
    """Under the programme's digital-consent age, as answered."""
    return str(answers.get("age") or "").startswith("under")


def after_consent(answers: Any) -> str:
    return "age" if answers.get("consent") == "yes" else END


def after_age(answers: Any) -> str:
    return "guardian_name" if is_minor(answers) else "name"


def check_contact(value: Any) -> str | None:
    text = str(value)
    digits = sum(ch.isdigit() for ch in text)
    if "@" in text or digits >= 6:
        return None
    return N_("Please send a phone number or an e-mail address.")


def answers_of(person: Any) -> dict[str, Any]:
    """A finished learner's answers again, for the review behind /profile."""
    answers = {key: person.profile.get(key) for key in PROFILE_KEYS}
    answers.update(
        consent="yes",
        name=person.preferred_name,
        language=language_answer(person),
        place=place_answer(person.profile.get("place")),
        profile=True,
    )
    if person.guardian_name:
        answers.update(guardian_name=person.guardian_name, guardian_contact=person.guardian_contact)
    return answers


async def finish(ctx: Context, answers: dict[str, Any]) -> None:
    person = ctx.person
    if answers.get("consent") != "yes":
        await declined(ctx)
        return
    updating = bool(answers.get("profile"))
    person.consent_at = person.consent_at or ctx.now
    person.preferred_name = answers["name"]
    await settle_guardian(ctx, answers)
    profile = {key: answers.get(key) for key in PROFILE_KEYS}
    profile["place"] = coarse_place(ctx, answers.get("place"))
    person.profile = profile
    person.updated_at = ctx.now
    if updating and person.guardian_status in WITHOUT_CONSENT and not is_minor(answers):
        text = HELD_FOR_AGE
    elif updating:
        text = N_("Saved. /profile shows your answers whenever you want to change one.")
    elif person.guardian_status == "pending":
        text = N_(
            "Thank you, {name}! Because you are under {age}, your coordinator first checks with "
            "{guardian} that you may take part, and then looks for a mentor who fits you."
        )
    else:
        text = N_(
            "Thank you, {name}! Your coordinator is now looking for a mentor who fits you and will let "
            "you know. /profile shows what you told me; /help lists what else I can do."
        )
    fields = {
        "name": answers["name"],
        "guardian": person.guardian_name or "",
        "age": ctx.rules.digital_consent_age,
    }
    await ctx.say(ctx.t(text, **fields))


async def settle_guardian(ctx: Context, answers: dict[str, Any]) -> None:
    """A guardian's consent (or refusal) survives edits of the profile. A new guardian must be
    asked; a learner without their guardian's consent who now says they are over the consent age
    stays out of matching, and the coordinators decide (``/guardians``)."""
    person = ctx.person
    name, age = person.preferred_name, ctx.rules.digital_consent_age
    if not is_minor(answers):
        status = person.guardian_status
        if status in ("pending", "refused") and is_minor(person.profile or {}):
            person.guardian_status = "pending" if status == "pending" else "recheck"
            band = age_label(ctx, answers.get("age"))
            await ctx.uow.audit.record(ctx.now, person, "guardian.age_changed", person, was=status)
            await ctx.tell_coordinators(AGE_CHANGED[status], name=name, age=age, band=band)
        return
    guardian = (answers.get("guardian_name"), answers.get("guardian_contact"))
    if guardian == (person.guardian_name, person.guardian_contact):
        return
    person.guardian_name, person.guardian_contact = guardian
    person.guardian_status = "recheck" if person.guardian_status in ("refused", "recheck") else "pending"
    person.guardian_confirmed_at = None
    await ctx.tell_coordinators(
        N_("{name} (learner, under {age}) needs a guardian's consent. /guardians shows whom to call."),
        name=name,
        age=age,
    )


def age_label(ctx: Context, band: Any) -> str:
    """An age band as its button reads ("16–17")."""
    return next((option.label for option in age_options(ctx) if option.value == band), str(band or ""))


LEARNER = Flow(
    name=NAME,
    steps=(
        Step("consent", CONSENT, StepKind.YES_NO, next=after_consent),
        Step(
            "age",
            N_("How old are you?"),
            StepKind.CHOICE,
            options=age_options,
            columns=3,
            next=after_age,
            label=N_("Age"),
        ),
        Step(
            "guardian_name",
            N_(
                "Because you are under {consent_age}, a parent or guardian has to agree too. "
                "What is their name?"
            ),
            StepKind.TEXT,
            max_length=80,
            validate=check_name,
            label=N_("Parent or guardian"),
        ),
        Step(
            "guardian_contact",
            N_("How can your coordinator reach them? (A phone number or an e-mail address.)"),
            StepKind.TEXT,
            max_length=80,
            validate=check_contact,
            label=N_("Their phone or e-mail"),
        ),
        NAME_STEP,
        LANGUAGE_STEP,
        Step(
            "place",
            N_(
                "Roughly where do you live? Tap your area, or share a location (📎 → Location): "
                "I only keep the area, never your address. Or skip this."
            ),
            StepKind.LOCATION,
            options=place_options,
            optional=True,
            columns=2,
            label=PLACE_LABEL,
        ),
        Step(
            "training",
            N_("What are you training as, or which school do you go to?"),
            StepKind.TEXT,
            max_length=80,
            validate=check_text,
            label=N_("Training or school"),
        ),
        Step(
            "trade",
            N_("Which field is that in?"),
            StepKind.CHOICE,
            options=(*TRADES, Option("other", N_("something else, or not sure yet"))),
            columns=2,
            label=N_("Field"),
        ),
        Step(
            "year",
            N_("Which year of your training or school are you in?"),
            StepKind.CHOICE,
            options=YEARS,
            columns=2,
            label=N_("Year"),
        ),
        Step(
            "interests",
            N_("What do you like doing? Tap all that fit, or write your own, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=INTERESTS,
            columns=2,
            optional=True,
            free_text=True,
            label=N_("What you like doing"),
        ),
        Step(
            "help",
            N_("What would you like help with? Tap all that fit, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=HELP,
            columns=2,
            label=N_("Help with"),
        ),
        SPOKEN_STEP,
        Step(
            "mentor",
            N_("Who would you rather have as your mentor?"),
            StepKind.CHOICE,
            options=MENTOR_PREFERENCE,
            columns=3,
            label=N_("Your mentor"),
        ),
        Step(
            "mentor_also",
            N_("Is any of this important to you in a mentor? Tap what matters, then “Done”, or skip."),
            StepKind.MULTI_CHOICE,
            options=MENTOR_ALSO,
            optional=True,
            label=N_("Also important"),
        ),
        AVAILABILITY_STEP,
        ZONE_STEP,
    ),
    on_complete=finish,
    review=True,
)
