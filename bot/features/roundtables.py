"""Roundtables: coordinators plan a meeting of mentors (/roundtable, ``conversations/roundtable.py``)
and see who is coming (/roundtables); mentors answer their invitation with a button, and may change
their answer until it begins. Buttons carry ``rt1:<roundtable id>:yes|no``; a press by anyone not
invited, or after the start, is answered as a stale button.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine
from bot.i18n import N_, Translator
from bot.services import areas
from conversations import roundtable as flows
from storage.models import Roundtable

PAST = timedelta(days=91)  # /roundtables shows who came to those of the last three months
STALE = N_("This button is no longer active.")
ANSWERS = {
    "yes": N_("✅ You said you will come. Thank you!"),
    "no": N_("You said you cannot come. Thanks for telling us."),
}


@dataclass(frozen=True)
class Rsvp(Callback, prefix=flows.PREFIX):
    roundtable: int
    answer: Literal["yes", "no"]


NONE_PLANNED = N_("No roundtable is planned. /roundtable plans one.")
TITLE = N_("Roundtables")


def buttons(t: Translator, roundtable_id: int) -> Keyboard:
    return (
        (
            Button(t(N_("I'll come")), data=pack(Rsvp(roundtable_id, "yes"))),
            Button(t(N_("Can't come")), data=pack(Rsvp(roundtable_id, "no"))),
        ),
    )


async def plan(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    cohorts = await ctx.uow.announcements.cohorts(areas.scope_of(ctx.rules, ctx.person))
    await ctx.start_flow(flows.WRITE, {"cohorts": ", ".join(cohorts) or "–"})


async def listing(ctx: Context, event: Inbound) -> None:
    """The roundtables to come with their answers, then those of the last months with who came
    and what they said of it."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    await ctx.say("\n\n".join(await overview(ctx)))


async def overview(ctx: Context) -> list[str]:
    """/roundtables' blocks (the coordinator's areas'), as the chat and the console show them."""
    scope = areas.scope_of(ctx.rules, ctx.person)
    found = await ctx.uow.roundtables.since(ctx.now, scope)
    past = await ctx.uow.roundtables.between(ctx.now - PAST, ctx.now, scope)
    if not found and not past:
        return [ctx.t(NONE_PLANNED)]
    blocks = []
    if found:
        coming = ["• " + _coming(ctx.t, table, counts) for table, counts in found]
        blocks.append("\n".join([ctx.t(N_("Roundtables to come:")), *coming]))
    if past:
        held = ["• " + _after(ctx.t, table, counts) for table, counts in past]
        blocks.append("\n".join([ctx.t(N_("Roundtables of the last three months:")), *held]))
    return blocks


def _coming(t: Translator, table: Roundtable, counts: Counter[str | None]) -> str:
    return t(
        N_("{when} · {topic}: {yes} coming, {no} can't, {none} not answered"),
        when=t.moment(table.starts_at),
        topic=table.topic,
        yes=counts["yes"],
        no=counts["no"],
        none=counts[None],
    )


def _after(t: Translator, table: Roundtable, counts: Counter[str]) -> str:
    when = t.moment(table.starts_at)
    if table.attendance_at is None:
        return t(N_("{when} · {topic}: who came is not marked yet"), when=when, topic=table.topic)
    return t(
        N_("{when} · {topic}: {came} came; useful for {good}, somewhat for {some}, not really for {poor}"),
        when=when,
        topic=table.topic,
        came=counts["came"],
        good=counts["good"],
        some=counts["some"],
        poor=counts["poor"],
    )


async def answered(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, Rsvp)
    table = await ctx.uow.roundtables.get(press.roundtable) if press else None
    guest = await ctx.uow.roundtables.guest(table.id, ctx.person.id) if table else None
    if press is None or table is None or guest is None or table.starts_at <= ctx.now:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    guest.answer, guest.answered_at = press.answer, ctx.now
    ctx.answer_button(event.callback_id)
    if event.message_id is not None:
        text = flows.invitation(ctx.t, table) + "\n\n" + ctx.t(ANSWERS[press.answer])
        await ctx.edit(event.message_id, text, buttons(ctx.t, table.id))


async def invite(ctx: Context, payload: dict[str, Any]) -> None:
    """One mentor's invitation, unless the roundtable has begun or they are out of reach."""
    table = await ctx.uow.roundtables.get(int(payload["roundtable"]))
    guest = await ctx.uow.roundtables.guest(table.id, ctx.person.id) if table else None
    if table is None or guest is None or table.starts_at <= ctx.now or ctx.person.unreachable_since:
        return
    await ctx.say(flows.invitation(ctx.t, table), buttons(ctx.t, table.id))


async def remind(ctx: Context, payload: dict[str, Any]) -> None:
    """The day before: each mentor who said they will come, in their own language."""
    table: Roundtable | None = await ctx.uow.roundtables.get(int(payload["roundtable"]))
    if table is None:
        return
    for mentor in await ctx.uow.roundtables.coming(table.id):
        them = ctx.about(mentor)
        await them.say(
            them.t(flows.REMINDER, topic=table.topic, when=them.t.moment(table.starts_at), place=table.place)
        )


FEATURE = Feature(
    "roundtables",
    commands=(
        CommandEntry("roundtable", plan, N_("Plan a mentors' roundtable"), COORDINATORS),
        CommandEntry("roundtables", listing, N_("Roundtables to come and who is coming"), COORDINATORS),
    ),
    buttons={flows.PREFIX: answered},
    jobs={flows.INVITE_JOB: invite, flows.REMINDER_JOB: remind},
    flows=flows.FLOWS,
    help=(
        HelpLine(N_("/roundtable – invite mentors to meet and exchange experience"), COORDINATORS),
        HelpLine(N_("/roundtables – the roundtables to come and who is coming"), COORDINATORS),
    ),
)
