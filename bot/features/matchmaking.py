"""Matching in Telegram: /match proposes pairs for the whole cohort; coordinators go through them.

Proposal buttons carry ``mp1:<pair id>:ok|skip|alt|m<mentor id>``; the answer after the first
meeting ``pc1:<pair id>:yes|no``. Every press checks the presser's role (or place in the pair)
and the pair's state again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from bot.callbacks import Callback, Tag, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound, Keyboard
from bot.feature import COORDINATORS, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import G_, N_, Translator, language_name
from bot.services import areas, matching, paging, proposals, relationship
from bot.services.people import gender_of, name_of
from conversations import first_meeting, match_review, pair_end, planned_end
from conversations.common import AVAILABILITY, TRADES
from conversations.sessions.overview import figures
from storage.models import Pair, Person

PROPOSAL, CONTINUE, END, LISTED = "mp1", first_meeting.CONTINUE, "pe1", "ml1"
ONE_AT_A_TIME = 10  # more proposals than this: a summary to approve in batches, or page through
APPROVED = N_("Approved: {learner} and {mentor}. Both are introduced.")
SCORE_STEP = N_("• {score} or more: {count}")
TOAST = 200  # characters of a button's answer Telegram shows
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
PROPOSED = N_("a proposal waits for a decision")
NEXT_MATCH = N_("waiting for the next /match")


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


@dataclass(frozen=True)
class Listed(Callback, prefix=LISTED):
    """Approve or skip a proposal on the pages of a large run: ``ml1:<pair id>:ok|skip``."""

    pair: int
    action: Literal["ok", "skip"]


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
    across = (
        areas.is_lead(ctx.rules, ctx.person) and isinstance(event, Command) and event.args.strip() == "all"
    )
    proposed = await propose(ctx, across=across)
    if proposed is None:
        await ctx.say(ctx.t(N_("No learner is waiting for a mentor.")))
        return
    learners, found = proposed
    if len(found.proposals) > ONE_AT_A_TIME:
        await ctx.say(*await _summary(ctx, found.unmatched))
        return
    lines = [
        ctx.t.plural(
            "{n} proposal, one at a time below.", "{n} proposals, one at a time below.", len(found.proposals)
        )
    ]
    lines += _unmatched_lines(ctx, learners, found.unmatched)
    await ctx.say("\n".join(lines))
    await _next(ctx)


async def propose(ctx: Context, *, across: bool = False) -> tuple[list[Person], proposals.Proposals] | None:
    """New proposals for every waiting learner of the coordinator's areas (their earlier ones
    dropped), as /match and the console make them: the learners, and the proposals and who got
    none and why (indices into the learners). Such a learner is told once that the search goes
    on. Matching runs per area unless ``across`` (a lead's /match all). None: nobody is waiting."""
    scope = areas.scope_of(ctx.rules, ctx.person)
    learners = list(await ctx.uow.people.waiting_learners(scope))
    mentors_rows = areas.serving(ctx.rules, ctx.person, await ctx.uow.people.ready_mentors())
    found = await _propose(ctx, learners, mentors_rows, across=across) if learners else None
    await ctx.uow.pairs.drop_proposals(scope)  # the first write: computing holds no write lock
    if found is None:
        return None
    await ctx.uow.pairs.add_all(
        [
            Pair(
                learner_id=learners[proposal.learner].id,
                mentor_id=mentors_rows[proposal.mentor].id,
                status="proposed",
                score=round(proposal.score, 1),
                reasons=proposal.reasons,
                alternatives=[
                    [mentors_rows[k].id, round(score, 1), said] for k, score, said in proposal.alternatives
                ],
                position=position,
                proposed_by=ctx.person.id,
                created_at=ctx.now,
            )
            for position, proposal in enumerate(found.proposals)
        ]
    )
    for i, learner in enumerate(learners):  # kept for the console, which says why without computing
        learner.waiting_reason = found.unmatched.get(i)
    for i in found.unmatched:
        await _tell_waiting(ctx, learners[i])
    return learners, found


async def waiting_why(ctx: Context) -> list[tuple[Person, str]]:
    """Every learner of the coordinator's areas waiting for a mentor, with why (a msgid): a proposal
    waits for a decision, or what the last /match said of them. Read, never computed: computing a
    national cohort's proposals takes seconds, too long for every view of a page."""
    learners = await ctx.uow.people.waiting_learners(areas.scope_of(ctx.rules, ctx.person))
    proposed = {pair.learner_id for pair in await ctx.uow.pairs.proposals()}
    return [(learner, PROPOSED if learner.id in proposed else _why(learner)) for learner in learners]


def _why(learner: Person) -> str:
    return UNMATCHED.get(learner.waiting_reason or "", NEXT_MATCH)


async def decide(ctx: Context, pair_id: int, approve: bool) -> bool:
    """A coordinator's decision on a proposal outside the chat (the console): approved, the pair
    is introduced exactly as by the button; False when it was decided already."""
    pair = await ctx.uow.pairs.lock(pair_id)  # another coordinator may decide on it, or its people
    if pair is None or pair.status != "proposed":
        return False
    if approve:
        await ctx.say((await _introduce(ctx, pair))[1])
    else:
        pair.status, pair.decided_at = "skipped", ctx.now
    return True


async def _propose(
    ctx: Context, learners: list[Person], mentors_rows: list[Person], *, across: bool = False
) -> proposals.Proposals:
    """The cohort's proposals, by the dense matrix or, for a large cohort, the sparse path; per
    area when the programme has areas, unless ``across``."""
    load = await ctx.uow.pairs.load()
    closed = await ctx.uow.pairs.closed()
    language = ctx.rules.language
    people = [learner_profile(p, language) for p in learners]
    mentors = [mentor_profile(p, load.get(p.id, 0)) for p in mentors_rows]
    learner_at = {p.id: i for i, p in enumerate(learners)}
    mentor_at = {p.id: j for j, p in enumerate(mentors_rows)}
    never = [
        (learner_at[a], mentor_at[b]) for a, b in closed if a in learner_at and b in mentor_at
    ]  # declined or ended before: never again
    w = ctx.rules.matching
    # A national cohort takes seconds of numpy: off the event loop, which goes on serving others.
    if across or len(ctx.rules.areas) < 2:
        return await asyncio.to_thread(proposals.propose, people, mentors, language, w, never)
    learner_areas = [areas.area_of(ctx.rules, p) for p in learners]
    mentor_areas = [
        None if mentor.online_only else areas.area_of(ctx.rules, person)
        for person, mentor in zip(mentors_rows, mentors, strict=True)
    ]
    return await asyncio.to_thread(
        proposals.propose_per_area, people, mentors, learner_areas, mentor_areas, language, w, never
    )


async def _tell_waiting(ctx: Context, learner: Person) -> None:
    """Nobody waits in silence, and nobody is told twice."""
    if learner.waiting_told_at is not None:
        return
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


def _steps(scores: list[float]) -> list[tuple[float, int]]:
    """Scores to approve from, and how many proposals each takes: the best quarter, half, three
    quarters, and all of them."""
    ranked = sorted(scores, reverse=True)
    steps: list[tuple[float, int]] = []
    for quarters in (1, 2, 3, 4):
        floor = ranked[-(-len(ranked) * quarters // 4) - 1]
        count = sum(score >= floor for score in ranked)  # ties at the floor come along
        if not steps or steps[-1][1] != count:
            steps.append((floor, count))
    return steps


def _unmatched_lines(ctx: Context, learners: list[Person], unmatched: dict[int, str]) -> list[str]:
    """Who got nobody and why: by name when they are few (and ``learners`` are given), else how
    many for each reason, so that a national run's message stays within Telegram's limit."""
    if not unmatched:
        return []
    lines = [ctx.t(N_("No mentor for now:"))]
    if learners and len(unmatched) <= ONE_AT_A_TIME:
        for i, why in unmatched.items():
            lines.append("• " + ctx.t.labelled(name_of(learners[i]), ctx.t(UNMATCHED[why])))
        return lines
    for why in UNMATCHED:
        count = sum(1 for reason in unmatched.values() if reason == why)
        if count:
            lines.append("• " + ctx.t.labelled(ctx.t(UNMATCHED[why]), ctx.t.number(count)))
    return lines


async def _summary(ctx: Context, unmatched: dict[int, str]) -> tuple[str, Keyboard]:
    """A large run at a glance: how many, the scores, who got nobody and why; and the ways on."""
    run = await ctx.uow.pairs.run_start()
    assert run is not None
    waiting = await match_review.pending(ctx)
    scores = [pair.score for pair in waiting]
    steps = _steps(scores)
    number = ctx.t.number
    lines = [
        ctx.t.plural(
            "{n} proposal to review, scoring {low} to {high}:",
            "{n} proposals to review, scoring {low} to {high}:",
            len(scores),
            low=number(min(scores)),
            high=number(max(scores)),
        )
    ]
    lines += [ctx.t(SCORE_STEP, score=number(score), count=count) for score, count in steps]
    lines += _unmatched_lines(ctx, [], unmatched)
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                ctx.t(N_("All from {score} ({count})"), score=number(score), count=count),
                data=pack(match_review.AskAbove(run, match_review.tenths(score))),
            ),
        )
        for score, count in steps
    ]
    rows.append(
        (
            Button(ctx.t(N_("Type a score")), data=pack(match_review.BatchChoice(run, "type"))),
            Button(ctx.t(N_("One by one")), data=pack(match_review.BatchChoice(run, "list"))),
        )
    )
    return "\n".join(lines), tuple(rows)


async def _next(ctx: Context) -> None:
    pair = await ctx.uow.pairs.next_proposal(areas.scope_of(ctx.rules, ctx.person))
    if pair is None:
        await ctx.say(ctx.t(N_("No more proposals. /match computes new ones.")))
        return
    text, keyboard = await card(ctx, pair)
    await ctx.say(text, keyboard)


async def card(ctx: Context, pair: Pair) -> tuple[str, Keyboard]:
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    assert learner is not None and mentor is not None
    total = await ctx.uow.pairs.proposals_count(areas.scope_of(ctx.rules, ctx.person))
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
    if not await areas.sees_pair(ctx.uow, ctx.rules, ctx.person, pair):
        pair = None  # another area's: as if there were none
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
        await ctx.say((await _introduce(ctx, pair))[1])
    await _next(ctx)


async def batch_pressed(ctx: Context, event: Inbound) -> None:
    """The summary's buttons and the question after them (``conversations/match_review.py``)."""
    assert isinstance(event, ButtonPress)
    press = staff_press(
        ctx, event, match_review.AskAbove, match_review.ApproveAbove, match_review.BatchChoice
    )
    if press is None:
        return
    if press.run != await ctx.uow.pairs.run_start():  # a newer /match replaced these proposals
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    if isinstance(press, match_review.ApproveAbove):
        await _approve_all(ctx, event, press)
        return
    ctx.answer_button(event.callback_id)
    if isinstance(press, match_review.AskAbove):
        await ctx.say(*await match_review.question(ctx, press.run, press.tenths))
    elif press.action == "no":
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
    elif press.action == "list":
        await paging.show(ctx, PROPOSALS)
    else:
        scores = [pair.score for pair in await match_review.pending(ctx)]
        if not scores:
            await ctx.say(ctx.t(PROPOSALS.empty))
            return
        number = ctx.t.number
        answers = {"run": press.run, "low": number(min(scores)), "high": number(max(scores))}
        await ctx.start_flow(match_review.THRESHOLD, answers)


async def _approve_all(ctx: Context, event: ButtonPress, press: match_review.ApproveAbove) -> None:
    """Every undecided proposal of the run from the score on, each as if approved on its own card.
    Locked first, all of them, so a second press (an old button, another coordinator) waits and
    then finds them decided; each mentor's seats are counted again under their lock."""
    chosen = await match_review.pending(ctx, press.tenths / 10, lock=True)
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)
    if not chosen:
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        return
    ctx.answer_button(event.callback_id)
    approved = 0
    for pair in chosen:
        introduced, _ = await _introduce(ctx, pair)
        approved += introduced
    skipped = len(chosen) - approved
    await ctx.say(
        ctx.t(
            N_("Approved: {approved}. No longer possible, so skipped: {skipped}."),
            approved=ctx.t.number(approved),
            skipped=ctx.t.number(skipped),
        )
    )


async def listed_pressed(ctx: Context, event: Inbound) -> None:
    """Approve or skip on a page of proposals; the page is shown again in place, from the next one."""
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Listed)
    if press is None:
        return
    pair = await ctx.uow.pairs.lock(press.pair)  # as on a card: another coordinator may decide on it
    if pair is None or pair.status != "proposed":
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
    elif press.action == "skip":
        pair.status, pair.decided_at = "skipped", ctx.now
        ctx.answer_button(event.callback_id)
    else:
        ctx.answer_button(event.callback_id, paging.clip((await _introduce(ctx, pair))[1], TOAST))
    if event.message_id is None:
        return
    items = await match_review.pending(ctx)
    if not items:
        await ctx.edit(event.message_id, ctx.t(PROPOSALS.empty))
        return
    after = pair.position if pair is not None else -1
    place = next((n for n, item in enumerate(items) if item.position > after), len(items) - 1)
    await ctx.edit(
        event.message_id, *await paging.render(ctx, PROPOSALS, items, place // PROPOSALS.per_page + 1)
    )


async def _proposal_entry(ctx: Context, pair: Pair) -> Entry:
    text, _ = await card(ctx, pair)
    number = pair.position + 1
    buttons = (
        (
            Button(ctx.t(N_("Approve {number}"), number=number), data=pack(Listed(pair.id, "ok"))),
            Button(ctx.t(N_("Skip {number}"), number=number), data=pack(Listed(pair.id, "skip"))),
        ),
    )
    return Entry(text, buttons)


PROPOSALS = Listing(
    "proposals",
    N_("Proposals to review"),
    N_("No more proposals. /match computes new ones."),
    match_review.pending,
    _proposal_entry,
    per_page=5,
    between="\n\n",
)


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
        lines.append(
            "• " + ctx.t.labelled(f"{name} ({ctx.t.number(score)})", say_reasons(ctx.t, learner, found))
        )
        label = ctx.t(N_("Choose {name}"), name=name)
        rows.append((Button(label, data=pack(OtherMentor(pair.id, int(mentor_id)))),))
    rows.append((Button(ctx.t(N_("Skip")), data=pack(Decision(pair.id, "skip"))),))
    await ctx.say("\n".join(lines), tuple(rows))


async def _introduce(ctx: Context, pair: Pair) -> tuple[bool, str]:
    """Introduce the pair if it is still possible: whether it was, and the coordinator's line."""
    # Both held until this commits (after the pair, by id): another approval for either of them,
    # a pause or a suspension waits, and what it changed before is read here.
    people = {person.id: person for person in await ctx.uow.people.lock(pair.learner_id, pair.mentor_id)}
    learner, mentor = people[pair.learner_id], people[pair.mentor_id]
    busy = await ctx.uow.pairs.current_for(learner.id)
    load = await ctx.uow.pairs.load_of(mentor.id)
    paused = next((person for person in (learner, mentor) if person.paused_at is not None), None)
    if paused is not None:  # since /match proposed them: matching leaves paused people out
        pair.status, pair.decided_at = "skipped", ctx.now
        return False, ctx.t(PAUSED_SINCE, name=paused.preferred_name or paused.first_name)
    if (
        busy is not None
        or load >= int((mentor.profile or {}).get("capacity") or 1)
        or mentor.ready_at is None
        or mentor.suspended_at is not None  # suspended since /match proposed them
    ):
        pair.status, pair.decided_at = "skipped", ctx.now
        return False, ctx.t(N_("That pair is no longer possible (someone was matched meanwhile); skipped."))
    pair.status, pair.decided_at = "introduced", ctx.now
    await ctx.uow.audit.record(ctx.now, ctx.person, "pair.approved", learner, pair=pair.id)
    learner_name = learner.preferred_name or learner.first_name
    mentor_name = mentor.preferred_name or mentor.first_name
    them = ctx.about(learner)
    await them.say(
        them.t.gendered(
            G_(
                "Good news, {name}! Your mentor is {mentor}. What you have in common: {reasons}. "
                "{mentor} will suggest a time for your first meeting."
            ),
            gender_of(mentor),
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
    return True, ctx.t(APPROVED, learner=learner_name, mentor=mentor_name)


async def pairs(ctx: Context, event: Inbound) -> None:
    """The pairs now running, a page at a time, each with a button to end it."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    await paging.show(ctx, RUNNING_PAIRS)


async def _running(ctx: Context) -> list[Pair]:
    return list(await ctx.uow.pairs.live(areas.scope_of(ctx.rules, ctx.person)))


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
    trend = (await relationship.trends(ctx.uow, [pair.id]))[pair.id]
    quality = relationship.shown(ctx.t, trend)
    if quality is not None:
        text += "\n" + ("⚠️ " if relationship.worried(trend) else "") + quality
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
    if not await areas.sees_pair(ctx.uow, ctx.rules, ctx.person, pair):
        pair = None  # another area's: as if there were none
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
        match_review.BATCH: batch_pressed,
        LISTED: listed_pressed,
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
    flows=(
        *first_meeting.FLOWS,
        pair_end.END_PAIR_FLOW,
        pair_end.CLOSING_SURVEY_FLOW,
        match_review.THRESHOLD_FLOW,
    ),
    lists=(RUNNING_PAIRS, PROPOSALS),
    help=(
        HelpLine(N_("/match – propose mentors for every waiting learner"), COORDINATORS),
        HelpLine(N_("/pairs – the pairs now running, to end one"), COORDINATORS),
    ),
)
