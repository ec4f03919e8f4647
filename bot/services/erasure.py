"""Erasure (/delete) and export (/mydata) of what Tandem stores about a person."""

from __future__ import annotations

import json
from typing import Any

from bot.context import Context
from bot.services import concerns

CASE_JOBS = (concerns.OVERDUE_JOB, concerns.FOLLOW_UP_JOB)

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
    their deadlines: a case says that the person left, and one they had taken goes back to the
    queue (``concerns.hand_over``).
    """
    person = ctx.person
    cases = await concerns.hand_over(ctx, person)
    await ctx.uow.jobs.unanchor(person.id, CASE_JOBS)  # older rows ran a case's jobs for a person
    await ctx.uow.jobs.forget_person(person.id)
    await ctx.uow.outbox.forget_chat(person.chat_id)
    await ctx.uow.message_refs.forget_chat(person.chat_id)
    await ctx.uow.flows.forget(person.id)
    await ctx.uow.people.erase(person)
    await concerns.after_leaving(ctx, cases)
    ctx.erased = True


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
