"""The first conversation: greet in the person's language, learn their role, name and language."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_, Translator, language_name, shipped_locales
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import has_letter

NAME = "welcome"
ROLES = (
    Option("learner", N_("I am a learner / apprentice")),
    Option("mentor", N_("I am a volunteer mentor")),
    Option("coordinator", N_("I coordinate a programme")),
)


def language_options() -> tuple[Option, ...]:
    return tuple(Option(code, language_name(code), translate=False) for code in shipped_locales())


def check_name(value: Any) -> str | None:
    if not isinstance(value, str) or not has_letter(value):
        return N_("A name needs at least one letter. What should I call you?")
    return None


async def use_language(ctx: Context, code: Any) -> None:
    """Switch at once, so the next question already comes in the chosen language."""
    ctx.person.locale = str(code)
    ctx.t = Translator(str(code), ctx.t.zone)


def after_confirm(answers: Any) -> str:
    if answers.get("confirm") == "yes":
        return END
    return "language" if answers.get("invited") else "role"  # an invite already gave the role


async def finish(ctx: Context, answers: dict[str, Any]) -> None:
    ctx.person.preferred_name = answers["name"]
    ctx.person.requested_role = answers["role"]
    ctx.person.updated_at = ctx.now
    name = answers["name"]
    if ctx.person.role is not None:
        text = N_(
            "Thank you, {name}! You are now part of the programme. "
            "Your coordinator will be in touch about the next steps."
        )
    elif answers["role"] == "learner":
        text = N_(
            "Thank you, {name}! To join your mentoring programme you need an invite link "
            "from your coordinator. Open that link and I will guide you through the rest."
        )
    elif answers["role"] == "mentor":
        text = N_(
            "Thank you, {name}! Volunteers join with an invite link from their programme's "
            "coordinator. If you have one, open it and I will guide you through the rest."
        )
    else:
        text = N_(
            "Thank you, {name}! Coordinators join with a one-time code from the programme's "
            "administrator. Send it to me as /start CODE."
        )
    await ctx.say(ctx.t(text, name=name))


# Asked in several flows (welcome, learner, /language): one definition.
LANGUAGE_STEP = Step(
    "language",
    N_("Which language should I use with you?"),
    StepKind.CHOICE,
    options=language_options,
    apply=use_language,
    columns=3,
)
NAME_STEP = Step(
    "name",
    N_("What should I call you? (Your first name or a nickname, up to 40 characters.)"),
    StepKind.TEXT,
    max_length=40,
    validate=check_name,
)

WELCOME = Flow(
    name=NAME,
    steps=(
        Step(
            "role",
            N_(
                "Hello {name}! I am Tandem, the companion of your mentoring programme. "
                "Which of these describes you?"
            ),
            StepKind.CHOICE,
            options=ROLES,
        ),
        LANGUAGE_STEP,
        NAME_STEP,
        Step(
            "confirm",
            N_("Shall I call you {name}? Is everything right?"),
            StepKind.YES_NO,
            next=after_confirm,
        ),
    ),
    on_complete=finish,
)
