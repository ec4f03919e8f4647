"""A pair ends: a coordinator ends it (the reason stays with the programme; both hear neutral
words), a coordinator suspends its mentor (the learner hears the same words), or one of the two
deletes their data (the other hears the same words, and the coordinators get a concern, to find a
new match)."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services import concerns
from bot.services.concerns import PARTNER_LEFT
from conversations import sharing
from conversations.common import check_text, name_of
from conversations.flow import Flow, Step, StepKind
from storage.models import Person
from storage.repositories import LIVE_PAIRS

END_PAIR = "end_pair"


async def ended(ctx: Context, answers: dict[str, Any]) -> None:
    pair = await ctx.uow.pairs.lock(int(answers.get("pair") or 0))  # one of the two may be answering
    if ctx.person.role != "coordinator" or pair is None or pair.status not in LIVE_PAIRS:
        await ctx.say(ctx.t(N_("This pair has already ended.")))
        return
    pair.status, pair.ended_at, pair.end_reason = "ended", ctx.now, answers["reason"]
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    await ctx.uow.audit.record(ctx.now, ctx.person, "pair.ended", learner, pair=pair.id)
    await ctx.say(ctx.t(N_("The pair of {names} has ended; both have been told."), names=answers["names"]))
    for person, partner in ((learner, mentor), (mentor, learner)):
        if person is not None:
            await _tell_ended(ctx, person, partner)
    if learner is not None:
        learner.waiting_told_at = None
    await sharing.withdraw(ctx, learner)


async def end_pair_of_leaver(ctx: Context) -> None:
    """The person is about to delete their data: their pairs end with them (a mentor may have
    several learners). Each partner hears the neutral words of a pair's end; a learner goes
    back to waiting for a mentor; the coordinators get a concern about each partner, without
    the leaver's name."""
    # The partners' questions about these pairs end with them (``erasure``): an answer of theirs
    # in flight commits first, or comes after and finds its question gone.
    pairs = await ctx.uow.pairs.of_person(ctx.person.id)
    await ctx.uow.lock_chats_of({pair.learner_id + pair.mentor_id - ctx.person.id for pair in pairs})
    for pair in await ctx.uow.pairs.lock_live_of(ctx.person.id):  # a coordinator may be deciding
        pair.status, pair.ended_at = "ended", ctx.now  # the row goes with the leaver's data
        leaver_is_learner = pair.learner_id == ctx.person.id
        partner = await ctx.uow.people.get(pair.mentor_id if leaver_is_learner else pair.learner_id)
        if partner is None:
            continue
        await _tell_ended(ctx, partner, ctx.person)
        if not leaver_is_learner:
            partner.waiting_told_at = None  # back on the waiting list
            await sharing.withdraw(ctx, partner)
        await concerns.raise_concern(ctx, kind=PARTNER_LEFT, severity="normal", subject=partner, pair=None)


async def end_pairs_of_suspended(ctx: Context, mentor: Person, reason: str | None, by: Person | None) -> int:
    """A suspended mentor's running pairs end as a coordinator ends one: the reason stays with the
    programme, each learner hears the neutral words of a pair's end and goes back to the waiting
    list. The mentor hears of their suspension instead. How many pairs ended."""
    ended = [pair for pair in await ctx.uow.pairs.lock_live_of(mentor.id) if pair.mentor_id == mentor.id]
    for pair in ended:
        pair.status, pair.ended_at, pair.end_reason = "ended", ctx.now, reason
        learner = await ctx.uow.people.get(pair.learner_id)
        await ctx.uow.audit.record(ctx.now, by, "pair.ended", learner, pair=pair.id, mentor_suspended=True)
        if learner is not None:
            await _tell_ended(ctx, learner, mentor)
            learner.waiting_told_at = None
            await sharing.withdraw(ctx, learner)
    return len(ended)


async def _tell_ended(ctx: Context, person: Person, partner: Person | None) -> None:
    them = ctx.about(person)
    other = name_of(partner)
    text = N_(
        "Your mentoring pair with {name} has ended. Thank you for the time together. "
        "The programme will be in touch about what comes next."
    )
    await them.say(them.t(text, name=other))


END_PAIR_FLOW = Flow(
    name=END_PAIR,
    title=N_("ending a pair"),
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
