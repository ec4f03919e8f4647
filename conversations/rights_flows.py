"""Short flows behind the privacy rights: choosing the language, erasing one's data."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_, language_name, simple_label
from bot.services.erasure import erase_person
from conversations.common import LANGUAGE_STEP, language_of
from conversations.flow import END, Flow, Step, StepKind
from conversations.pair_end import end_pair_of_leaver

LANGUAGE = "language"
DELETE = "delete"


async def language_chosen(ctx: Context, answers: dict[str, Any]) -> None:
    code, simple = language_of(answers["language"])
    language = simple_label(code) if simple else language_name(code)
    await ctx.say(ctx.t(N_("From now on I will write to you in {language}."), language=language))


def after_first_confirmation(answers: Any) -> str:
    return "really" if answers.get("sure") == "yes" else END


async def delete_confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    if answers.get("sure") != "yes" or answers.get("really") != "yes":
        await ctx.say(ctx.t(N_("Nothing was deleted.")))
        return
    await end_pair_of_leaver(ctx)
    await erase_person(ctx)
    await ctx.say(
        ctx.t(
            N_(
                "Everything Tandem stored about you is deleted. If a coordinator had to keep a record "
                "of a concern, it stays without your name or any way to tell it was you. "
                "If you write to me again, I will start from the beginning."
            )
        )
    )


LANGUAGE_FLOW = Flow(
    name=LANGUAGE,
    steps=(LANGUAGE_STEP,),
    on_complete=language_chosen,
    nudge_after=None,
)

DELETE_FLOW = Flow(
    name=DELETE,
    steps=(
        Step(
            "sure",
            N_(
                "Do you want me to delete everything Tandem stored about you? "
                "Your mentor and your coordinator will no longer see anything from you."
            ),
            StepKind.YES_NO,
            next=after_first_confirmation,
        ),
        Step(
            "really",
            N_("Are you really sure? This cannot be undone."),
            StepKind.YES_NO,
            next=END,
        ),
    ),
    on_complete=delete_confirmed,
    nudge_after=None,
)
