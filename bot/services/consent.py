"""Without someone's agreement Tandem keeps nothing about them for long.

Whoever says no to the consent question is forgotten at once. Whoever never answers it (a /start
and no more, an invite opened and left, a press in the coordinators' group) keeps only what it
takes to answer them (their Telegram id, first name and language) and is forgotten within a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.services.erasure import erase_person
from storage.models import Person
from storage.repositories import UnitOfWork

FORGET_JOB = "person.forget_unconsented"
# Short of a day, so that a tick or two of delay still forgets them within the day.
KEPT_WITHOUT_CONSENT = timedelta(hours=23)


def forget_key(person_id: int) -> str:
    return f"forget:{person_id}"


async def keep_for_a_day(uow: UnitOfWork, person: Person, now: datetime) -> None:
    """A new person: unless they agree by then, they are forgotten within a day (a due job)."""
    await uow.jobs.add(
        {
            "kind": FORGET_JOB,
            "payload": {"person_id": person.id},
            "due_at": now + KEPT_WITHOUT_CONSENT,
            "dedupe_key": forget_key(person.id),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
    )


async def forget(ctx: Context) -> None:
    """Forget the context's person, who has not agreed: their row, conversations, jobs and queued
    messages. An invite they opened counts as unused again: it gave them nothing, and its link
    works once more if they change their mind (the coordinators can still withdraw it)."""
    person = ctx.person
    invite = await ctx.uow.invites.get(person.invite_id) if person.invite_id is not None else None
    if invite is not None and invite.uses > 0:
        invite.uses -= 1
    await erase_person(ctx)


async def forget_unless_agreed(ctx: Context, payload: dict[str, Any]) -> None:
    """The due job: someone who has not agreed is forgotten; one who said yes and is still
    answering the questions after it is looked at again a day later."""
    person = ctx.person
    if person.consent_at is not None or person.role == "coordinator":
        return  # coordinators join with the administrator's code, not by consent
    if await _agreeing(ctx):
        await ctx.schedule(
            FORGET_JOB,
            ctx.now + KEPT_WITHOUT_CONSENT,
            {"person_id": person.id},
            dedupe_key=forget_key(person.id),
        )
        return
    await forget(ctx)


async def _agreeing(ctx: Context) -> bool:
    """Said yes in a conversation not finished yet (in the foreground or waiting)."""
    current = await ctx.uow.flows.of(ctx.person.id)
    if current is not None and current.answers.get("consent") == "yes":
        return True
    return any(
        waiting.answers.get("consent") == "yes" for waiting in await ctx.uow.flows.agenda(ctx.person.id)
    )
