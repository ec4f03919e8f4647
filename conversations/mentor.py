"""A volunteer's application: consent, who they are, what they know, when and how far they can
meet. It ends "waiting for screening": nobody is matched before the programme screened and
trained them (the Mentor readiness issue).
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
    check_text,
    coarse_place,
    declined,
    language_answer,
    place_answer,
    place_options,
)
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.learner import HELP, INTERESTS

NAME = "mentor"
WAITING = "waiting"  # for screening
PROFILE_KEYS = (
    "expertise", "expertise_other", "experience", "offers", "interests", "interests_other", "spoken",
    "place", "travel", "capacity", "gender", "background", "availability", "motivation", "prior",
)  # fmt: skip

CONSENT = N_(
    "Before we start: I keep your answers so that the programme's coordinators can consider your "
    "application and, later, find a learner who fits you. The coordinators see everything you tell "
    "me and the checks the programme needs; a learner you are matched with sees your first name and "
    "what you have in common. Nothing is sold or published, and /delete erases everything at any time.\n"
    "Is that all right with you?"
)
TRAVEL = (
    Option("online", N_("online only")),
    Option("5", N_("up to 5 km")),
    Option("10", N_("up to 10 km")),
    Option("25", N_("up to 25 km")),
    Option("50", N_("up to 50 km")),
)
CAPACITY = tuple(Option(n, n, translate=False) for n in ("1", "2", "3"))
GENDER = (
    Option("woman", N_("a woman")),
    Option("man", N_("a man")),
    Option("other", N_("in another way")),
)
PRIOR = (
    Option("no", N_("no, this is my first time")),
    Option("informal", N_("yes, informally (at work, in a club, in the family)")),
    Option("programme", N_("yes, in a mentoring programme")),
)


def after_consent(answers: Any) -> str:
    return "name" if answers.get("consent") == "yes" else END


def answers_of(person: Any) -> dict[str, Any]:
    """A finished application's answers again, for the review behind /profile."""
    answers = {key: person.profile.get(key) for key in PROFILE_KEYS}
    answers.update(
        consent="yes",
        name=person.preferred_name,
        language=language_answer(person),
        place=place_answer(person.profile.get("place")),
        profile=True,
    )
    return answers


async def finish(ctx: Context, answers: dict[str, Any]) -> None:
    person = ctx.person
    if answers.get("consent") != "yes":
        await declined(ctx)
        return
    person.consent_at = person.consent_at or ctx.now
    person.preferred_name = answers["name"]
    profile = {key: answers.get(key) for key in PROFILE_KEYS}
    profile["place"] = coarse_place(ctx, answers.get("place"))
    person.profile = profile
    person.updated_at = ctx.now
    if answers.get("profile"):
        await ctx.say(ctx.t(N_("Saved. /profile shows your answers whenever you want to change one.")))
        return
    person.role = person.role or "mentor"  # an open application: no invite gave the role
    person.requested_role = "mentor"
    person.screening = person.screening or WAITING
    await ctx.tell_coordinators(
        N_("New volunteer application from {name}, waiting for screening."), name=answers["name"]
    )
    await ctx.say(
        ctx.t(
            N_(
                "Thank you, {name}! Your application is now waiting for screening. A coordinator "
                "will contact you about the next steps: a conversation, and the checks the programme "
                "needs before you meet a young person. /profile shows your answers."
            ),
            name=answers["name"],
        )
    )
    await ctx.say(ctx.t(N_("While you wait, you can already take the short training course: /training")))


MENTOR = Flow(
    name=NAME,
    steps=(
        Step("consent", CONSENT, StepKind.YES_NO, next=after_consent),
        NAME_STEP,
        LANGUAGE_STEP,
        Step(
            "expertise",
            N_(
                "Which fields do you know from your working life? Tap all that fit, or write your "
                "own, then “Done”."
            ),
            StepKind.MULTI_CHOICE,
            options=TRADES,
            columns=2,
            free_text=True,
            label=N_("Your fields"),
            others_label=N_("Fields"),
        ),
        Step(
            "experience",
            N_("How many years of working experience do you have? (A number.)"),
            StepKind.NUMBER,
            min_value=0,
            max_value=70,
            label=N_("Years of experience"),
        ),
        Step(
            "offers",
            N_("What could you help a young person with? Tap all that fit, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=HELP,
            columns=2,
            label=N_("Can help with"),
        ),
        Step(
            "interests",
            N_("What do you like doing in your free time? Tap all that fit, or write your own, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=INTERESTS,
            columns=2,
            optional=True,
            free_text=True,
            label=N_("What you like doing"),
            others_label=N_("What they like doing"),
        ),
        SPOKEN_STEP,
        Step(
            "place",
            N_(
                "Roughly where do you live? Tap your area, or share a location (📎 → Location): "
                "I only keep the area, never your address. Or skip this if you only meet online."
            ),
            StepKind.LOCATION,
            options=place_options,
            optional=True,
            columns=2,
            label=PLACE_LABEL,
            others_label=N_("Where they live"),
        ),
        Step(
            "travel",
            N_("How far would you travel to meet a learner?"),
            StepKind.CHOICE,
            options=TRAVEL,
            columns=2,
            label=N_("How far you travel"),
            others_label=N_("How far they travel"),
        ),
        Step(
            "capacity",
            N_("How many learners could you mentor at the same time?"),
            StepKind.CHOICE,
            options=CAPACITY,
            columns=3,
            label=N_("Learners at a time"),
        ),
        Step(
            "gender",
            N_(
                "Some learners ask for a mentor who is a woman or a man. How do you describe "
                "yourself? (You may skip this.)"
            ),
            StepKind.CHOICE,
            options=GENDER,
            columns=3,
            optional=True,
            label=N_("You describe yourself as"),
            others_label=N_("Describes themself as"),
        ),
        Step(
            "background",
            N_(
                "Some learners would like a mentor who also grew up with another language or in "
                "another country. Is that true of you? (You may skip this.)"
            ),
            StepKind.YES_NO,
            optional=True,
            label=N_("Grew up with another language or country"),
        ),
        AVAILABILITY_STEP,
        Step(
            "motivation",
            N_("Why would you like to be a mentor? A few sentences are enough (up to 1000 characters)."),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
            label=N_("Why you volunteer"),
            others_label=N_("Why they volunteer"),
        ),
        Step(
            "prior",
            N_("Have you mentored someone before?"),
            StepKind.CHOICE,
            options=PRIOR,
            label=N_("Mentoring before"),
        ),
        ZONE_STEP,
    ),
    on_complete=finish,
    review=True,
)
