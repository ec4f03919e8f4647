"""The case's short conversations: a coordinator's note for the case log, and a message to the
learner the concern is about (signed, logged). Each completion checks the role again."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services.concerns import log_entry, refresh_alert
from conversations.common import check_text, name_of
from conversations.flow import Flow, Step, StepKind

NOTE_FLOW, CONTACT_FLOW = "case_note", "case_contact"


async def note_written(ctx: Context, answers: dict[str, Any]) -> None:
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    if ctx.person.role != "coordinator" or concern is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    await log_entry(ctx, concern, "note", ctx.person, str(answers["note"]))
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    await ctx.say(ctx.t(N_("Noted in the log of concern #{id}."), id=concern.id))


async def contact_written(ctx: Context, answers: dict[str, Any]) -> None:
    """The coordinator's message goes to the learner, signed, and into the case log."""
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    learner = await ctx.uow.people.get(concern.subject_id) if concern and concern.subject_id else None
    if ctx.person.role != "coordinator" or concern is None or learner is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    them = ctx.about(learner)
    heading = them.t(
        N_("A message from {name}, coordinator of {programme}:"),
        name=name_of(ctx.person),
        programme=ctx.rules.name,
    )
    await them.say(heading + "\n\n" + str(answers["message"]) + "\n\n" + them.t(REPLY_HINT))
    await log_entry(ctx, concern, "contacted", ctx.person, str(answers["message"]))
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    await ctx.say(ctx.t(N_("Sent to {name}."), name=name_of(learner)))


REPLY_HINT = N_("To answer, send /concern and write it there: it reaches the coordinators.")


NOTE = Flow(
    name=NOTE_FLOW,
    steps=(
        Step(
            "note",
            N_("Your note for the case log (only coordinators read it):"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=note_written,
    nudge_after=None,
)
CONTACT = Flow(
    name=CONTACT_FLOW,
    steps=(
        Step(
            "message",
            N_("Your message to the learner. It goes to them with your name:"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=contact_written,
    nudge_after=None,
)
FLOWS = (NOTE, CONTACT)
