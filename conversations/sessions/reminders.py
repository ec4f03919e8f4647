"""The messages of a session ("still on?", the reminder, "in an hour", "did you meet?") and
their buttons, and the calendar files for a session or the weekly slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.i18n import N_
from conversations import checkin, mentor_notes
from conversations.first_meeting import place_of, shared_between
from conversations.sessions.calendar_files import ADD_TO_CALENDAR, send_calendar
from conversations.sessions.moving import MOVE
from conversations.sessions.planning import JOB, plan_ahead, review
from storage.models import Pair, Session

PREFIX = "ss1"  # ss1:<session id>:ok|cancel|met|notmet|other|ics


SNOOZE = timedelta(minutes=15)


CANCELLED, HOLIDAY = N_("cancelled"), N_("holiday")


@dataclass(frozen=True)
class SessionAction(Callback, prefix=PREFIX):
    session: int
    action: Literal["ok", "move", "cancel", "ics", "snooze", "met", "notmet", "other"]


async def send_due(ctx: Context, payload: dict[str, Any]) -> None:
    """A session's confirmation, reminder or question afterwards, if it still applies (read
    under the pair's lock: not while one of the two is cancelling or moving it)."""
    session = await ctx.uow.sessions.lock(int(str(payload.get("session"))))
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
    where = place_of(ctx.t, pair, session.place)
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
    session = await ctx.uow.sessions.lock(press.session)  # the partner may be deciding on it too
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
