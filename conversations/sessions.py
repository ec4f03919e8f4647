"""Weekly sessions: the pair agrees a slot, each week becomes a session, and the bot confirms,
reminds and asks afterwards whether they met.

The slot is a weekday and a wall-clock time in the programme's time zone; every session's UTC
time is made from the local date and time, so 17:30 stays 17:30 across daylight-saving changes.
Every message is a due job checked again when it runs: nothing goes out for a session that was
cancelled, to a paused person, or to a pair that ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import IN_A_PAIR, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import calendar, concerns, readiness
from bot.services.attendance import outcome
from conversations import checkin, mentor_notes
from conversations.common import name_of
from conversations.first_meeting import (
    PARTS,
    PLACE_LABELS,
    PLACES,
    ask_for_another_time,
    shared_between,
    shared_parts,
)
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import Refusal
from conversations.slot_text import read_slot
from storage.models import Pair, Person, Session

SLOT, SLOT_OK, SLOT_OTHER = "weekly_slot", "weekly_slot_ok", "weekly_slot_other"
MOVE, MOVE_OK = "session_move", "session_move_ok"
JOB = "session.message"
PREFIX = "ss1"  # ss1:<session id>:ok|cancel|met|notmet|other|ics
WEEKLY_PREFIX = "sw1"  # sw1:<pair id>: the weekly slot as a recurring calendar event
ADD_TO_CALENDAR = N_("Add to calendar")
AHEAD = 4  # sessions planned ahead
CONFIRM_DAYS, REMIND_DAYS = 2, 1  # "still on?" and the reminder: that many days before, same local time
HOUR_BEFORE, ASK_AFTER = timedelta(hours=1), timedelta(hours=3)  # an hour's meeting, then two hours
SNOOZE = timedelta(minutes=15)
REVIEW_AFTER = timedelta(days=2)  # time enough for both to say whether they met
CANCELLED, HOLIDAY = N_("cancelled"), N_("holiday")
WEEKDAYS = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)
# The answers to a suggested weekly slot; "no" asks the one who suggested it for another.
SLOT_ANSWERS = (
    Option("yes", N_("Yes")),
    Option("no", N_("No")),
    Option("other", N_("I'll suggest another time")),
)


@dataclass(frozen=True)
class SessionAction(Callback, prefix=PREFIX):
    session: int
    action: Literal["ok", "move", "cancel", "ics", "snooze", "met", "notmet", "other"]


@dataclass(frozen=True)
class WeeklyCalendar(Callback, prefix=WEEKLY_PREFIX):
    pair: int


def weekday_options(ctx: Context) -> tuple[Option, ...]:
    days = sorted({d for part in shared_parts(ctx) for d in PARTS[part][0]})
    return tuple(Option(str(d), WEEKDAYS[d]) for d in days)


def typed_slot(ctx: Context, text: str) -> str | Refusal:
    """A day and a time typed at the day's question ("Tue 17:30"): both in the one answer."""
    slot = read_slot(text, ctx.t.locale)
    return slot if isinstance(slot, Refusal) else f"{slot[0]} {slot[1]}"


def chosen_slot(answers: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """The weekday tapped or typed, and the time typed with it or tapped after it."""
    day, _, typed = str(answers.get("weekday") or "").partition(" ")
    at = typed or answers.get("time")
    return (int(day) if day.isdigit() else None), (str(at) if at else None)


def time_unless_typed(answers: Mapping[str, Any]) -> str:
    return "place" if " " in str(answers.get("weekday")) else "time"


def slot_time_options(ctx: Context) -> tuple[Option, ...]:
    weekday = chosen_slot(ctx.flow_answers)[0]
    slots = {
        t
        for part in shared_parts(ctx)
        for t in PARTS[part][1]
        if weekday is None or weekday in PARTS[part][0]
    }
    return tuple(Option(f"{s:%H:%M}", f"{s:%H:%M}", translate=False) for s in sorted(slots))


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
    ``agreed``: both have just agreed its time (a move), so nobody is asked "still on?" again."""
    starts = session.starts_at
    for person_id in (pair.learner_id, pair.mentor_id):
        for kind, due in (
            ("confirm", days_before(starts, CONFIRM_DAYS, ctx.programme_zone)),
            ("day", days_before(starts, REMIND_DAYS, ctx.programme_zone)),
            ("hour", starts - HOUR_BEFORE),
            ("after", starts + ASK_AFTER),
        ):
            key = f"session:{session.id}:{kind}:{person_id}"
            if kind == "confirm" and agreed:
                await ctx.uow.jobs.cancel(key)
                continue
            payload = {"person_id": person_id, "session": session.id, "kind": kind}
            await ctx.schedule(JOB, max(due, ctx.now), payload, dedupe_key=key)
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


async def _pair_and_partner(ctx: Context, answers: dict[str, Any]) -> tuple[Pair, Person] | None:
    """The active pair a slot is agreed for, and the other one of the two (else None, said)."""
    pair = await ctx.uow.pairs.get(int(answers.get("pair") or 0))
    partner = None
    if pair is not None and pair.status == "active" and ctx.person.id in (pair.learner_id, pair.mentor_id):
        partner = await ctx.uow.people.get(
            pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
        )
    if pair is None or partner is None:
        await ctx.say(ctx.t(N_("This pair no longer exists.")))
        return None
    return pair, partner


async def slot_proposed(ctx: Context, answers: dict[str, Any]) -> None:
    """One of the pair suggested a weekly slot (the mentor first, then either): the other is asked."""
    found = await _pair_and_partner(ctx, answers)
    if found is None:
        return
    pair, partner = found
    name = partner.preferred_name or partner.first_name
    await ctx.say(ctx.t(N_("Sent. I will tell you what {name} says."), name=name))
    them = ctx.about(partner)
    weekday, at = chosen_slot(answers)
    assert weekday is not None and at is not None
    await them.start_flow(
        SLOT_OK,
        {
            "pair": pair.id,
            "weekday": str(weekday),
            "time": at,
            "place": answers["place"],
            "mentor_name": ctx.person.preferred_name or ctx.person.first_name,  # whoever suggested it
            "day": them.t(WEEKDAYS[weekday]),
            "where": them.t(PLACE_LABELS[str(answers["place"])]),
        },
    )


async def slot_answered(ctx: Context, answers: dict[str, Any]) -> None:
    """Yes agrees the slot for both; "no" asks the other for another; "other" lets this one suggest."""
    found = await _pair_and_partner(ctx, answers)
    if found is None:
        return
    pair, partner = found
    if answers.get("ok") == "no":
        await ask_for_another_time(ctx, pair, partner, SLOT_OTHER, answers)
        return
    if answers.get("ok") == "other":
        name = ctx.person.preferred_name or ctx.person.first_name
        them = ctx.about(partner)
        await them.say(them.t(N_("{name} cannot make that time and will suggest another."), name=name))
        await ctx.start_flow(SLOT_OTHER, {"pair": pair.id, "shared": shared_between(ctx.person, partner)})
        return
    await agree_slot(ctx, pair, partner, answers)


async def agree_slot(ctx: Context, pair: Pair, partner: Person, answers: dict[str, Any]) -> None:
    """The weekly slot is agreed: sessions planned ahead, both told, with the slot for their calendar."""
    pair.slot_weekday, pair.slot_time, pair.slot_place = (
        int(answers["weekday"]),
        answers["time"],
        answers["place"],
    )
    await plan_ahead(ctx, pair)
    first = min(await ctx.uow.sessions.upcoming(pair.id, ctx.now), key=lambda s: s.starts_at)
    for person in (ctx.person, partner):
        them = ctx.about(person)
        text = N_(
            "Agreed: {day} at {time}. Your first weekly session is {when}. I will check with you two "
            "days before each one and remind you the day before. /sessions lists them."
        )
        day = them.t(WEEKDAYS[pair.slot_weekday])
        add = ((Button(them.t(ADD_TO_CALENDAR), data=pack(WeeklyCalendar(pair.id))),),)
        await them.say(them.t(text, day=day, time=pair.slot_time, when=them.t.moment(first.starts_at)), add)


async def send_due(ctx: Context, payload: dict[str, Any]) -> None:
    """A session's confirmation, reminder or question afterwards, if it still applies."""
    session = await ctx.uow.sessions.get(int(str(payload.get("session"))))
    pair = await ctx.uow.pairs.get(session.pair_id) if session else None
    if session is None or pair is None or pair.status != "active":
        return
    if payload.get("kind") == "review":
        await review(ctx, pair, session)
        return
    if session.status == "holiday" and payload.get("kind") == "confirm" and ctx.person.paused_at is None:
        text = N_("No session this week ({when}): it is a holiday in the programme. See you the week after!")
        await ctx.say(ctx.t(text, when=ctx.t.moment(session.starts_at)))
        return
    if session.status != "planned":
        return
    if ctx.person.paused_at is not None:
        return  # no prompts while paused
    partner_id = pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
    partner = await ctx.uow.people.get(partner_id)
    if partner is None:
        return
    name = partner.preferred_name or partner.first_name
    when = ctx.t.moment(session.starts_at)
    where = ctx.t(PLACE_LABELS.get(session.place, PLACES[0].label))
    kind = payload.get("kind")
    keyboard: Keyboard
    calendar = (Button(ctx.t(ADD_TO_CALENDAR), data=pack(SessionAction(session.id, "ics"))),)
    if kind == "confirm":
        session.confirm_asked_at = session.confirm_asked_at or ctx.now
        keyboard = (
            (
                Button(ctx.t(N_("Yes, see you then")), data=pack(SessionAction(session.id, "ok"))),
                Button(ctx.t(N_("Move it")), data=pack(SessionAction(session.id, "move"))),
            ),
            (Button(ctx.t(N_("Cancel this week")), data=pack(SessionAction(session.id, "cancel"))),),
            calendar,
        )
        await ctx.say(
            ctx.t(N_("Still on with {name} on {when}, {where}?"), name=name, when=when, where=where), keyboard
        )
    elif kind == "day":
        reminder = N_("A reminder: you meet {name} tomorrow, {when}, {where}.")
        await ctx.say(ctx.t(reminder, name=name, when=when, where=where), (calendar,))
    elif kind in ("hour", "soon"):
        snooze = ((Button(ctx.t(N_("Snooze 15 minutes")), data=pack(SessionAction(session.id, "snooze"))),),)
        text = N_("In an hour you meet {name}, {where}.")
        if kind == "soon":
            text = N_("Soon: you meet {name} at {time}, {where}.")
        shown = ctx.t(text, name=name, where=where, time=ctx.t.time(session.starts_at))
        await ctx.say(shown, snooze if session.starts_at - ctx.now > SNOOZE else None)
    elif kind == "after":
        keyboard = (
            (Button(ctx.t(N_("Yes, we met")), data=pack(SessionAction(session.id, "met"))),),
            (Button(ctx.t(N_("No, we didn't")), data=pack(SessionAction(session.id, "notmet"))),),
            (Button(ctx.t(N_("We met at another time")), data=pack(SessionAction(session.id, "other"))),),
        )
        await ctx.say(ctx.t(N_("Did you meet {name} on {when}?"), name=name, when=when), keyboard)
        if ctx.person.id == pair.learner_id:
            await plan_ahead(ctx, pair)  # the next week joins the plan (once per session)


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, SessionAction)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    session = await ctx.uow.sessions.get(press.session)
    pair = await ctx.uow.pairs.get(session.pair_id) if session else None
    if session is None or pair is None or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return
    action = press.action
    learner_side = ctx.person.id == pair.learner_id
    if pair.status != "active" and action != "ics":  # the pair ended: its week buttons are void
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    if action == "ics":
        ctx.answer_button(event.callback_id)
        await send_calendar(ctx, pair, session)
        return
    if action == "snooze":
        if session.status != "planned" or session.starts_at - ctx.now <= SNOOZE:
            ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
            return
        ctx.answer_button(event.callback_id, ctx.t(N_("I will remind you again in 15 minutes.")))
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        payload = {"person_id": ctx.person.id, "session": session.id, "kind": "soon"}
        key = f"session:{session.id}:soon:{ctx.person.id}"
        await ctx.schedule(JOB, ctx.now + SNOOZE, payload, dedupe_key=key)
        return
    if action in ("ok", "cancel", "move"):
        if session.status != "planned" or session.starts_at <= ctx.now:
            ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
            return
        ctx.answer_button(event.callback_id, ctx.t(N_("See you then!")) if action == "ok" else None)
        if learner_side:
            session.learner_answered_at = session.learner_answered_at or ctx.now
        else:
            session.mentor_answered_at = session.mentor_answered_at or ctx.now
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        if action == "cancel":
            await cancel(ctx, pair, session)
        if action == "move":
            learner = await ctx.uow.people.get(pair.learner_id)
            mentor = await ctx.uow.people.get(pair.mentor_id)
            shared = shared_between(learner, mentor) if learner and mentor else ""
            await ctx.start_flow(MOVE, {"session": session.id, "shared": shared})
        return
    answered = session.learner_met if learner_side else session.mentor_met
    if action not in ("met", "notmet", "other") or answered is not None or session.starts_at > ctx.now:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    value = {"met": "yes", "notmet": "no", "other": "other"}[action]
    if learner_side:
        session.learner_met = value
    else:
        session.mentor_met = value  # each answer is kept, also when they disagree
    ctx.answer_button(event.callback_id, ctx.t(N_("Thank you for your answer.")))
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    if value == "no":
        return
    if learner_side:  # straight on to this week's check-in, while the meeting is fresh
        await checkin.begin(ctx, pair, session)
    else:
        await mentor_notes.start_note(ctx, pair, session)


async def send_calendar(
    ctx: Context, pair: Pair, session: Session | None, *, to: Person | None = None
) -> None:
    """An .ics for one session (or, without one, the weekly slot) to a person of the pair."""
    person = to or ctx.person
    them = ctx.about(person)
    partner = await ctx.uow.people.get(pair.mentor_id if person.id == pair.learner_id else pair.learner_id)
    name = name_of(partner)
    summary = them.t(N_("Tandem: meeting with {name}"), name=name)
    if session is None:
        first = min(await ctx.uow.sessions.upcoming(pair.id, ctx.now), key=lambda s: s.starts_at)
        place = them.t(PLACE_LABELS.get(pair.slot_place or "public", PLACES[0].label))
        content = calendar.event_file(
            calendar.weekly_uid(pair.id),
            first.starts_at,
            ctx.programme_zone,
            summary,
            place,
            stamp=ctx.now,
            weekly=True,
        )
        await them.send_document(
            f"tandem-weekly-{pair.id}.ics", content, them.t(N_("Every week, for your calendar."))
        )
        return
    cancelled = session.status != "planned"
    place = them.t(PLACE_LABELS.get(session.place, PLACES[0].label))
    content = calendar.event_file(
        calendar.session_uid(session.id),
        session.starts_at,
        ctx.programme_zone,
        summary,
        place,
        stamp=ctx.now,
        cancelled=cancelled,
        sequence=session.moves + (1 if cancelled else 0),
    )
    caption = N_("Cancelled, for your calendar.") if cancelled else N_("For your calendar.")
    await them.send_document(f"tandem-session-{session.id}.ics", content, them.t(caption))


async def cancel(ctx: Context, pair: Pair, session: Session) -> None:
    session.status, session.cancelled_by = "cancelled", ctx.person.id
    session.cancelled_late = session.starts_at - ctx.now < timedelta(hours=24)
    partner_id = pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
    partner = await ctx.uow.people.get(partner_id)
    await ctx.say(ctx.t(N_("Cancelled for this week. Your partner is told.")))
    await send_calendar(ctx, pair, session)  # the same UID: a calendar that has it drops it
    if partner is None:
        return
    await send_calendar(ctx, pair, session, to=partner)
    them = ctx.about(partner)
    name = ctx.person.preferred_name or ctx.person.first_name
    await them.say(
        them.t(
            N_("{name} cannot make it this week ({when}). No problem: see you the week after!"),
            name=name,
            when=them.t.moment(session.starts_at),
        )
    )


async def list_sessions(ctx: Context, event: Inbound) -> None:
    """/sessions: the next four and the last four, with who said they met."""
    pair = await ctx.uow.pairs.current_for(ctx.person.id)
    if pair is None or pair.status != "active" or pair.slot_weekday is None:
        await ctx.say(ctx.t(N_("You have no weekly sessions yet.")))
        return
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
        lines.append(f"• {ctx.t.moment(session.starts_at)}: {said}")
    await ctx.say("\n".join(lines))


SLOT_TIME = Step("time", N_("At what time?"), StepKind.CHOICE, options=slot_time_options, columns=4)
SLOT_PLACE = Step("place", N_("Where?"), StepKind.CHOICE, options=PLACES)
SLOT_FLOW = Flow(
    name=SLOT,
    steps=(
        Step(
            "weekday",
            N_(
                "You both want to go on: please suggest a regular weekly time with {learner_name}. "
                "Which day? (These fit the times you both gave.)"
            ),
            StepKind.CHOICE,
            options=weekday_options,
            columns=2,
            typed=typed_slot,
            next=time_unless_typed,
        ),
        SLOT_TIME,
        SLOT_PLACE,
    ),
    on_complete=slot_proposed,
)
SLOT_OK_FLOW = Flow(
    name=SLOT_OK,
    steps=(
        Step(
            "ok",
            N_("{mentor_name} suggests meeting every week: {day} at {time}, {where}. Does that suit you?"),
            StepKind.CHOICE,
            options=SLOT_ANSWERS,
            columns=2,
        ),
    ),
    on_complete=slot_answered,
)
# Another weekly slot, suggested back by either of the pair until one of them agrees.
SLOT_OTHER_FLOW = Flow(
    name=SLOT_OTHER,
    steps=(
        Step(
            "weekday",
            N_("Which day do you suggest instead? (These fit the times you both gave.)"),
            StepKind.CHOICE,
            options=weekday_options,
            columns=2,
            typed=typed_slot,
            next=time_unless_typed,
        ),
        SLOT_TIME,
        SLOT_PLACE,
    ),
    on_complete=slot_proposed,
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
    session = await ctx.uow.sessions.get(int(answers.get("session") or 0))
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
            "old_when": them.t.moment(session.starts_at),
            "new_when": them.t.moment(new),
            "shared": str(answers.get("shared") or ""),
        },
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
    if answers.get("ok") != "yes":  # a counter-proposal: this person suggests a time now
        await ctx.about(asker).say(
            ctx.about(asker).t(N_("{name} cannot make that time and will suggest another."), name=name)
        )
        await ctx.start_flow(MOVE, {"session": session.id, "shared": answers.get("shared") or ""})
        return
    late = session.starts_at - ctx.now < timedelta(hours=24)
    session.starts_at = datetime.fromisoformat(answers["new"])
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
    steps=(
        Step(
            "ok",
            N_("{asker_name} asks to move your session of {old_when} to {new_when}. Does that suit you?"),
            StepKind.YES_NO,
        ),
    ),
    on_complete=move_answered,
)
FLOWS = (SLOT_FLOW, SLOT_OK_FLOW, SLOT_OTHER_FLOW, MOVE_FLOW, MOVE_OK_FLOW)


async def weekly_calendar_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, WeeklyCalendar)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    pair = await ctx.uow.pairs.get(press.pair)
    if pair is None or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return
    if pair.status != "active" or pair.slot_weekday is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    ctx.answer_button(event.callback_id)
    await send_calendar(ctx, pair, None)


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


FEATURE = Feature(
    "sessions",
    commands=(CommandEntry("sessions", list_sessions, N_("Your next and last weekly sessions"), IN_A_PAIR),),
    buttons={PREFIX: pressed, WEEKLY_PREFIX: weekly_calendar_pressed},
    jobs={JOB: send_due},
    flows=(*FLOWS, *mentor_notes.FLOWS),
    help=(HelpLine(N_("/sessions – your next and last weekly sessions"), IN_A_PAIR),),
)
