"""``tandem admin ...``: operator commands on the programme's database.

``stats`` (counts only) and ``invite coordinator`` (the first coordinator's code); a scenario's
``admin`` step runs the same functions on the scenario's database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import func, select

from bot.app import Tandem
from bot.services import invites
from storage.models import DueJob, FlowState, OutboxMessage, Person

AdminCommand = Callable[[Sequence[str], Tandem], Awaitable[str]]


async def stats(args: Sequence[str], tandem: Tandem) -> str:
    """Counts only, never personal data."""
    async with tandem.db.unit_of_work() as uow:
        session = uow.session
        people = await session.scalar(select(func.count()).select_from(Person))
        unreachable = await session.scalar(
            select(func.count()).select_from(Person).where(Person.unreachable_since.is_not(None))
        )
        flows = await session.scalar(select(func.count()).select_from(FlowState))
        jobs = await session.scalar(
            select(func.count()).select_from(DueJob).where(DueJob.status == "pending")
        )
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
    return (
        f"people={people} unreachable={unreachable} in_conversation={flows} "
        f"jobs_pending={jobs} outbox_pending={outbox}"
    )


async def invite(args: Sequence[str], tandem: Tandem) -> str:
    """``invite coordinator``: a one-time code for the first coordinator of a programme."""
    if list(args) != ["coordinator"]:
        raise ValueError("use: tandem admin invite coordinator")
    async with tandem.db.unit_of_work() as uow:
        created = await invites.create(
            uow, invites.InviteRequest("coordinator"), by=None, now=tandem.clock.now()
        )
        code, expires = created.code, created.expires_at
    link = invites.deep_link(tandem.settings.bot_username or "your_bot", code)
    return (
        f"{code}\n"
        f"One-time coordinator code, valid until {expires:%Y-%m-%d %H:%M} UTC.\n"
        f"The new coordinator opens {link}\n"
        f"or sends the bot: /start {code}"
    )


COMMANDS: dict[str, AdminCommand] = {"stats": stats, "invite": invite}


async def run_admin(args: Sequence[str], tandem: Tandem) -> str:
    if not args or args[0] not in COMMANDS:
        raise ValueError(f"unknown admin command; known: {', '.join(sorted(COMMANDS))}")
    return await COMMANDS[args[0]](args[1:], tandem)
