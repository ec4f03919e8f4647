"""The first conversation of someone without an invite: who are they, and what can they do here.

A learner or coordinator learns how to get an invite; a volunteer can apply at once (open
recruitment), which starts the mentor application. Coordinators also come here, from the
language step, to set their language and name.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from conversations.common import LANGUAGE_STEP, NAME_STEP
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.mentor import NAME as MENTOR

NAME = "welcome"
ROLES = (
    Option("learner", N_("I am a learner / apprentice")),
    Option("mentor", N_("I would like to volunteer as a mentor")),
    Option("coordinator", N_("I coordinate a programme")),
)
ABOUT = N_(
    "{programme} pairs apprentices and school students with volunteer mentors who meet them "
    "once a week and help them through their training."
)


def about(ctx: Context) -> str:
    """What the programme is, in its own words when the programme file has them for this language."""
    own = ctx.rules.about.get(ctx.t.locale) or ctx.rules.about.get(ctx.t.locale.split("_")[0])
    return own or ctx.t(ABOUT, programme=ctx.programme)


def after_confirm(answers: Any) -> str:
    return END if answers.get("confirm") == "yes" else "language"


async def finish(ctx: Context, answers: dict[str, Any]) -> str | None:
    role = answers.get("role")
    if ctx.person.role is not None:  # a coordinator, from the language step
        ctx.person.preferred_name = answers["name"]
        ctx.person.updated_at = ctx.now
        await ctx.say(
            ctx.t(N_("Thank you, {name}! Send /help to see what you can do."), name=answers["name"])
        )
        return None
    ctx.person.requested_role = role
    ctx.person.updated_at = ctx.now
    if role == "mentor":
        await ctx.say(
            ctx.t(
                N_(
                    "Thank you for wanting to volunteer! A few questions for your application; "
                    "a coordinator reads it and gets in touch."
                )
            )
        )
        return MENTOR  # the application is a flow of its own
    if role == "learner":
        text = ctx.t(
            N_(
                "To join, you need an invite link from your school, your training company or the "
                "programme's coordinator. Open that link and I will guide you through the rest."
            )
        )
    else:
        text = ctx.t(
            N_(
                "Coordinators join with a one-time code from the programme's administrator. "
                "Send it to me as /start CODE."
            )
        )
    if ctx.rules.contact:
        text += "\n" + ctx.t(N_("You can reach the programme at {contact}."), contact=ctx.rules.contact)
    await ctx.say(text)
    return None


WELCOME = Flow(
    name=NAME,
    steps=(
        Step("role", N_("Which of these describes you?"), StepKind.CHOICE, options=ROLES, next=END),
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
