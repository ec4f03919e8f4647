"""Moving one session: a new day and time suggested by one, agreed or not by the other."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_
from bot.services import readiness
from conversations.first_meeting import PARTS, PASSED, again, shared_parts
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import Refusal
from conversations.sessions.calendar_files import send_calendar
from conversations.sessions.planning import schedule_messages
from conversations.slot_text import read_slot
from storage.models import Pair, Session

MOVE, MOVE_OK = "session_move", "session_move_ok"
# A move is asked again a day later; two days unanswered, whoever asked hears so.
MOVE_ANSWER_WITHIN = timedelta(days=1)
MOVE_NOT_ANSWERED = N_("{name} has not answered your request to move the session. It stays on {when}.")
MOVE_PASSED = N_(
    "{when} has already passed, so your session stays on {old_when}. Please suggest another time."
)


def move_day_options(ctx: Context) -> tuple[Option, ...]:
    """The next seven days, the ones in both people's usual times first."""
    parts = shared_parts(ctx)
    first = readiness.today(ctx) + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(7)]
    usual = [d for d in days if any(d.weekday() in PARTS[p][0] for p in parts)]
    ordered = usual + [d for d in days if d not in usual]
    return tuple(Option(d.isoformat(), ctx.t.day(d), translate=False) for d in ordered)


def typed_move(ctx: Context, text: str) -> str | Refusal:
    """A day and a time typed at the move's day question: the next such day of the seven offered."""
    slot = read_slot(text, ctx.t.locale)
    if isinstance(slot, Refusal):
        return slot
    day = readiness.today(ctx) + timedelta(days=1)
    while day.weekday() != slot[0]:
        day += timedelta(days=1)
    return f"{day.isoformat()} {slot[1]}"


def chosen_move(answers: Mapping[str, Any]) -> tuple[date | None, str | None]:
    """The new day tapped or typed, and the time typed with it or tapped after it."""
    day, _, typed = str(answers.get("day") or "").partition(" ")
    at = typed or answers.get("time")
    return (date.fromisoformat(day) if day else None), (str(at) if at else None)


def move_time_options(ctx: Context) -> tuple[Option, ...]:
    chosen = chosen_move(ctx.flow_answers)[0]
    weekday = chosen.weekday() if chosen else None
    slots = {t for part in shared_parts(ctx) for t in PARTS[part][1] if weekday in PARTS[part][0]}
    if not slots:  # a day outside their usual times: any time of the day
        slots = {time(h, m) for h in range(8, 21) for m in (0, 30)}
    return tuple(Option(f"{t:%H:%M}", f"{t:%H:%M}", translate=False) for t in sorted(slots))


async def _movable(ctx: Context, answers: dict[str, Any]) -> tuple[Pair, Session] | None:
    """The session and its pair, locked for the decision (the partner may be moving or
    cancelling it at this moment), if it can still be moved; else None, said."""
    session = await ctx.uow.sessions.lock(int(answers.get("session") or 0))
    pair = await ctx.uow.pairs.get(session.pair_id) if session else None
    if (
        session is None
        or pair is None
        or pair.status != "active"
        or ctx.person.id
        not in (
            pair.learner_id,
            pair.mentor_id,
        )
    ):
        await ctx.say(ctx.t(N_("This pair no longer exists.")))
        return None
    if session.status != "planned" or session.starts_at <= ctx.now:
        await ctx.say(ctx.t(N_("That session can no longer be moved.")))
        return None
    return pair, session


async def move_proposed(ctx: Context, answers: dict[str, Any]) -> None:
    found = await _movable(ctx, answers)
    if found is None:
        return
    pair, session = found
    day, at = chosen_move(answers)
    assert day is not None and at is not None
    local = datetime.combine(day, time.fromisoformat(at))
    new = local.replace(tzinfo=ZoneInfo(ctx.programme_zone)).astimezone(ZoneInfo("UTC"))
    if new <= ctx.now:  # the day was tapped before, the time after it had gone by
        await ctx.say(ctx.t(PASSED))
        await ctx.start_flow(MOVE, again(answers))
        return
    partner = await ctx.uow.people.get(
        pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
    )
    if partner is None:
        return
    await ctx.say(
        ctx.t(
            N_("Sent. I will tell you what {name} says."), name=partner.preferred_name or partner.first_name
        )
    )
    them = ctx.about(partner)
    await them.start_flow(
        MOVE_OK,
        {
            "session": session.id,
            "new": new.isoformat(),
            "asker_name": ctx.person.preferred_name or ctx.person.first_name,
            "old": session.starts_at.isoformat(),
            "shared": str(answers.get("shared") or ""),
        },
    )


def suggested(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """Both times, in the reader's language when the question is asked."""
    if "old" not in answers:
        return {}  # a question asked before they were kept as values
    return {
        "old_when": ctx.t.moment(datetime.fromisoformat(str(answers["old"]))),
        "new_when": ctx.t.moment(datetime.fromisoformat(str(answers["new"]))),
    }


async def move_not_answered(ctx: Context, answers: dict[str, Any]) -> None:
    """The partner has not answered a move in time (or stopped the question): whoever asked
    hears that the session stays where it was."""
    session = await ctx.uow.sessions.lock(int(answers.get("session") or 0))
    pair = await ctx.uow.pairs.get(session.pair_id) if session else None
    if session is None or pair is None or pair.status != "active" or session.status != "planned":
        return
    asker = await ctx.uow.people.get(pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id)
    if asker is None or session.starts_at <= ctx.now:
        return
    them = ctx.about(asker)
    await them.say(
        them.t(
            MOVE_NOT_ANSWERED,
            name=ctx.person.preferred_name or ctx.person.first_name,
            when=them.t.moment(session.starts_at),
        )
    )


async def move_answered(ctx: Context, answers: dict[str, Any]) -> None:
    found = await _movable(ctx, answers)
    if found is None:
        return
    pair, session = found
    asker = await ctx.uow.people.get(pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id)
    if asker is None:
        return
    name = ctx.person.preferred_name or ctx.person.first_name
    new = datetime.fromisoformat(answers["new"])
    if answers.get("ok") != "yes" or new <= ctx.now:  # a counter-proposal, or answered too late
        them = ctx.about(asker)
        await them.say(them.t(N_("{name} cannot make that time and will suggest another."), name=name))
        if answers.get("ok") == "yes":
            times = suggested(ctx, answers) or answers  # a question asked before times were values
            await ctx.say(ctx.t(MOVE_PASSED, when=times["new_when"], old_when=times["old_when"]))
        await ctx.start_flow(MOVE, again(answers))  # this person suggests a time now
        return
    late = session.starts_at - ctx.now < timedelta(hours=24)
    session.starts_at = new
    session.moves += 1
    session.late_moves += 1 if late else 0  # moving inside a day is allowed, but counted
    await schedule_messages(ctx, pair, session, agreed=True)
    for person in (ctx.person, asker):
        them = ctx.about(person)
        await them.say(
            them.t(N_("Moved: your session is now {when}."), when=them.t.moment(session.starts_at))
        )
        await send_calendar(ctx, pair, session, to=person)


MOVE_FLOW = Flow(
    name=MOVE,
    title=N_("moving a session"),
    steps=(
        Step(
            "day",
            N_("To which day? (The days of your usual times come first.)"),
            StepKind.CHOICE,
            options=move_day_options,
            columns=3,
            typed=typed_move,
            next=lambda answers: END if " " in str(answers.get("day")) else "time",
        ),
        Step("time", N_("At what time?"), StepKind.CHOICE, options=move_time_options, columns=4),
    ),
    on_complete=move_proposed,
)


MOVE_OK_FLOW = Flow(
    name=MOVE_OK,
    title=N_("a new time your partner suggested for a session"),
    steps=(
        Step(
            "ok",
            N_("{asker_name} asks to move your session of {old_when} to {new_when}. Does that suit you?"),
            StepKind.YES_NO,
        ),
    ),
    on_complete=move_answered,
    answer_within=MOVE_ANSWER_WITHIN,
    on_unanswered=move_not_answered,
    fields=suggested,
)
