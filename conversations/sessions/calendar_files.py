"""Calendar files: "Add to calendar" under a session's messages, and the weekly slot as a recurring
event (sw1:<pair id>)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import Callback, unpack
from bot.context import Context
from bot.events import ButtonPress, Inbound
from bot.i18n import N_
from bot.services import calendar
from conversations.common import name_of
from conversations.first_meeting import place_of
from storage.models import Pair, Person, Session

PREFIX = "ss1"  # ss1:<session id>:ok|cancel|met|notmet|other|ics


WEEKLY_PREFIX = "sw1"  # sw1:<pair id>: the weekly slot as a recurring calendar event


ADD_TO_CALENDAR = N_("Add to calendar")


@dataclass(frozen=True)
class WeeklyCalendar(Callback, prefix=WEEKLY_PREFIX):
    pair: int


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
        place = place_of(them.t, pair, pair.slot_place)
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
    place = place_of(them.t, pair, session.place)
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
