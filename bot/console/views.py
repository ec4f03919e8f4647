"""What each console page shows and what each of its buttons does, read and done through the same
services and features as the chat commands (``/stats``, ``/cases``, ``/match``, ``/pairs``,
``/screening``, ``/export``), so the console and the chat never disagree.

Every function here runs inside ``Dispatcher.act``: one transaction in the coordinator's context,
whose role ``web`` has checked again in it. What a feature says to the coordinator's own chat
(``Approved: ...``) is shown on the page instead (``replies``); what it says to anyone else (the
learner, the alert's copies) goes out as it does from the chat.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.console import texts
from bot.console.scope import may_see
from bot.context import Context
from bot.events import SendText
from bot.features import cases as case_actions
from bot.features import matchmaking, reports, roundtables, screening
from bot.services import concerns, readiness, relationship
from bot.services.people import name_of
from conversations import case_flows
from conversations.inputs import TOO_LONG, clean_text
from conversations.sessions.overview import figures
from storage.models import Concern, Pair, Person

CHECKS_AHEAD_DAYS = 30
AGE_LIMITS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
MISSED_AT_RISK = 2  # missed sessions that put a pair "at risk", as the signals count them
LONGEST_NOTE = 1000  # as the chat's note


@dataclass
class Page:
    """A page's values for its template, and what the bot would have answered in the chat."""

    values: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    problem: str | None = None
    missing: bool = False


def replies(ctx: Context) -> list[str]:
    """Take what was said to the coordinator's own chat out of the outbox: the page shows it."""
    mine = [
        action
        for action in ctx.outgoing
        if isinstance(action, SendText) and action.chat_id == ctx.person.chat_id and action.track is None
    ]
    ctx.outgoing[:] = [action for action in ctx.outgoing if not any(action is m for m in mine)]
    return [action.text for action in mine]


# --- overview ------------------------------------------------------------------------------------


async def overview(ctx: Context) -> Page:
    t = ctx.t
    pairs = await _pairs_by_health(ctx)
    waiting = [(p, why) for p, why in await matchmaking.waiting_why(ctx) if await may_see(ctx, p)]
    outcomes = await reports.recent_sessions(ctx)
    planned = outcomes["held"] + outcomes["missed"] + outcomes["cancelled"]
    return Page(
        {
            "pairs": pairs,
            "health": Counter(row["health"] for row in pairs),
            "introduced": t(matchmaking.PAIR_STATUS["introduced"]),
            "waiting_title": t(reports.WAITING, waiting=t.number(len(waiting))),
            "waiting": [(name_of(p), t(why)) for p, why in waiting],
            "ages": await _cases_by_age(ctx),
            "sessions": t(reports.SESSIONS, held=t.number(outcomes["held"]), planned=t.number(planned)),
            "sessions_detail": t(
                reports.SESSIONS_DETAIL,
                missed=t.number(outcomes["missed"]),
                cancelled=t.number(outcomes["cancelled"]),
            ),
            "checks_title": t(texts.CHECKS_EXPIRING, days=CHECKS_AHEAD_DAYS),
            "checks": await _checks_expiring(ctx),
        }
    )


async def _pairs_by_health(ctx: Context) -> list[dict[str, Any]]:
    """Each running pair: introduced (first meeting ahead), at risk (an open concern, or missed
    sessions), or on track; with /pairs' figures."""
    rows = []
    for pair in await ctx.uow.pairs.live():
        learner, mentor = await ctx.uow.people.get(pair.learner_id), await ctx.uow.people.get(pair.mentor_id)
        if not await may_see(ctx, learner, mentor):
            continue
        worries = [c for c in await ctx.uow.concerns.of_pair(pair.id) if c.status != "resolved"]
        detail, health = "", "introduced"
        if pair.status == "active":
            numbers = await figures(ctx, pair)
            detail = ctx.t(matchmaking.PAIR_FIGURES, **numbers)
            health = "risk" if worries or numbers["missed"] >= MISSED_AT_RISK else "ok"
        label = {"introduced": ctx.t(matchmaking.PAIR_STATUS["introduced"])}.get(health)
        label = label or (ctx.t(texts.AT_RISK) if health == "risk" else ctx.t(texts.ON_TRACK))
        if worries:
            label += " · " + ctx.t(texts.OPEN_CONCERN)
        rows.append(
            {
                "names": f"{name_of(learner)} & {name_of(mentor)}",
                "health": health,
                "label": label,
                "detail": detail,
            }
        )
    order = {"risk": 0, "introduced": 1, "ok": 2}
    return sorted(rows, key=lambda row: order[row["health"]])


async def _cases_by_age(ctx: Context) -> list[tuple[str, list[dict[str, Any]]]]:
    buckets: list[list[dict[str, Any]]] = [[] for _ in texts.AGES]
    for concern in await visible_cases(ctx):
        age = ctx.now - concern.created_at
        index = next((i for i, limit in enumerate(AGE_LIMITS) if age < limit), len(AGE_LIMITS))
        buckets[index].append(await case_row(ctx, concern))
    return [(ctx.t(label), rows) for label, rows in zip(texts.AGES, buckets, strict=True)]


async def _checks_expiring(ctx: Context) -> list[dict[str, str]]:
    today = readiness.today(ctx)
    rows = []
    for check in await ctx.uow.checks.expiring(today + timedelta(days=CHECKS_AHEAD_DAYS)):
        mentor = await ctx.uow.people.get(check.person_id)
        if mentor is None or mentor.role != "mentor" or not await may_see(ctx, mentor):
            continue
        rule = ctx.rules.check(check.kind)
        assert check.expires_on is not None
        rows.append(
            {
                "mentor": name_of(mentor),
                "check": rule.label(ctx.t.locale) if rule else check.kind,
                "until": ctx.t.date(check.expires_on),
                "past": "yes" if check.expires_on < today else "",
            }
        )
    return rows


# --- cases ---------------------------------------------------------------------------------------


async def visible_cases(ctx: Context) -> list[Concern]:
    """Open cases as /cases lists them (most severe first, then oldest), that the coordinator may see."""
    ordered = sorted(
        await ctx.uow.concerns.unresolved(), key=lambda c: (concerns.RANK[c.severity], c.created_at)
    )
    return [c for c in ordered if await may_see(ctx, *await _people_of(ctx, c))]


async def _people_of(ctx: Context, concern: Concern) -> list[Person | None]:
    return [await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None]


async def case_row(ctx: Context, concern: Concern) -> dict[str, Any]:
    subject = await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None
    return {
        "id": concern.id,
        "icon": concerns.ICONS[concern.severity],
        "who": name_of(subject),
        "what": ctx.t(concerns.KINDS.get(concern.kind, texts.SOMETHING_ELSE)),
        "status": ctx.t(concerns.STATUSES[concern.status]),
        "since": ctx.t.datetime(concern.created_at, "short"),
    }


async def case_list(ctx: Context) -> Page:
    return Page(
        {
            "title": ctx.t(case_actions.OPEN_CASES.title),
            "empty": ctx.t(case_actions.OPEN_CASES.empty),
            "rows": [await case_row(ctx, c) for c in await visible_cases(ctx)],
        }
    )


async def case_page(ctx: Context, concern_id: int, page: Page | None = None) -> Page:
    """One case as its alert reads (the same text, log included), with the console's actions."""
    page = page or Page()
    concern = await ctx.uow.concerns.get(concern_id)
    if concern is None or not await may_see(ctx, *await _people_of(ctx, concern)):
        return Page(missing=True)
    team = [p for p in await ctx.uow.people.with_role("coordinator") if await may_see(ctx, p)]
    page.values.update(
        {
            "case": await case_row(ctx, concern),
            "open": concern.status != "resolved",
            "taken": concern.status == "acknowledged",
            "text": await concerns.alert_text(ctx, concern, ctx.t),
            "outcomes": [(code, ctx.t(label)) for code, label in concerns.OUTCOMES],
            "team": [(p.id, name_of(p)) for p in team],
            "taker": concern.acknowledged_by,
            "acknowledge": ctx.t(texts.ACKNOWLEDGE),
            "resolve": ctx.t(texts.RESOLVE),
            "add_note": ctx.t(texts.ADD_NOTE),
            "note_label": ctx.t(case_flows.NOTE.steps[0].prompt),
        }
    )
    return page


async def case_action(ctx: Context, concern_id: int, form: dict[str, str]) -> Page:
    """Acknowledge, note, resolve or assign, as the alert's buttons and the note's conversation
    do: logged, and every copy of the alert in Telegram edited."""
    concern = await ctx.uow.concerns.lock(concern_id)  # another coordinator may press a copy
    page = Page()
    if concern is None or not await may_see(ctx, *await _people_of(ctx, concern)):
        return Page(missing=True)
    action = form.get("action", "")
    if concern.status == "resolved":
        page.problem = ctx.t(texts.ALREADY_DECIDED)
    elif action == "ack" and concern.status == "open":
        await case_actions.acknowledge(ctx, concern)
        page.notices.append(ctx.t(texts.TOOK, id=concern.id))
    elif action == "note":
        note = clean_text(form.get("note", "")[: LONGEST_NOTE * 2])  # as the chat's note is read
        if not any(ch.isalpha() for ch in note):
            page.problem = ctx.t(texts.FEW_WORDS)
        elif len(note) > LONGEST_NOTE:
            page.problem = ctx.t(TOO_LONG, max=LONGEST_NOTE)
        else:
            await case_flows.record_note(ctx, concern, note)
            page.notices.append(ctx.t(texts.NOTED, id=concern.id))
    elif action == "resolve" and form.get("outcome") in dict(concerns.OUTCOMES):
        await case_actions.resolve(ctx, concern, form["outcome"])
        page.notices.append(ctx.t(texts.RESOLVED, id=concern.id))
    elif action == "assign" and (taker := await _coordinator(ctx, form.get("taker", ""))) is not None:
        await case_actions.assign(ctx, concern, taker)
    else:
        page.problem = ctx.t(texts.ALREADY_DECIDED)
    if page.problem is None and action != "note":  # a note redraws the alert itself
        await concerns.refresh_alert(ctx, concern)
    page.notices += replies(ctx)
    return await case_page(ctx, concern_id, page)


async def _coordinator(ctx: Context, given: str) -> Person | None:
    person = await ctx.uow.people.get(int(given)) if given.isascii() and given.isdigit() else None
    ok = person is not None and person.role == "coordinator" and await may_see(ctx, person)
    return person if ok else None


# --- matching ------------------------------------------------------------------------------------


async def matching(ctx: Context, page: Page | None = None) -> Page:
    """The proposals of the latest /match (the same reasons, in the coordinator's words), and who
    is left waiting, and why."""
    page = page or Page()
    rows = []
    for pair in await ctx.uow.pairs.proposals():
        learner, mentor = await ctx.uow.people.get(pair.learner_id), await ctx.uow.people.get(pair.mentor_id)
        if learner is None or mentor is None or not await may_see(ctx, learner, mentor):
            continue
        rows.append(
            {
                "id": pair.id,
                "learner": name_of(learner),
                "mentor": name_of(mentor),
                "score": ctx.t.number(pair.score),
                "why": matchmaking.say_reasons(ctx.t, learner, pair.reasons),
            }
        )
    waiting = [(p, why) for p, why in await matchmaking.waiting_why(ctx) if await may_see(ctx, p)]
    page.values.update(
        {
            "proposals": rows,
            "waiting_title": ctx.t(reports.WAITING, waiting=ctx.t.number(len(waiting))),
            "waiting": [(name_of(p), ctx.t(why)) for p, why in waiting if why != matchmaking.PROPOSED],
            "propose": ctx.t(texts.PROPOSE),
            "none": ctx.t(texts.NO_MORE_PROPOSALS),
            "approve": ctx.t(texts.APPROVE),
            "skip": ctx.t(texts.SKIP),
        }
    )
    return page


async def matching_action(ctx: Context, form: dict[str, str]) -> Page:
    """Propose, approve or skip one, or approve every proposal at or above a score: each
    approval introduces the pair exactly as the chat's Approve button does."""
    page = Page()
    action = form.get("action", "")
    if action == "propose":
        made = await matchmaking.propose(ctx)
        if made is None:
            page.notices.append(ctx.t(texts.NOBODY_WAITING))
        else:
            count = len(made[1].proposals)
            page.notices.append(ctx.t.plural("{n} proposal made.", "{n} proposals made.", count))
    elif action in ("approve", "skip"):
        pair = await _proposal(ctx, form.get("pair", ""))
        if pair is None or not await matchmaking.decide(ctx, pair.id, action == "approve"):
            page.problem = ctx.t(texts.ALREADY_DECIDED)
    elif action == "approve_above":
        threshold = _number(form.get("score", ""))
        if threshold is None:
            page.problem = ctx.t(texts.ALREADY_DECIDED)
        else:
            for pair in await ctx.uow.pairs.proposals():
                if pair.score >= threshold and await _proposal(ctx, str(pair.id)) is not None:
                    await matchmaking.decide(ctx, pair.id, True)
    page.notices += replies(ctx)
    return await matching(ctx, page)


async def _proposal(ctx: Context, given: str) -> Pair | None:
    pair = await ctx.uow.pairs.get(int(given)) if given.isascii() and given.isdigit() else None
    if pair is None or pair.status != "proposed":
        return None
    people = (await ctx.uow.people.get(pair.learner_id), await ctx.uow.people.get(pair.mentor_id))
    return pair if await may_see(ctx, *people) else None


def _number(given: str) -> float | None:
    try:
        value = float(given.replace(",", "."))
    except ValueError:
        return None
    return value if 0 <= value <= 1000 else None


# --- people, screening, exports ------------------------------------------------------------------


async def people(ctx: Context, query: dict[str, str]) -> Page:
    """The roster: search by name, filter by school, cohort and role."""
    words = query.get("q", "").strip()[:64]
    school, cohort, role = query.get("school", ""), query.get("cohort", ""), query.get("role", "")
    role = role if role in ROLES else ""
    found = await ctx.uow.people.roster(words=words, school=school, cohort=cohort, role=role)
    schools, cohorts = await ctx.uow.people.schools_and_cohorts()
    rows = [
        {
            "id": p.id,
            "name": name_of(p),
            "role": ctx.t(ROLES.get(p.role or "", p.role or "")),
            "school": p.school or "",
            "cohort": p.cohort or "",
            "state": await _state(ctx, p),
        }
        for p in found
        if await may_see(ctx, p)
    ]
    return Page(
        {
            "rows": rows,
            "q": words,
            "school": school,
            "cohort": cohort,
            "role": role,
            "schools": schools,
            "cohorts": cohorts,
            "roles": [(code, ctx.t(label)) for code, label in ROLES.items()],
        }
    )


ROLES = {"learner": "learner", "mentor": "mentor", "coordinator": "coordinator"}  # msgids of the chat


async def _state(ctx: Context, person: Person) -> str:
    if person.role == "mentor":
        return ctx.t(screening.STATUS.get(person.screening or "", screening.STATUS["waiting"]))
    if person.role == "learner":
        pair = await ctx.uow.pairs.current_for(person.id)
        return ctx.t(matchmaking.PAIR_STATUS[pair.status]) if pair else ""
    return ""


async def person_page(ctx: Context, person_id: int) -> Page:
    """A person's history as coordinators may read it: their pairs, their cases, the team's
    decisions about them (the audit log)."""
    person = await ctx.uow.people.get(person_id)
    if person is None or person.role is None or not await may_see(ctx, person):
        return Page(missing=True)
    history: list[tuple[Any, str]] = []
    pairs = await ctx.uow.pairs.of_person(person.id)
    trends = await relationship.trends(ctx.uow, [pair.id for pair in pairs])
    for pair in pairs:
        other = await ctx.uow.people.get(pair.mentor_id if pair.learner_id == person.id else pair.learner_id)
        status = (
            ctx.t(matchmaking.PAIR_STATUS[pair.status])
            if pair.status in matchmaking.PAIR_STATUS
            else pair.status
        )
        partner = ctx.t(texts.MENTOR if pair.learner_id == person.id else texts.LEARNER)
        trend = relationship.shown(ctx.t, trends[pair.id])  # the relationship checks, if any
        line = ctx.t.labelled(partner, f"{name_of(other)} · {status}") + (f" · {trend}" if trend else "")
        history.append((pair.created_at, line))
    for concern in await ctx.uow.concerns.involving(person.id):
        row = await case_row(ctx, concern)
        history.append((concern.created_at, f"#{row['id']} {row['icon']} {row['what']} · {row['status']}"))
    for entry in await ctx.uow.audit.about(person.id):
        history.append((entry.at, entry.action))
    history.sort(key=lambda item: item[0])
    return Page(
        {
            "name": name_of(person),
            "role": ctx.t(ROLES.get(person.role, person.role)),
            "school": person.school or "",
            "cohort": person.cohort or "",
            "state": await _state(ctx, person),
            "history": [(ctx.t.datetime(at, "short"), what) for at, what in history],
        }
    )


async def screening_queue(ctx: Context) -> Page:
    """The applications as /screening shows them (the same card); deciding stays in the chat,
    where the interview and the checks are asked for."""
    cards = []
    for applicant in await ctx.uow.people.applicants():
        if await may_see(ctx, applicant):
            text, _ = await screening.card(ctx, applicant)
            cards.append(text)
    return Page(
        {
            "title": ctx.t(screening.APPLICATIONS.title),
            "empty": ctx.t(screening.APPLICATIONS.empty),
            "cards": cards,
        }
    )


async def exports(ctx: Context) -> Page:
    return Page(
        {
            "intro": ctx.t(reports.EXPORTED),
            "files": [(name, ctx.t(caption)) for name, caption in reports.CAPTIONS.items()],
        }
    )


async def export_file(ctx: Context, filename: str) -> bytes | None:
    """One of /export's files; recorded in the audit log as /export is."""
    if filename not in reports.CAPTIONS:
        return None
    await ctx.uow.audit.record(ctx.now, ctx.person, "export", None, file=filename)
    return await reports.export_file(ctx, filename)


async def roundtable_list(ctx: Context) -> Page:
    """The roundtables to come and of the last three months, as /roundtables lists them."""
    return Page({"title": ctx.t(roundtables.TITLE), "blocks": await roundtables.overview(ctx)})
