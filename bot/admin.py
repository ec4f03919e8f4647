"""``tandem admin ...``: operator commands on the programme's database.

``stats`` (counts only), ``invite coordinator`` (the first coordinator's code), and the team:
``team`` (coordinators and mentors by id, role and state, with no reasons or notes),
``suspend-mentor ID``, ``reinstate-mentor ID`` and ``remove-coordinator ID`` (the last
coordinator too, which a coordinator cannot do in the chat). What these tell people waits in the
outbox, and the running bot sends it. A scenario's ``admin`` step runs the same functions on the
scenario's database.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import func, select

from bot.app import Tandem
from bot.context import Context
from bot.features.team import MENU_JOB
from bot.services import invites
from bot.services.people import name_of
from conversations import team_flows
from storage.models import DueJob, FlowState, OutboxMessage, Person
from storage.repositories import UNDELIVERED

AdminCommand = Callable[[Sequence[str], Tandem], Awaitable[str]]
Result = TypeVar("Result")


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
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(UNDELIVERED))
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


async def team(args: Sequence[str], tandem: Tandem) -> str:
    """``team``: one line a person (id, role, state, name), coordinators first."""
    async with tandem.db.unit_of_work() as uow:
        people = await uow.people.team()
    lines = ["id\trole\tstate\tname"]
    for person in people:
        state = person.screening if person.role == "mentor" else "-"
        lines.append(f"{person.id}\t{person.role}\t{state}\t{name_of(person)}")
    return "\n".join(lines)


async def _on_behalf(
    tandem: Tandem, args: Sequence[str], usage: str, act: Callable[[Context, Person], Awaitable[Result]]
) -> tuple[Person, Result]:
    """Run a decision about one person (by id) in one transaction, as a due job would; the menus
    it changes are left to the running bot."""
    if len(args) != 1 or not re.fullmatch(r"[0-9]{1,18}", args[0]):
        raise ValueError(usage)
    async with tandem.db.unit_of_work() as uow:
        person = await uow.people.get(int(args[0]))
        if person is None:
            raise ValueError(f"nobody has the id {args[0]} (see: tandem admin team)")
        await uow.lock_chat(person.chat_id)
        ctx = tandem.dispatcher.operator_context(uow, person)
        result = await act(ctx, person)
        for changed in ctx.menus:
            await ctx.schedule(MENU_JOB, ctx.now, {"person_id": changed.id})
        await ctx.write_outbox()
    return person, result


async def suspend_mentor(args: Sequence[str], tandem: Tandem) -> str:
    """``suspend-mentor ID``: as a coordinator's suspension, with no reason on record."""

    async def act(ctx: Context, mentor: Person) -> int:
        if not team_flows.suspendable(mentor):
            raise ValueError(f"{mentor.id} is not an approved mentor (see: tandem admin team)")
        return await team_flows.suspend(ctx, mentor, None, None)

    mentor, ended = await _on_behalf(tandem, args, "use: tandem admin suspend-mentor ID", act)
    return (
        f"{mentor.id} ({name_of(mentor)}) is suspended: out of matching until reinstated; "
        f"pairs ended: {ended}. The running bot tells them, their learners and the coordinators."
    )


async def reinstate_mentor(args: Sequence[str], tandem: Tandem) -> str:
    """``reinstate-mentor ID``: approved again, matchable once checked and trained."""

    async def act(ctx: Context, mentor: Person) -> None:
        if not team_flows.reinstatable(mentor):
            raise ValueError(f"{mentor.id} is not a suspended mentor (see: tandem admin team)")
        await team_flows.reinstate(ctx, mentor, None)

    mentor, _ = await _on_behalf(tandem, args, "use: tandem admin reinstate-mentor ID", act)
    matchable = "matchable again" if mentor.ready_at and not mentor.suspended_at else "not matchable yet"
    return f"{mentor.id} ({name_of(mentor)}) is reinstated ({matchable}). The running bot tells them."


async def remove_coordinator(args: Sequence[str], tandem: Tandem) -> str:
    """``remove-coordinator ID``: every coordinator command and button refused from now on."""

    async def act(ctx: Context, coordinator: Person) -> bool:
        if coordinator.role != "coordinator":
            raise ValueError(f"{coordinator.id} is not a coordinator (see: tandem admin team)")
        await team_flows.remove_coordinator(ctx, coordinator, None)
        return not await ctx.uow.people.with_role("coordinator")

    coordinator, none_left = await _on_behalf(tandem, args, "use: tandem admin remove-coordinator ID", act)
    said = f"{coordinator.id} ({name_of(coordinator)}) is no longer a coordinator. "
    said += "The running bot tells them."
    if none_left:
        said += "\nThe programme has no coordinator now: `tandem admin invite coordinator` makes a code."
    return said


COMMANDS: dict[str, AdminCommand] = {
    "stats": stats,
    "invite": invite,
    "team": team,
    "suspend-mentor": suspend_mentor,
    "reinstate-mentor": reinstate_mentor,
    "remove-coordinator": remove_coordinator,
}


async def run_admin(args: Sequence[str], tandem: Tandem) -> str:
    if not args or args[0] not in COMMANDS:
        raise ValueError(f"unknown admin command; known: {', '.join(sorted(COMMANDS))}")
    return await COMMANDS[args[0]](args[1:], tandem)
