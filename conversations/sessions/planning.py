"""The sessions ahead: each week of the agreed slot becomes a session in the programme's time
zone, with its messages as due jobs; two days after, the signals (missed twice, cancelled often)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_
from bot.services import concerns, readiness
from bot.services.attendance import outcome
from conversations import checkin
from conversations.common import name_of
from storage.models import Pair, Session

JOB = "session.message"


AHEAD = 4  # sessions planned ahead


CONFIRM_DAYS, REMIND_DAYS = 2, 1  # "still on?" and the reminder: that many days before, same local time


HOUR_BEFORE, ASK_AFTER = timedelta(hours=1), timedelta(hours=3)  # an hour's meeting, then two hours


REVIEW_AFTER = timedelta(days=2)  # time enough for both to say whether they met


# Each message's window around its due time (how early it may go when many are due at once, and
# by when it must): the hour-before reminder not before 75 minutes nor after 60; "still on?" and
# the day-before reminder with hours of slack; "did you meet?" from its time on, for three hours.
WINDOWS = {
    "confirm": (timedelta(hours=2), timedelta(hours=2)),
    "day": (timedelta(hours=1), timedelta(hours=1)),
    "hour": (timedelta(minutes=15), timedelta(0)),
    "after": (timedelta(0), timedelta(hours=3)),
}


def occurrence(ctx: Context, pair: Pair, day: date) -> datetime:
    """The slot's moment on a local day, in UTC."""
    local = datetime.combine(day, time.fromisoformat(pair.slot_time or "17:00"), ZoneInfo(ctx.programme_zone))
    return local.astimezone(ZoneInfo("UTC"))


async def plan_ahead(ctx: Context, pair: Pair) -> None:
    """Keep the next few weeks planned, each with its messages due."""
    if pair.slot_weekday is None or pair.status != "active":
        return
    upcoming = await ctx.uow.sessions.upcoming(pair.id, ctx.now)
    latest = max((s.starts_at for s in upcoming), default=None)
    day = readiness.today(ctx) + timedelta(days=1)
    if latest is not None:
        day = latest.astimezone(ZoneInfo(ctx.programme_zone)).date() + timedelta(days=1)
    while len(upcoming) < AHEAD:
        while day.weekday() != pair.slot_weekday:
            day += timedelta(days=1)
        starts = occurrence(ctx, pair, day)
        status = "holiday" if ctx.rules.is_holiday(day) else "planned"
        session = await ctx.uow.sessions.add(
            Session(
                pair_id=pair.id,
                starts_at=starts,
                place=pair.slot_place or "public",
                status=status,
                created_at=ctx.now,
            )
        )
        upcoming = [*upcoming, session]
        await schedule_messages(ctx, pair, session)
        day += timedelta(days=1)


def days_before(moment: datetime, days: int, zone_name: str) -> datetime:
    """The same local wall-clock time ``days`` earlier (a clock change between moves it by an hour
    in UTC, so "still on?" comes at 17:30 two days before a 17:30 session, not at 16:30 or 18:30)."""
    zone = ZoneInfo(zone_name)
    local = moment.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


async def schedule_messages(ctx: Context, pair: Pair, session: Session, *, agreed: bool = False) -> None:
    """The session's messages as due jobs; the same keys again replace them (a moved session).
    ``agreed``: both have just agreed its time (a move), so nobody is asked "still on?" again,
    nor reminded at once of a moment that went by before they agreed."""
    starts = session.starts_at
    for person_id in (pair.learner_id, pair.mentor_id):
        for kind, due in (
            ("confirm", days_before(starts, CONFIRM_DAYS, ctx.programme_zone)),
            ("day", days_before(starts, REMIND_DAYS, ctx.programme_zone)),
            ("hour", starts - HOUR_BEFORE),
            ("after", starts + ASK_AFTER),
        ):
            key = f"session:{session.id}:{kind}:{person_id}"
            if agreed and (kind == "confirm" or (kind in ("day", "hour") and due < ctx.now)):
                await ctx.uow.jobs.cancel(key)
                continue
            payload = {"person_id": person_id, "session": session.id, "kind": kind}
            early, late = WINDOWS[kind]
            window = (due - early, due + late)
            await ctx.schedule(JOB, max(due, ctx.now), payload, dedupe_key=key, window=window)
    await ctx.schedule(  # the week's check-in, unless the learner's "we met" started it already
        checkin.JOB,
        starts + checkin.AFTER_SESSION,
        {"person_id": pair.learner_id, "session": session.id},
        dedupe_key=f"checkin:{session.id}",
    )
    await ctx.schedule(
        JOB,
        starts + REVIEW_AFTER,
        {"person_id": pair.learner_id, "session": session.id, "kind": "review"},
        dedupe_key=f"session:{session.id}:review",
    )


async def review(ctx: Context, pair: Pair, session: Session) -> None:
    """Two days after a session: signals for coordinators (two missed in a row, many cancellations)."""
    past = [s for s in await ctx.uow.sessions.past(pair.id, ctx.now) if s.starts_at <= session.starts_at]
    counted = [outcome(s) for s in past if outcome(s) in ("held", "missed")]
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    names = {
        "learner": name_of(learner),
        "mentor": name_of(mentor),
    }
    if counted[:2] == ["missed", "missed"] and await ctx.uow.signals.raise_once(
        pair.id, "missed_twice", ctx.now
    ):
        text = N_("Signal: {learner} and {mentor} missed two sessions in a row.")
        await concerns.signal(ctx, pair, "missed_twice", text, **names)
    recent = [s for s in past if s.starts_at > session.starts_at - timedelta(days=28)]
    cancelled = sum(1 for s in recent if s.status == "cancelled")
    if cancelled >= 3 and await ctx.uow.signals.raise_once(pair.id, "cancelled_often", ctx.now):
        text = N_("Signal: {learner} and {mentor} cancelled three of their last four sessions.")
        await concerns.signal(ctx, pair, "cancelled_often", text, **names)
