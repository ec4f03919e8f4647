"""Erasure (/delete) and export (/mydata) of what Tandem stores about a person."""

from __future__ import annotations

import json
from typing import Any

from bot.context import Context
from bot.services import concerns
from bot.services.people import UNNAMED, name_of
from storage.models import Person

CASE_JOBS = (concerns.OVERDUE_JOB, concerns.FOLLOW_UP_JOB)
# Keys of a conversation's answers that say whom it is about (an applicant a coordinator decides
# on, a mentor or coordinator in a /team decision): when that person leaves, it ends.
SUBJECT_KEYS = ("applicant", "person")

EXPORTED_FIELDS = (
    "telegram_user_id",
    "first_name",
    "telegram_language",
    "locale",
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


async def erase_person(ctx: Context) -> None:
    """Delete the person, their conversation state, their scheduled jobs and their queued messages.

    Audit entries about them stay, with the person's id set to null by the database: they hold
    no personal data, only that a decision was taken. Their cases stay with the programme, with
    their deadlines, but without their name or words: a case says that the person left, and one
    they had taken goes back to the queue (``concerns.hand_over``); every copy of its alert is
    edited to read so. Other people's conversations let go of them (``_out_of_conversations``).
    Their pairs, with the pairs' sessions, signals and notes, go with their row (the database
    cascades).
    """
    person = ctx.person
    pair_ids = [pair.id for pair in await ctx.uow.pairs.of_person(person.id)]
    session_ids = [session.id for session in await ctx.uow.sessions.of_pairs(pair_ids)]
    cases = await concerns.hand_over(ctx, person, pair_ids)
    await ctx.uow.jobs.unanchor(person.id, CASE_JOBS)  # older rows ran a case's jobs for a person
    await ctx.uow.jobs.forget_person(person.id)
    await ctx.uow.outbox.forget_chat(person.chat_id)
    await ctx.uow.message_refs.forget_chat(person.chat_id)
    await ctx.uow.flows.forget(person.id)
    await _out_of_conversations(ctx, person, {"pair": pair_ids, "session": session_ids})
    await ctx.uow.people.erase(person)
    await concerns.after_leaving(ctx, cases)
    ctx.erased = True


async def _out_of_conversations(ctx: Context, person: Person, about: dict[str, list[int]]) -> None:
    """Other people's conversations, in the foreground or waiting, that refer to the person who
    leaves. One about them (their application, a decision on them) or about one of their pairs
    or its sessions ends: nothing is left to complete, and the partner has been told the pair
    ended. Any other goes on without their name, which becomes a dash (a mentor telling a
    concern may still choose the learner who left: it reaches the coordinators about nobody)."""
    bound = {key: set(ids) for key, ids in about.items()} | {key: {person.id} for key in SUBJECT_KEYS}
    names = {name_of(person), person.first_name}
    for row in await ctx.uow.flows.of_others(person.id):
        if any(_id(row.answers.get(key)) in ids for key, ids in bound.items()):
            await ctx.uow.flows.drop(row)
            continue
        answers = {key: _unnamed(key, value, person.id, names) for key, value in row.answers.items()}
        if answers != row.answers:
            row.answers = answers


def _id(value: object) -> int | None:
    """An id in a conversation's answers (numbers, or digits from a button's value)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _unnamed(key: str, value: Any, person_id: int, names: set[str]) -> Any:
    """An answer without the person's name: in a list of "[id, name]" choices theirs keeps its
    place (a button already shown still means what it said) with a dash for the name; a
    ``*_name`` that was theirs a dash."""
    if isinstance(value, list):
        return [
            [v[0], UNNAMED] if isinstance(v, list) and len(v) == 2 and _id(v[0]) == person_id else v
            for v in value
        ]
    if key.endswith("_name") and value in names:
        return UNNAMED
    return value


async def export_person(ctx: Context) -> bytes:
    """Everything stored about the person, as readable JSON."""
    person = ctx.person
    data: dict[str, Any] = {
        "about": "Everything Tandem stores about you, as of the time below.",
        "exported_at": ctx.now.isoformat(),
        "person": {field: _plain(getattr(person, field)) for field in EXPORTED_FIELDS},
    }
    checks = await ctx.uow.checks.of(person.id)
    if checks:
        data["checks"] = [
            {"check": c.kind, "issued": _plain(c.done_on), "expires": _plain(c.expires_on)} for c in checks
        ]
    decisions = await ctx.uow.audit.about(person.id)
    if decisions:
        data["decisions_about_you"] = [{"at": d.at.isoformat(), "what": d.action} for d in decisions]
    data.update(await _mentoring(ctx))
    state = await ctx.uow.flows.of(person.id)
    if state is not None:
        data["conversation_in_progress"] = {"flow": state.flow, "step": state.step, "answers": state.answers}
    waiting = await ctx.uow.flows.agenda(person.id)
    if waiting:
        data["conversations_waiting"] = [
            {"flow": w.flow, "step": w.step, "answers": w.answers} for w in waiting
        ]
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


async def _mentoring(ctx: Context) -> dict[str, Any]:
    """A learner's goals, next steps, check-ins and reflections; the notes a mentor wrote."""
    person, found = ctx.person, {}
    goals = await ctx.uow.goals.of(person.id, ("open", "done", "dropped"))
    if goals:
        found["goals"] = [
            {
                "goal": g.text,
                "how_you_will_know": g.measure,
                "category": g.category,
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
        found["check_ins"] = [
            {
                "asked": _plain(c.asked_at),
                "status": c.status,
                "motivation": c.motivation,
                "areas": c.areas,
                "goals": c.goals,
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
                "worried": n.worried,
            }
            for n in notes
        ]
    return found


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
