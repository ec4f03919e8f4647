"""/sessions (a person's next and last sessions) and a pair's figures for the coordinators."""

from __future__ import annotations

from bot.context import Context
from bot.events import Inbound
from bot.i18n import N_
from bot.services.attendance import outcome
from bot.services.people import name_of
from conversations import which_learner
from conversations.sessions.reminders import CANCELLED, HOLIDAY
from storage.models import Pair, Person


async def list_sessions(ctx: Context, event: Inbound) -> None:
    """/sessions: the next four and the last four, with who said they met; a mentor with several
    learners gets each pair's, under the learner's name."""
    found: list[tuple[Pair, Person | None]] = []
    if ctx.person.role == "mentor":
        found += await which_learner.mentored(ctx)
    elif (pair := await ctx.uow.pairs.current_for(ctx.person.id)) is not None and pair.status == "active":
        found.append((pair, None))
    found = [(pair, learner) for pair, learner in found if pair.slot_weekday is not None]
    if not found:
        await ctx.say(ctx.t(N_("You have no weekly sessions yet.")))
        return
    blocks = []
    for pair, learner in found:
        heading = [ctx.t(N_("With {name}:"), name=name_of(learner))] if len(found) > 1 else []
        blocks.append("\n".join([*heading, *await _pair_sessions(ctx, pair)]))
    await ctx.say("\n\n".join(blocks))


async def _pair_sessions(ctx: Context, pair: Pair) -> list[str]:
    upcoming = (await ctx.uow.sessions.upcoming(pair.id, ctx.now))[:4]
    past = (await ctx.uow.sessions.past(pair.id, ctx.now))[:4]
    lines = [ctx.t(N_("Next sessions:"))]
    for session in upcoming:
        mark = {"cancelled": " – " + ctx.t(CANCELLED), "holiday": " – " + ctx.t(HOLIDAY)}.get(
            session.status, ""
        )
        lines.append(f"• {ctx.t.moment(session.starts_at)}{mark}")
    if past:
        lines.append(ctx.t(N_("Last sessions:")))
    answers = {"yes": N_("met"), "no": N_("did not meet"), "other": N_("met at another time")}
    for session in past:
        mine = session.learner_met if ctx.person.id == pair.learner_id else session.mentor_met
        said = ctx.t(answers[mine]) if mine else ctx.t(N_("no answer yet"))
        if session.status in ("cancelled", "holiday"):
            said = ctx.t(CANCELLED if session.status == "cancelled" else HOLIDAY)
        lines.append("• " + ctx.t.labelled(ctx.t.moment(session.starts_at), said))
    return lines


async def figures(ctx: Context, pair: Pair) -> dict[str, int]:
    """What coordinators read about a pair: sessions held, missed, cancelled (late), moved, and
    the median hours to answer "still on?"."""
    past = await ctx.uow.sessions.past(pair.id, ctx.now)
    ahead = await ctx.uow.sessions.upcoming(pair.id, ctx.now)
    everything = (*past, *ahead)
    waits = sorted(
        (answered - s.confirm_asked_at).total_seconds() / 3600
        for s in everything
        if s.confirm_asked_at is not None
        for answered in (s.learner_answered_at, s.mentor_answered_at)
        if answered is not None
    )
    outcomes = [outcome(s) for s in past]
    cancelled = [s for s in everything if s.status == "cancelled"]
    return {
        "held": outcomes.count("held"),
        "missed": outcomes.count("missed"),
        "cancelled": len(cancelled),
        "late": sum(1 for s in cancelled if s.cancelled_late),
        "moved": sum(s.moves for s in everything),
        "hours": round(waits[len(waits) // 2]) if waits else -1,
    }
