"""What /mydata sends: everything Tandem stores about a person, as readable JSON in their language.

The field names stay in English, so that other programs can read the file; everything worded is
worded for the person, with the labels the conversations showed them (their answers as /profile
shows them, areas, ratings, places, what became of a session). Their own words are as they wrote
them: the concerns they raised, what they added and replied, check-in comments, reflections,
goals, closing surveys. What the coordinators wrote to them comes with it; what the coordinators keep among
themselves about a case (their notes, a concern someone else raised) does not, nor the reason a
pair was ended, which is about two people.
"""

from __future__ import annotations

import json
from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services import concerns, expenses, relationship
from bot.services.attendance import outcome
from bot.services.people import name_of
from bot.services.wellbeing import AREA_NAMES, PROGRESS, RATINGS
from conversations import learner, mentor, monitoring, pair_end
from conversations.first_meeting import PLACE_LABELS
from conversations.goals import CATEGORY_NAMES
from conversations.reflection import QUESTIONS
from conversations.screening_flows import STATUS
from conversations.sessions.reminders import CANCELLED, HOLIDAY
from conversations.sessions.weekly_slot import WEEKDAYS
from storage.models import Pair, Person

ABOUT = N_(
    "A copy of everything Tandem stores about you, as of {time}. Your own words are as you wrote "
    "them. The names of the fields stay in English, so that other programs can read this file."
)
EXPORTED_FIELDS = (
    "telegram_user_id",
    "first_name",
    "telegram_language",
    "locale",
    "simple_language",
    "preferred_name",
    "requested_role",
    "role",
    "school",
    "cohort",
    "unreachable_since",
    "paused_at",
    "consent_at",
    "guardian_name",
    "guardian_contact",
    "guardian_confirmed_at",
    "guardian_status",
    "timezone",
    "screening",
    "screening_note",
    "interview_at",
    "training_module",
    "training_done_at",
    "ready_at",
    "suspended_at",
    "profile",
    "created_at",
    "updated_at",
)
UNDECIDED = ("proposed", "skipped")  # a /match proposal nobody decided on: not a pair yet
# A guardian's answer as the coordinators recorded it (the words of /guardians and /screening).
GUARDIAN = {
    "pending": N_("waiting for a decision"),
    "recheck": N_("waiting for a decision"),
    "confirmed": N_("Guardian agreed"),
    "refused": N_("Guardian said no"),
}
ROLES = {"learner": N_("learner"), "mentor": N_("mentor")}
MET = {"yes": N_("met"), "no": N_("did not meet"), "other": N_("met at another time")}
HELD = {"held": N_("held"), "missed": N_("missed"), "cancelled": CANCELLED, "holiday": HOLIDAY}
RATED = {code: label for code, label, _ in RATINGS}
ANSWERED = {option.value: option.label for option in monitoring.HOW}


async def export_person(ctx: Context) -> bytes:
    """Everything stored about the person, as readable JSON in their language."""
    person = ctx.person
    data: dict[str, Any] = {
        "about": ctx.t(ABOUT, time=ctx.t.datetime(ctx.now, "short")),
        "exported_at": ctx.now.isoformat(),
        "person": {field: _plain(getattr(person, field)) for field in EXPORTED_FIELDS},
    }
    data.update(_answers(ctx, person))
    data.update(_guardian(ctx, person))
    data.update(_application(ctx, person))
    checks = await ctx.uow.checks.of(person.id)
    if checks:
        data["checks"] = [
            {"check": c.kind, "issued": _plain(c.done_on), "expires": _plain(c.expires_on)} for c in checks
        ]
    decisions = await ctx.uow.audit.about(person.id)
    if decisions:
        data["decisions_about_you"] = [{"at": d.at.isoformat(), "what": d.action} for d in decisions]
    data.update(await _pairs(ctx, person))
    data.update(await _concerns(ctx, person))
    data.update(await _relayed(ctx, person))
    data.update(await _expense_claims(ctx, person))
    data.update(await _mentoring(ctx))
    data.update(await _conversations(ctx, person))
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _answers(ctx: Context, person: Person) -> dict[str, Any]:
    """The answers of the person's joining conversation, as /profile shows them."""
    if person.consent_at is None or person.role not in ("learner", "mentor"):
        return {}
    flow, answers = (
        (learner.LEARNER, learner.answers_of(person))
        if person.role == "learner"
        else (mentor.MENTOR, mentor.answers_of(person))
    )
    shown = {
        ctx.t(step.label): ctx.engine.shown_answer(ctx, step, answers, limit=2000)
        for step in flow.path(answers)
        if step.label
    }
    return {"your_answers": shown}


def _guardian(ctx: Context, person: Person) -> dict[str, Any]:
    """A minor's guardian, and what the coordinators recorded of their answer."""
    if person.guardian_status is None and not person.guardian_name:
        return {}
    status = GUARDIAN.get(person.guardian_status or "")
    return {
        "guardian": {
            "name": person.guardian_name,
            "contact": person.guardian_contact,
            "answer": ctx.t(status) if status else None,
            "confirmed": _plain(person.guardian_confirmed_at),
        }
    }


def _application(ctx: Context, person: Person) -> dict[str, Any]:
    """A volunteer's application: where it stands, and the reason the programme recorded for a
    decline or a suspension (coordinators are told the person can ask for a copy of it)."""
    if person.screening is None:
        return {}
    status = STATUS.get(person.screening)
    return {
        "your_application": {
            "decision": ctx.t(status) if status else person.screening,
            "reason": person.screening_note,
        }
    }


async def _pairs(ctx: Context, person: Person) -> dict[str, Any]:
    """Each pair the person was in, with its sessions (their own answer whether they met) and
    their answers to the programme's monthly question."""
    pairs = [p for p in await ctx.uow.pairs.of_person(person.id) if p.status not in UNDECIDED]
    if not pairs:
        return {}
    monthly = [d for d in await ctx.uow.audit.about(person.id) if d.action == monitoring.NAME]
    return {"pairs": [await _pair(ctx, person, pair, monthly) for pair in pairs]}


async def _pair(ctx: Context, person: Person, pair: Pair, monthly: list[Any]) -> dict[str, Any]:
    as_learner = pair.learner_id == person.id
    partner = await ctx.uow.people.get(pair.mentor_id if as_learner else pair.learner_id)
    sessions = await ctx.uow.sessions.of_pairs([pair.id])
    found: dict[str, Any] = {
        "with": name_of(partner),
        "you_are": ctx.t(ROLES["learner" if as_learner else "mentor"]),
        "status": pair.status,
        "since": _plain(pair.decided_at or pair.created_at),
        "first_meeting": _plain(pair.first_meeting_at),
        "you_want_to_go_on": pair.learner_continues if as_learner else pair.mentor_continues,
        "ended": _plain(pair.ended_at),
    }
    if pair.slot_weekday is not None:
        found["weekly"] = {
            "day": ctx.t(WEEKDAYS[pair.slot_weekday]),
            "time": pair.slot_time,
            "place": _label(ctx, PLACE_LABELS, pair.slot_place),
        }
    found["sessions"] = [
        {
            "when": ctx.t.moment(s.starts_at),
            "at": s.starts_at.isoformat(),
            "place": _label(ctx, PLACE_LABELS, s.place),
            "what_became_of_it": ctx.t(HELD[outcome(s)]) if s.starts_at <= ctx.now else None,
            "you_said": _label(ctx, MET, s.learner_met if as_learner else s.mentor_met),
        }
        for s in sessions
    ]
    found["monthly_questions"] = [
        {"at": d.at.isoformat(), "your_answer": _label(ctx, ANSWERED, d.detail.get("answer"))}
        for d in monthly
        if d.detail.get("pair") == pair.id
    ]
    found["relationship_checks"] = [
        {
            "at": c.answered_at.isoformat(),
            **{ctx.t(relationship.LABELS[i]): getattr(c, i) for i in relationship.ITEMS},
        }
        for c in await ctx.uow.relationship.of_person(person.id)
        if c.pair_id == pair.id
    ]
    return found


async def _concerns(ctx: Context, person: Person) -> dict[str, Any]:
    """The concerns the person raised, in their words, and what the coordinators wrote to them
    about a case and what they answered."""
    raised: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for concern in await ctx.uow.concerns.involving(person.id):
        entries = await ctx.uow.concerns.entries(concern.id)
        if concern.raised_by == person.id:
            raised.append(
                {
                    "raised": concern.created_at.isoformat(),
                    "what": ctx.t(concerns.KINDS.get(concern.kind, N_("something else"))),
                    "how_urgent": ctx.t(concerns.SEVERITIES[concern.severity]),
                    "status": ctx.t(concerns.STATUSES[concern.status]),
                    "outcome": _label(ctx, dict(concerns.OUTCOMES), concern.outcome),
                    "your_words": concern.text,
                    "voice_note": concern.voice_file_id is not None,
                    "you_added": [
                        _said(e) for e in entries if e.action == "added" and e.actor_id == person.id
                    ],
                }
            )
        for entry in entries:
            if entry.action == "contacted" and concern.subject_id == person.id:
                writer = await ctx.uow.people.get(entry.actor_id) if entry.actor_id else None
                messages.append({**_said(entry), "from": name_of(writer) if writer else ctx.t(concerns.LEFT)})
            elif entry.action == "replied" and entry.actor_id == person.id:
                messages.append({**_said(entry), "from": name_of(person)})
    found: dict[str, Any] = {}
    if raised:
        found["concerns_you_raised"] = raised
    if messages:
        found["messages_with_coordinators"] = sorted(messages, key=lambda m: str(m["at"]))
    return found


async def _relayed(ctx: Context, person: Person) -> dict[str, Any]:
    """What the person and their partners wrote to each other through the bot (/msg), both ways:
    it is their conversation (a file by its kind, as Telegram keeps the file itself)."""
    messages = await ctx.uow.relayed.of_person(person.id)
    if not messages:
        return {}
    names: dict[int, str] = {}
    for message in messages:
        for someone in (message.sender_id, message.recipient_id):
            if someone not in names:
                names[someone] = name_of(await ctx.uow.people.get(someone))
    return {
        "messages_with_your_partner": [
            {
                "at": m.created_at.isoformat(),
                "from": names[m.sender_id],
                "to": names[m.recipient_id],
                "kind": m.kind,
                "words": m.text,
                "status": m.status,
            }
            for m in messages
        ]
    }


async def _expense_claims(ctx: Context, person: Person) -> dict[str, Any]:
    """A mentor's expense claims, with what was asked, answered and decided about them."""
    claims = await ctx.uow.claims.of_mentor(person.id)
    if not claims:
        return {}
    return {
        "expense_claims": [
            {
                "claim": c.id,
                "day": c.spent_on.isoformat(),
                "category": ctx.t(expenses.CATEGORIES.get(c.category, c.category)),
                "amount": ctx.t.money(c.cents, c.currency),
                "receipt": c.receipt_kind,
                "state": ctx.t(expenses.STATES.get(c.status, c.status)),
                "question": c.question,
                "your_answer": c.answer,
                "reason": c.reason,
                "claimed_at": c.created_at.isoformat(),
                "decided_at": _plain(c.decided_at),
            }
            for c in claims
        ]
    }


def _said(entry: Any) -> dict[str, Any]:
    return {"at": entry.at.isoformat(), "words": entry.note, "voice_note": entry.voice_file_id is not None}


async def _mentoring(ctx: Context) -> dict[str, Any]:
    """A learner's goals, next steps, check-ins and reflections; the notes a mentor wrote; the
    closing surveys either answered."""
    person, found = ctx.person, {}
    goals = await ctx.uow.goals.of(person.id, ("open", "done", "dropped"))
    if goals:
        found["goals"] = [
            {
                "goal": g.text,
                "how_you_will_know": g.measure,
                "category": _label(ctx, CATEGORY_NAMES, g.category),
                "by": _plain(g.target_on),
                "mentor_sees_it": g.shared,
                "status": g.status,
                "next_steps": [
                    {"step": s.text, "by": _plain(s.due_on), "status": s.status}
                    for s in await ctx.uow.goals.steps_of(g.id)
                ],
            }
            for g in goals
        ]
    check_ins = await ctx.uow.checkins.all_of(person.id)
    if check_ins:
        goal_texts = {str(g.id): g.text for g in goals}
        progress = dict(PROGRESS)
        found["check_ins"] = [
            {
                "asked": _plain(c.asked_at),
                "status": c.status,
                "motivation": c.motivation,
                "areas": {
                    _label(ctx, AREA_NAMES, area): _label(ctx, RATED, rating)
                    for area, rating in c.areas.items()
                },
                "goals": {
                    goal_texts.get(goal, goal): _label(ctx, progress, said) for goal, said in c.goals.items()
                },
                "for_your_mentor": c.comment,
                "voice_note": c.voice_file_id is not None,
            }
            for c in check_ins
        ]
    reflections = await ctx.uow.reflections.of(person.id)
    if reflections:
        found["reflections"] = [
            {
                "asked": _plain(r.asked_at),
                "question": ctx.t(QUESTIONS[r.question % len(QUESTIONS)]),
                "answer": r.text,
                "voice_note": r.voice_file_id is not None,
                "shared_with_mentor": r.shared,
            }
            for r in reflections
        ]
    notes = await ctx.uow.notes.by_mentor(person.id)
    if notes:
        found["notes_you_wrote"] = [
            {
                "written": _plain(n.written_at),
                "topics": n.topics,
                "learner_seemed": n.seemed,
                "note_for_coordinators": n.note,
                "voice_note": n.voice_file_id is not None,
                "worried": n.worried,
            }
            for n in notes
        ]
    surveys = await ctx.uow.closing_surveys.by_person(person.id)
    if surveys:
        reached = {o.value: o.label for o in pair_end.GOALS}
        recommend = {o.value: o.label for o in pair_end.RECOMMEND}
        found["closing_surveys"] = [
            {
                "answered": _plain(survey.answered_at),
                "what_changed": survey.changed,
                "goals_reached": _label(ctx, reached, survey.goals),
                "would_recommend": _label(ctx, recommend, survey.recommend),
            }
            for survey in surveys
        ]
    return found


async def _conversations(ctx: Context, person: Person) -> dict[str, Any]:
    """What the person is in the middle of telling, and what waits for them."""
    found: dict[str, Any] = {}
    state = await ctx.uow.flows.of(person.id)
    if state is not None:
        found["conversation_in_progress"] = {"flow": state.flow, "step": state.step, "answers": state.answers}
    waiting = await ctx.uow.flows.agenda(person.id)
    if waiting:
        found["conversations_waiting"] = [
            {"flow": w.flow, "step": w.step, "answers": w.answers} for w in waiting
        ]
    return found


def _label(ctx: Context, labels: dict[str, str], code: object) -> str | None:
    """A stored code as the person read it (an unknown code as it is)."""
    if code is None:
        return None
    label = labels.get(str(code))
    return ctx.t(label) if label else str(code)


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
