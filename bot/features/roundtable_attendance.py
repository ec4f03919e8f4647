"""After a roundtable: the coordinator who organised it marks who came, and each mentor who came
is asked one question (how useful was it?). /roundtables counts both (``bot/features/roundtables.py``).

A few hours after the start the organiser gets the mentors who said "I'll come" as buttons: a tap
marks or unmarks one, "Done" records it. Only the organiser's presses count, and only until Done.
Then each mentor marked gets the question, sent as bulk within a window outside their quiet hours,
and may change their answer. Buttons: ``ra1:<roundtable>:<person id>`` (0 is "Done") and
``rf1:<roundtable>:good|some|poor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import Feature
from bot.i18n import N_, Translator
from bot.services.people import name_of
from conversations import roundtable as flows
from conversations.announce import WINDOW, first_moment
from storage.models import Person, Roundtable, RoundtableGuest

STALE = N_("This button is no longer active.")
DONE = 0  # the "Done" button's person id
LISTED = 98  # Telegram takes 100 buttons a message: the first mentors who said yes, and Done
WHO_CAME = N_("The roundtable “{topic}” is over. Who came? Tap each mentor who was there, then Done.")
RECORDED = N_("Attendance of “{topic}” recorded: {count} came. I'll ask them one question about it.")
QUESTION = N_("How useful was the mentors' roundtable “{topic}” for you?")
USEFUL = {
    "good": N_("Very useful"),
    "some": N_("Somewhat useful"),
    "poor": N_("Not really"),
}
THANKS = N_("Thank you!")


@dataclass(frozen=True)
class Came(Callback, prefix="ra1"):
    roundtable: int
    guest: int  # a person id, or DONE


@dataclass(frozen=True)
class Useful(Callback, prefix="rf1"):
    roundtable: int
    answer: Literal["good", "some", "poor"]


def _list(t: Translator, table: Roundtable, guests: list[tuple[RoundtableGuest, Person]]) -> Keyboard:
    """The mentors who said they would come, two a row, ticked when marked; then Done."""
    buttons = [
        Button(("✅ " if guest.came else "") + name_of(person), data=pack(Came(table.id, person.id)))
        for guest, person in guests[:LISTED]
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return (*rows, (Button(t(N_("Done")), data=pack(Came(table.id, DONE))),))


async def ask_who_came(ctx: Context, payload: dict[str, Any]) -> None:
    """The organiser, a few hours after the start: the button list, unless nobody said yes."""
    table = await ctx.uow.roundtables.get(int(payload["roundtable"]))
    if table is None or table.created_by != ctx.person.id or ctx.person.role != "coordinator":
        return
    guests = await ctx.uow.roundtables.guests(table.id, "yes")
    if table.attendance_at is not None or not guests:
        return
    await ctx.say(ctx.t(WHO_CAME, topic=table.topic), _list(ctx.t, table, guests))


async def came_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, Came)
    table = await ctx.uow.roundtables.get(press.roundtable) if press else None
    if (
        press is None
        or table is None
        or table.created_by != ctx.person.id
        or ctx.person.role != "coordinator"
        or table.attendance_at is not None
        or event.message_id is None
    ):
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    guests = await ctx.uow.roundtables.guests(table.id, "yes")
    if press.guest == DONE:
        await _recorded(ctx, table, event.message_id, [p for g, p in guests if g.came])
        ctx.answer_button(event.callback_id)
        return
    guest = next((g for g, p in guests if p.id == press.guest), None)
    if guest is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    guest.came = not guest.came
    ctx.answer_button(event.callback_id)
    await ctx.edit(event.message_id, ctx.t(WHO_CAME, topic=table.topic), _list(ctx.t, table, guests))


async def _recorded(ctx: Context, table: Roundtable, message_id: int, came: list[Person]) -> None:
    """Done: the attendance is kept, and each mentor who came is asked the question."""
    table.attendance_at = ctx.now
    await ctx.edit(message_id, ctx.t(RECORDED, topic=table.topic, count=len(came)))
    jobs = []
    for mentor in came:
        opens = first_moment(ctx, mentor)
        jobs.append(({"person_id": mentor.id, "roundtable": table.id}, opens, opens + WINDOW))
    await ctx.schedule_many(flows.FEEDBACK_JOB, jobs)
    await ctx.uow.audit.record(ctx.now, ctx.person, "roundtable.attendance", None, came=len(came))


def _question(t: Translator, table: Roundtable) -> Keyboard:
    return tuple(
        (Button(t(label), data=pack(Useful(table.id, answer))),)  # type: ignore[arg-type]
        for answer, label in USEFUL.items()
    )


async def ask_feedback(ctx: Context, payload: dict[str, Any]) -> None:
    """One mentor who came: the question, unless they answered it already."""
    table = await ctx.uow.roundtables.get(int(payload["roundtable"]))
    guest = await ctx.uow.roundtables.guest(table.id, ctx.person.id) if table else None
    if table is None or guest is None or not guest.came or guest.feedback is not None:
        return
    await ctx.say(ctx.t(QUESTION, topic=table.topic), _question(ctx.t, table))


async def feedback_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, Useful)
    table = await ctx.uow.roundtables.get(press.roundtable) if press else None
    guest = await ctx.uow.roundtables.guest(table.id, ctx.person.id) if table else None
    if press is None or table is None or guest is None or not guest.came:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    guest.feedback = press.answer
    ctx.answer_button(event.callback_id)
    if event.message_id is not None:
        text = (
            ctx.t(QUESTION, topic=table.topic) + "\n\n→ " + ctx.t(USEFUL[press.answer]) + "\n" + ctx.t(THANKS)
        )
        await ctx.edit(event.message_id, text, _question(ctx.t, table))


FEATURE = Feature(
    "roundtable_attendance",
    buttons={Came.prefix: came_pressed, Useful.prefix: feedback_pressed},
    jobs={flows.ATTENDANCE_JOB: ask_who_came, flows.FEEDBACK_JOB: ask_feedback},
)
