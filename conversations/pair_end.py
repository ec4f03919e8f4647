"""A coordinator ends a pair: the reason stays with the programme; both hear neutral words."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from conversations.common import check_text
from conversations.flow import Flow, Step, StepKind
from storage.repositories import LIVE_PAIRS

END_PAIR = "end_pair"


async def ended(ctx: Context, answers: dict[str, Any]) -> None:
    pair = await ctx.uow.pairs.get(int(answers.get("pair") or 0))
    if ctx.person.role != "coordinator" or pair is None or pair.status not in LIVE_PAIRS:
        await ctx.say(ctx.t(N_("This pair has already ended.")))
        return
    pair.status, pair.ended_at, pair.end_reason = "ended", ctx.now, answers["reason"]
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    await ctx.uow.audit.record(ctx.now, ctx.person, "pair.ended", learner, pair=pair.id)
    await ctx.say(ctx.t(N_("The pair of {names} has ended; both have been told."), names=answers["names"]))
    for person, partner in ((learner, mentor), (mentor, learner)):
        if person is None:
            continue
        them = ctx.about(person)
        other = partner.preferred_name or partner.first_name if partner else "–"
        text = N_(
            "Your mentoring pair with {name} has ended. Thank you for the time together. "
            "The programme will be in touch about what comes next."
        )
        await them.say(them.t(text, name=other))
    if learner is not None:
        learner.waiting_told_at = None


END_PAIR_FLOW = Flow(
    name=END_PAIR,
    steps=(
        Step(
            "reason",
            N_(
                "Why does the pair of {names} end? This stays in the programme's records; "
                "both get a neutral message."
            ),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=ended,
)
