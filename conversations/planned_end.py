"""A pair's planned end. Four weeks before it, each of the two says privately: close as planned,
or extend. An extension needs both, then a coordinator's confirmation; anything less (a "close",
an answer that never comes, a coordinator's no) ends the pair on the planned day. A week before
the end both get the last-session suggestion; on the day the pair is closed (``pair_end.close``).

Buttons: ``ce1:<pair id>:close|extend`` (the two), ``cx1:<pair id>:yes|no`` (a coordinator). Every
press checks the presser's place in the pair, or role, and the pair's state again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import staff_press
from bot.i18n import N_
from bot.services import areas
from conversations.common import name_of
from conversations.pair_end import LAST_SESSION, close, plan_ending
from storage.models import Pair

ANSWER, DECISION = "ce1", "cx1"
ALREADY = N_("This was already decided.")
CLOSES_ON = N_("Thank you. Your mentoring closes as planned on {date}.")


@dataclass(frozen=True)
class EndingAnswer(Callback, prefix=ANSWER):
    pair: int
    answer: Literal["close", "extend"]


@dataclass(frozen=True)
class ExtensionDecision(Callback, prefix=DECISION):
    pair: int
    decision: Literal["yes", "no"]


async def _running(ctx: Context, payload: dict[str, Any]) -> Pair | None:
    pair = await ctx.uow.pairs.lock(int(payload.get("pair") or 0))
    return pair if pair is not None and pair.status == "active" and pair.planned_end is not None else None


async def ask(ctx: Context, payload: dict[str, Any]) -> None:
    """Four weeks before the planned end: close as planned, or extend?"""
    pair = await _running(ctx, payload)
    if pair is None or pair.planned_end is None:
        return
    for person_id, partner_id in ((pair.learner_id, pair.mentor_id), (pair.mentor_id, pair.learner_id)):
        person = await ctx.uow.people.get(person_id)
        if person is None:
            continue
        them = ctx.about(person)
        text = them.t(
            N_(
                "Your mentoring with {name} is planned to end on {date}. Would you like to close it "
                "as planned, or to go on for longer? Going on needs you both to agree, and then the "
                "programme confirms it. Your answer stays between you and the programme."
            ),
            name=name_of(await ctx.uow.people.get(partner_id)),
            date=them.t.date(pair.planned_end),
        )
        keyboard = (
            (
                Button(them.t(N_("Close as planned")), data=pack(EndingAnswer(pair.id, "close"))),
                Button(them.t(N_("Go on longer")), data=pack(EndingAnswer(pair.id, "extend"))),
            ),
        )
        await them.say(text, keyboard)


async def answered(ctx: Context, event: Inbound) -> None:
    """One of the two answers "close" or "extend"; once both said extend, the coordinators decide."""
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, EndingAnswer)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    pair = await ctx.uow.pairs.lock(press.pair)  # the partner may be answering at this moment
    if pair is None or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return
    learner = pair.learner_id == ctx.person.id
    if (
        pair.status != "active"
        or pair.planned_end is None
        or (pair.learner_extends if learner else pair.mentor_extends)
    ):
        ctx.answer_button(event.callback_id, ctx.t(ALREADY))
        return
    ctx.answer_button(event.callback_id)
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    choice = "yes" if press.answer == "extend" else "no"
    if learner:
        pair.learner_extends = choice
    else:
        pair.mentor_extends = choice
    end = ctx.t.date(pair.planned_end)
    if choice == "no":
        await ctx.say(ctx.t(CLOSES_ON, date=end))
        return
    if pair.learner_extends == pair.mentor_extends == "yes":
        await ctx.say(ctx.t(N_("Thank you. You both would like to go on; the programme will confirm it.")))
        await _ask_coordinators(ctx, pair)
        return
    partner = await ctx.uow.people.get(pair.mentor_id if learner else pair.learner_id)
    text = N_(
        "Thank you. If {name} would like to go on too, the programme will confirm it; "
        "otherwise your mentoring closes as planned on {date}."
    )
    await ctx.say(ctx.t(text, name=name_of(partner), date=end))


async def _ask_coordinators(ctx: Context, pair: Pair) -> None:
    """The coordinators' group (or each coordinator) gets the request with Confirm / Decline."""
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    text = N_(
        "{learner} and {mentor} both would like to go on for {months} more months. Extend their mentoring?"
    )
    fields = {
        "learner": name_of(learner),
        "mentor": name_of(mentor),
        "months": str(ctx.rules.closure.extend_months),
    }
    area = await areas.area_of_pair(ctx.uow, ctx.rules, pair)  # the pair's area's coordinators decide
    group = await ctx.coordinators_group(area)
    if group is not None:
        t = ctx.programme_translator()
        await ctx.say_to(group, t(text, **fields), _decision_buttons(t, pair))
        return
    for coordinator in await ctx.reachable_coordinators(area):
        t = ctx.translator_for(coordinator)
        await ctx.say_to(coordinator.chat_id, t(text, **fields), _decision_buttons(t, pair))


def _decision_buttons(t: Any, pair: Pair) -> Keyboard:
    return (
        (
            Button(t(N_("Extend")), data=pack(ExtensionDecision(pair.id, "yes"))),
            Button(t(N_("Close as planned")), data=pack(ExtensionDecision(pair.id, "no"))),
        ),
    )


async def decided(ctx: Context, event: Inbound) -> None:
    """A coordinator confirms the extension (the planned end moves on) or declines it."""
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, ExtensionDecision)
    if press is None:
        return
    pair = await ctx.uow.pairs.lock(press.pair)  # another coordinator may press a copy
    if pair is not None and not await areas.sees_pair(ctx.uow, ctx.rules, ctx.person, pair):
        pair = None  # another area's pair is answered as one that is not there
    if pair is None or pair.status != "active" or not (pair.learner_extends == pair.mentor_extends == "yes"):
        ctx.answer_button(event.callback_id, ctx.t(ALREADY))
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        return
    ctx.answer_button(event.callback_id)
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    if press.decision == "yes":
        await plan_ending(ctx, pair, ctx.rules.closure.extend_months)
        await ctx.uow.audit.record(ctx.now, ctx.person, "pair.extended", learner, pair=pair.id)
        text = N_("Good news: your mentoring with {name} goes on until {date}.")
    else:
        pair.learner_extends = pair.mentor_extends = "refused"
        text = N_("The programme cannot extend your mentoring with {name}; it closes as planned on {date}.")
    await ctx.say(ctx.t(N_("Done: both have been told.")))
    assert pair.planned_end is not None
    for person, partner in ((learner, mentor), (mentor, learner)):
        if person is not None:
            them = ctx.about(person)
            await them.say(them.t(text, name=name_of(partner), date=them.t.date(pair.planned_end)))


async def last_session(ctx: Context, payload: dict[str, Any]) -> None:
    """A week before the planned end (unless extended since): the last-session suggestion."""
    pair = await _running(ctx, payload)
    if pair is None:  # ended since; an extension moved this job to the new end
        return
    for person_id in (pair.learner_id, pair.mentor_id):
        person = await ctx.uow.people.get(person_id)
        if person is not None:
            them = ctx.about(person)
            await them.say(them.t(LAST_SESSION))


async def due(ctx: Context, payload: dict[str, Any]) -> None:
    """The planned day: the pair closes, unless an extension moved its end since."""
    pair = await _running(ctx, payload)
    if pair is None or pair.planned_end is None or pair.planned_end > ctx.now:
        return
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    await ctx.uow.audit.record(ctx.now, None, "pair.ended", learner, pair=pair.id, planned=True)
    await close(ctx, pair, planned=True, reason=None, to=[p for p in (learner, mentor) if p is not None])
    await ctx.tell_coordinators(
        N_("{learner} and {mentor} closed their mentoring as planned."),
        learner=name_of(learner),
        mentor=name_of(mentor),
    )
