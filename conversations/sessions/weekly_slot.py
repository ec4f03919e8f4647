"""Agreeing the weekly slot: one suggests a weekday and time, the other agrees, says no or suggests
another; once agreed, the sessions ahead are planned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.callbacks import pack
from bot.context import Context
from bot.events import Button
from bot.i18n import N_
from conversations.first_meeting import (
    PAIRING_ANSWER_WITHIN,
    PARTS,
    PLACE_LABELS,
    PLACES,
    ask_for_another_time,
    partner_not_answering,
    shared_between,
    shared_parts,
)
from conversations.flow import Flow, Option, Step, StepKind
from conversations.inputs import Refusal
from conversations.sessions.calendar_files import ADD_TO_CALENDAR, WeeklyCalendar
from conversations.sessions.planning import plan_ahead
from conversations.slot_text import read_slot
from storage.models import Pair, Person

SLOT, SLOT_OK, SLOT_OTHER = "weekly_slot", "weekly_slot_ok", "weekly_slot_other"


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


async def _pair_and_partner(ctx: Context, answers: dict[str, Any]) -> tuple[Pair, Person] | None:
    """The active pair a slot is agreed for, locked for the decision, and the other one of the
    two (else None, said)."""
    pair = await ctx.uow.pairs.lock(int(answers.get("pair") or 0))
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
        },
    )


def suggested(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """The suggested day and place, in the reader's language when the question is asked."""
    weekday = str(answers.get("weekday") or "")
    if not weekday.isdigit():
        return {}
    place = PLACE_LABELS.get(str(answers.get("place")), PLACE_LABELS["public"])
    return {"day": ctx.t(WEEKDAYS[int(weekday)]), "where": ctx.t(place)}


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


SLOT_TIME = Step("time", N_("At what time?"), StepKind.CHOICE, options=slot_time_options, columns=4)


SLOT_PLACE = Step("place", N_("Where?"), StepKind.CHOICE, options=PLACES)


SLOT_FLOW = Flow(
    name=SLOT,
    title=N_("your weekly meeting time"),
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
    answer_within=PAIRING_ANSWER_WITHIN,
    on_unanswered=partner_not_answering,
)


SLOT_OK_FLOW = Flow(
    name=SLOT_OK,
    title=N_("the weekly time your partner suggested"),
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
    answer_within=PAIRING_ANSWER_WITHIN,
    on_unanswered=partner_not_answering,
    fields=suggested,
)


# Another weekly slot, suggested back by either of the pair until one of them agrees.
SLOT_OTHER_FLOW = Flow(
    name=SLOT_OTHER,
    title=N_("another weekly time to suggest"),
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
