"""Matching in Telegram: /match proposes pairs for the whole cohort; coordinators go through them.

Proposal buttons carry ``mp1:<pair id>:ok|skip|alt|m<mentor id>``; the answer after the first
meeting ``pc1:<pair id>:yes|no``. Every press checks the presser's role (or place in the pair)
and the pair's state again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np

from bot.callbacks import Callback, Tag, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import COORDINATORS, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import N_, Translator, language_name
from bot.services import matching, paging
from bot.services.people import name_of
from conversations import first_meeting, pair_end, planned_end
from conversations.common import AVAILABILITY, TRADES
from conversations.sessions.overview import figures
from storage.models import Pair, Person

PROPOSAL, CONTINUE, END = "mp1", first_meeting.CONTINUE, "pe1"
SAME_FIELD = N_("the same field")
REASONS_JOINED = N_("; ")  # between the reasons a pair fits (French wants a space before it)
NOTHING_SHARED = N_("nothing in particular")
PAIR_FIGURES = N_("held {held} · missed {missed} · cancelled {cancelled} ({late} late) · moved {moved}")
PAUSED_SINCE = N_("That pair is no longer possible ({name} has paused Tandem); skipped.")
ANSWER_TIME = N_("answer “still on?” within {hours} h (median)")
PAIR_STATUS = {"active": N_("mentoring"), "introduced": N_("introduced, first meeting ahead")}
TRADE_LABELS = {option.value: option.label for option in TRADES}
SLOT_LABELS = {option.value: option.label for option in AVAILABILITY}
REASONS = {
    "field": N_("both in {field}"),
    "distance": N_("{km} km apart"),
    "languages": N_("both speak {languages}"),
    "help": N_("the mentor offers what the learner wants help with"),
    "interests": N_("shared interests"),
    "gender": N_("the mentor the learner asked for"),
    "background": N_("a similar background"),
    "time": N_("both free: {slots}"),
}
UNMATCHED = {
    "no_mentor": N_("no ready mentor has room"),
    matching.TOO_FAR: N_("no mentor within reach"),
    matching.NO_TIME: N_("no mentor free at the same times"),
    "no_fit": N_("no mentor fits (distance or times)"),
    "taken": N_("the mentors who fit went to others this time"),
}


@dataclass(frozen=True)
class Decision(Callback, prefix=PROPOSAL):
    pair: int
    action: Literal["ok", "skip", "alt"]


@dataclass(frozen=True)
class OtherMentor(Callback, prefix=PROPOSAL):
    """One of the alternatives shown after "Another mentor", by the mentor's id: ``m42``."""

    pair: int
    mentor: Annotated[int, Tag("m")]


@dataclass(frozen=True)
class EndPair(Callback, prefix=END):
    pair: int


def learner_profile(person: Person, rules_language: str) -> matching.Learner:
    profile = person.profile or {}
    place = profile.get("place") or {}
    spoken = list(profile.get("spoken") or [])
    also = profile.get("mentor_also") or []
    wants = profile.get("mentor")
    return matching.Learner(
        id=person.id,
        lat=place.get("lat"),
        lon=place.get("lon"),
        trade=profile.get("trade"),
        help=matching.bits(profile.get("help"), matching.HELP),
        interests=matching.bits(profile.get("interests"), matching.INTERESTS),
        spoken=matching.bits(spoken, matching.LANGUAGES),
        availability=matching.bits(profile.get("availability"), matching.SLOTS),
        wants_gender=wants if wants in ("woman", "man") else None,
        wants_language="language" in also,
        wants_background="background" in also,
        needs_home_language=(person.locale or rules_language) != rules_language
        or "language" in (profile.get("help") or [])
        or "language" in also,
    )


def mentor_profile(person: Person, taken: int) -> matching.Mentor:
    profile = person.profile or {}
    place = profile.get("place") or {}
    travel = str(profile.get("travel") or "10")
    return matching.Mentor(
        id=person.id,
        lat=place.get("lat"),
        lon=place.get("lon"),
        online_only=travel == "online",
        radius_km=float(travel) if travel.isdigit() else 0.0,
        expertise=matching.bits(profile.get("expertise"), matching.TRADES),
        offers=matching.bits(profile.get("offers"), matching.HELP),
        interests=matching.bits(profile.get("interests"), matching.INTERESTS),
        spoken=matching.bits(profile.get("spoken"), matching.LANGUAGES),
        availability=matching.bits(profile.get("availability"), matching.SLOTS),
        gender=profile.get("gender"),
        background=profile.get("background") == "yes",
        capacity=max(int(profile.get("capacity") or 1) - taken, 0),
    )


def say_reasons(t: Translator, learner: Person, found: list[Any]) -> str:
    """A pair's reasons in the reader's words: "both in cars and vehicles; 3 km apart; ..."."""
    parts = []
    for code, values in found:
        fields = dict(values)
        if code == "field":
            trade = str((learner.profile or {}).get("trade"))
            fields["field"] = t(TRADE_LABELS.get(trade, SAME_FIELD))
        if code == "languages":
            fields["languages"] = ", ".join(
                language_name(c) if len(c) == 2 else c for c in values["languages"]
            )
        if code == "time":
            fields["slots"] = ", ".join(t(SLOT_LABELS[s]) for s in values["slots"] if s in SLOT_LABELS)
        if code == "distance":
            fields["km"] = t.number(values["km"])
        parts.append(t(REASONS[code], **fields))
    return t(REASONS_JOINED).join(parts) or t(NOTHING_SHARED)


async def match(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    await ctx.uow.pairs.drop_proposals()
    learners = list(await ctx.uow.people.waiting_learners())
    mentors_rows = list(await ctx.uow.people.ready_mentors())
    load = await ctx.uow.pairs.load()
    closed = await ctx.uow.pairs.closed()
    if not learners:
        await ctx.say(ctx.t(N_("No learner is waiting for a mentor.")))
        return
    language = ctx.rules.language
    people = [learner_profile(p, language) for p in learners]
    mentors = [mentor_profile(p, load.get(p.id, 0)) for p in mentors_rows]
    comp = matching.components(people, mentors, language)
    score = matching.scores(comp, ctx.rules.matching)
    for i, learner in enumerate(learners):
        for j, mentor in enumerate(mentors_rows):
            if (learner.id, mentor.id) in closed:
                score[i, j] = 0.0  # declined or ended before: never again
    assigned = matching.assign(score, mentors, ctx.rules.matching)
    for position, (i, j) in enumerate(assigned):
        order = [int(k) for k in np.argsort(-score[i]) if k != j and score[i, k] > 0]
        alternatives = [
            [mentors_rows[k].id, round(float(score[i, k]), 1), matching.reasons(comp, i, k)]
            for k in order
            if mentors[k].capacity > 0
        ][:3]
        await ctx.uow.pairs.add(
            Pair(
                learner_id=learners[i].id,
                mentor_id=mentors_rows[j].id,
                status="proposed",
                score=round(float(score[i, j]), 1),
                reasons=matching.reasons(comp, i, j),
                alternatives=alternatives,
                position=position,
                proposed_by=ctx.person.id,
                created_at=ctx.now,
            )
        )
    matched = {i for i, _ in assigned}
    lines = [
        ctx.t.plural(
            "{n} proposal, one at a time below.", "{n} proposals, one at a time below.", len(assigned)
        )
    ]
    unmatched = [i for i in range(len(learners)) if i not in matched]
    if unmatched:
        lines.append(ctx.t(N_("No mentor for now:")))
    for i in unmatched:
        learner = learners[i]
        why = matching.why_unmatched(comp, i, mentors)
        lines.append(f"• {learner.preferred_name or learner.first_name}: {ctx.t(UNMATCHED[why])}")
        if learner.waiting_told_at is None:  # nobody waits in silence, and nobody is told twice
            learner.waiting_told_at = ctx.now
            them = ctx.about(learner)
            await them.say(
                them.t(
                    N_(
                        "{name}, the programme is still looking for a mentor who fits you. "
                        "It can take a little while; you will hear from us."
                    ),
                    name=learner.preferred_name or learner.first_name,
                )
            )
    await ctx.say("\n".join(lines))
    await _next(ctx)


async def _next(ctx: Context) -> None:
    pair = await ctx.uow.pairs.next_proposal()
    if pair is None:
        await ctx.say(ctx.t(N_("No more proposals. /match computes new ones.")))
        return
    text, keyboard = await card(ctx, pair)
    await ctx.say(text, keyboard)


async def card(ctx: Context, pair: Pair) -> tuple[str, Keyboard]:
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    assert learner is not None and mentor is not None
    total = await ctx.uow.pairs.proposals_count()
    text = ctx.t(
        N_(
            "Proposal {number} of {total}:\nLearner: {learner}\nMentor: {mentor}\n"
            "Score: {score}\nWhy: {reasons}"
        ),
        number=pair.position + 1,
        total=total,
        learner=learner.preferred_name or learner.first_name,
        mentor=mentor.preferred_name or mentor.first_name,
        score=ctx.t.number(pair.score),
        reasons=say_reasons(ctx.t, learner, pair.reasons),
    )
    rows: list[tuple[Button, ...]] = [
        (
            Button(ctx.t(N_("Approve")), data=pack(Decision(pair.id, "ok"))),
            Button(ctx.t(N_("Skip")), data=pack(Decision(pair.id, "skip"))),
        ),
    ]
    if pair.alternatives:
        rows.append((Button(ctx.t(N_("Another mentor")), data=pack(Decision(pair.id, "alt"))),))
    return text, tuple(rows)


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Decision, OtherMentor)
    if press is None:
        return
    pair = await ctx.uow.pairs.lock(press.pair)  # another coordinator may decide on it, or its people
    if pair is None or pair.status != "proposed":
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        return
    if isinstance(press, Decision) and press.action == "alt":
        ctx.answer_button(event.callback_id)
        await _alternatives(ctx, event, pair)
        return
    if isinstance(press, OtherMentor):
        chosen = next((a for a in pair.alternatives if int(a[0]) == press.mentor), None)
        if chosen is None:
            ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
            return
        pair.mentor_id, pair.score, pair.reasons = press.mentor, float(chosen[1]), chosen[2]
    ctx.answer_button(event.callback_id)
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    if isinstance(press, Decision) and press.action == "skip":
        pair.status, pair.decided_at = "skipped", ctx.now
    else:
        await _introduce(ctx, pair)
    await _next(ctx)


async def _alternatives(ctx: Context, event: ButtonPress, pair: Pair) -> None:
    learner = await ctx.uow.people.get(pair.learner_id)
    assert learner is not None
    lines = [
        ctx.t(
            N_("Other mentors for {learner}, best first:"),
            learner=learner.preferred_name or learner.first_name,
        )
    ]
    rows = []
    for mentor_id, score, found in pair.alternatives:
        mentor = await ctx.uow.people.get(int(mentor_id))
        if mentor is None:
            continue
        name = mentor.preferred_name or mentor.first_name
        lines.append(f"• {name} ({ctx.t.number(score)}): {say_reasons(ctx.t, learner, found)}")
        label = ctx.t(N_("Choose {name}"), name=name)
        rows.append((Button(label, data=pack(OtherMentor(pair.id, int(mentor_id)))),))
    rows.append((Button(ctx.t(N_("Skip")), data=pack(Decision(pair.id, "skip"))),))
    await ctx.say("\n".join(lines), tuple(rows))


async def _introduce(ctx: Context, pair: Pair) -> None:
    # Both held until this commits (after the pair, by id): another approval for either of them,
    # a pause or a suspension waits, and what it changed before is read here.
    people = {person.id: person for person in await ctx.uow.people.lock(pair.learner_id, pair.mentor_id)}
    learner, mentor = people[pair.learner_id], people[pair.mentor_id]
    busy = await ctx.uow.pairs.current_for(learner.id)
    load = (await ctx.uow.pairs.load()).get(mentor.id, 0)
    paused = next((person for person in (learner, mentor) if person.paused_at is not None), None)
    if paused is not None:  # since /match proposed them: matching leaves paused people out
        pair.status, pair.decided_at = "skipped", ctx.now
        await ctx.say(ctx.t(PAUSED_SINCE, name=paused.preferred_name or paused.first_name))
        return
    if (
        busy is not None
        or load >= int((mentor.profile or {}).get("capacity") or 1)
        or mentor.ready_at is None
        or mentor.suspended_at is not None  # suspended since /match proposed them
    ):
        pair.status, pair.decided_at = "skipped", ctx.now
        await ctx.say(ctx.t(N_("That pair is no longer possible (someone was matched meanwhile); skipped.")))
        return
    pair.status, pair.decided_at = "introduced", ctx.now
    await ctx.uow.audit.record(ctx.now, ctx.person, "pair.approved", learner, pair=pair.id)
    learner_name = learner.preferred_name or learner.first_name
    mentor_name = mentor.preferred_name or mentor.first_name
    await ctx.say(
        ctx.t(
            N_("Approved: {learner} and {mentor}. Both are introduced."),
            learner=learner_name,
            mentor=mentor_name,
        )
    )
    them = ctx.about(learner)
    await them.say(
        them.t(
            N_(
                "Good news, {name}! Your mentor is {mentor}. What you have in common: {reasons}. "
                "{mentor} will suggest a time for your first meeting."
            ),
            name=learner_name,
            mentor=mentor_name,
            reasons=say_reasons(them.t, learner, pair.reasons),
        )
    )
    volunteer = ctx.about(mentor)
    await volunteer.say(
        volunteer.t(
            N_(
                "Meet {learner}, the learner the programme matched with you. "
                "What you have in common: {reasons}."
            ),
            learner=learner_name,
            reasons=say_reasons(volunteer.t, learner, pair.reasons),
        )
    )
    shared = first_meeting.shared_between(learner, mentor)
    await volunteer.start_flow(
        first_meeting.PROPOSE, {"pair": pair.id, "learner_name": learner_name, "shared": shared}
    )


async def pairs(ctx: Context, event: Inbound) -> None:
    """The pairs now running, a page at a time, each with a button to end it."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    await paging.show(ctx, RUNNING_PAIRS)


async def _running(ctx: Context) -> list[Pair]:
    return list(await ctx.uow.pairs.live())


async def _pair_entry(ctx: Context, pair: Pair) -> Entry:
    learner = name_of(await ctx.uow.people.get(pair.learner_id))
    mentor = name_of(await ctx.uow.people.get(pair.mentor_id))
    text = ctx.t(
        N_("{learner} and {mentor} · since {date} · {status}"),
        learner=learner,
        mentor=mentor,
        date=ctx.t.date(pair.decided_at or pair.created_at),
        status=ctx.t(PAIR_STATUS[pair.status]),
    )
    if pair.status == "active" and pair.slot_weekday is not None:
        numbers = await figures(ctx, pair)
        text += "\n" + ctx.t(PAIR_FIGURES, **numbers)
        if numbers["hours"] >= 0:
            text += " · " + ctx.t(ANSWER_TIME, hours=numbers["hours"])
    label = ctx.t(N_("End: {learner} & {mentor}"), learner=learner, mentor=mentor)
    return Entry(text, ((Button(label, data=pack(EndPair(pair.id))),),))


RUNNING_PAIRS = Listing(
    "pairs",
    N_("Running pairs"),
    N_("No pair is running. /match proposes some."),
    _running,
    _pair_entry,
    per_page=10,
    between="\n\n",
)


async def end_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, EndPair)
    if press is None:
        return
    pair = await ctx.uow.pairs.get(press.pair)
    if pair is None or pair.status not in ("introduced", "active"):
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        return
    ctx.answer_button(event.callback_id)
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    names = " & ".join((p.preferred_name or p.first_name) for p in (learner, mentor) if p is not None)
    await ctx.start_flow(pair_end.END_PAIR, {"pair": pair.id, "names": names})


async def continue_pressed(ctx: Context, event: Inbound) -> None:
    """After the first meeting: each answers privately whether to go on together."""
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, first_meeting.Continue)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    pair = await ctx.uow.pairs.lock(press.pair)  # the partner may be answering at this moment
    side = None
    if pair is not None:
        side = (
            "learner"
            if pair.learner_id == ctx.person.id
            else "mentor"
            if pair.mentor_id == ctx.person.id
            else None
        )
    if pair is None or side is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return
    answered = pair.learner_continues if side == "learner" else pair.mentor_continues
    if pair.status != "introduced" or answered is not None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        return
    ctx.answer_button(event.callback_id)
    if side == "learner":
        pair.learner_continues = press.answer
    else:
        pair.mentor_continues = press.answer
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    await first_meeting.both_answered(ctx, pair)


FEATURE = Feature(
    "matchmaking",
    commands=(
        CommandEntry("match", match, N_("Propose mentors for waiting learners"), COORDINATORS),
        CommandEntry("pairs", pairs, N_("The pairs now running"), COORDINATORS),
    ),
    buttons={
        PROPOSAL: pressed,
        CONTINUE: continue_pressed,
        END: end_pressed,
        planned_end.ANSWER: planned_end.answered,
        planned_end.DECISION: planned_end.decided,
    },
    group_buttons={planned_end.DECISION: planned_end.decided},
    jobs={
        first_meeting.AFTER_JOB: first_meeting.ask_to_continue,
        pair_end.ASK_JOB: planned_end.ask,
        pair_end.LAST_JOB: planned_end.last_session,
        pair_end.END_JOB: planned_end.due,
    },
    flows=(*first_meeting.FLOWS, pair_end.END_PAIR_FLOW, pair_end.CLOSING_SURVEY_FLOW),
    lists=(RUNNING_PAIRS,),
    help=(
        HelpLine(N_("/match – propose mentors for every waiting learner"), COORDINATORS),
        HelpLine(N_("/pairs – the pairs now running, to end one"), COORDINATORS),
    ),
)
