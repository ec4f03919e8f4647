"""Erasure (/delete) and export (/mydata) of what Tandem stores about a person."""

from __future__ import annotations

import json
from typing import Any

from bot.context import Context

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
    no personal data, only that a decision was taken. Later issues keep concern records a
    coordinator must keep, pseudonymized; there are none yet.
    """
    person = ctx.person
    await ctx.uow.jobs.forget_person(person.id)
    await ctx.uow.outbox.forget_chat(person.chat_id)
    await ctx.uow.flows.clear(person.id)
    await ctx.uow.people.erase(person)


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
    state = await ctx.uow.flows.of(person.id)
    if state is not None:
        data["conversation_in_progress"] = {"flow": state.flow, "step": state.step, "answers": state.answers}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
