"""``tandem admin ...``: operator commands on the programme's database.

``stats`` (counts only), ``invite coordinator`` (the first coordinator's code), and the team:
``team`` (coordinators and mentors by id, role and state, with no reasons or notes),
``suspend-mentor ID``, ``reinstate-mentor ID`` and ``remove-coordinator ID`` (the last
coordinator too, which a coordinator cannot do in the chat); ``group``: who is in the
coordinators' group, as far as the bot can tell. What these tell people waits in the
outbox, and the running bot sends it. A scenario's ``admin`` step runs the same functions on the
scenario's database.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import func, select

from bot.app import Tandem
from bot.context import Context, coordinators_chat
from bot.features.team import MENU_JOB
from bot.services import areas, group_watch, invites
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
    """``invite coordinator [area=ID,...]``: a one-time code for a coordinator of a programme (of
    all its areas unless some are named)."""
    request = invites.parse_request(" ".join(args))
    if not args or args[0] != "coordinator" or request is None:
        raise ValueError("use: tandem admin invite coordinator [area=ID]")
    area = areas.invite_area(tandem.dispatcher.rules, None, "coordinator", request.area)
    if area is None:
        raise ValueError(f"unknown area; the programme's: {', '.join(tandem.dispatcher.rules.area_ids)}")
    async with tandem.db.unit_of_work() as uow:
        created = await invites.create(
            uow, invites.InviteRequest("coordinator"), by=None, now=tandem.clock.now(), area=area
        )
        code, expires = created.code, created.expires_at
    said = f"{code}\nOne-time coordinator code, valid until {expires:%Y-%m-%d %H:%M} UTC.\n"
    username = tandem.settings.bot_username
    if not username:  # offline, the bot's name is unknown: no link that leads nowhere
        return said + (
            f"The new coordinator sends the bot: /start {code}\n"
            "A link to open needs the bot's username: set TANDEM_BOT_USERNAME (its @name without "
            f"the @) to have it printed, or write it yourself: https://t.me/<username>?start={code}"
        )
    link = invites.deep_link(username, code)
    return said + f"The new coordinator opens {link}\nor sends the bot: /start {code}"


async def team(args: Sequence[str], tandem: Tandem) -> str:
    """``team``: one line a person (id, role, state, name), coordinators first."""
    async with tandem.db.unit_of_work() as uow:
        people = await uow.people.team()
    lines = ["id\trole\tstate\tname"]
    for person in people:
        state = person.screening if person.role == "mentor" else "-"
        lines.append(f"{person.id}\t{person.role}\t{state}\t{name_of(person)}")
    return "\n".join(lines)


async def group(args: Sequence[str], tandem: Tandem) -> str:
    """``group``: the coordinators' group as the bot knows it: Telegram's count, the members it
    has seen (id, role in Tandem, whether they administer the group, since when, name), those
    it has not, and whether alerts there show their details."""
    async with tandem.db.unit_of_work() as uow:
        chat_id = await coordinators_chat(uow, tandem.settings)
    if chat_id is None:
        return (
            "No coordinators' group is set (/setup in the group, or TANDEM_COORDINATOR_CHAT_ID): "
            "alerts go to each coordinator."
        )
    async with tandem.db.unit_of_work() as uow:
        row = await uow.groups.of(chat_id, tandem.clock.now())
        seen = await uow.groups.seen(chat_id)
        strangers = {member.user_id for member in await uow.groups.strangers(chat_id)}
        unseen = await uow.groups.unseen(chat_id)
        closed = await uow.groups.closed(chat_id)
        people = {m.user_id: await uow.people.by_telegram_id(m.user_id) for m in seen}
    counted = "never counted" if row.counted_at is None else f"counted {row.counted_at:%Y-%m-%d %H:%M} UTC"
    admin: dict[bool | None, str] = {
        True: "the bot is an administrator",
        False: "the bot is NOT an administrator: it does not hear of every join",
        None: "the bot has not checked its rights",
    }
    lines = [
        f"group {chat_id}: {row.member_count or '?'} members with the bot, {counted}; {admin[row.bot_admin]}",
        "user_id\trole\tadmin\tsince\tname",
    ]
    for member in seen:
        person = people[member.user_id]
        role = "bot" if member.is_bot else (person.role if person is not None and person.role else "-")
        flag = "\tNOT A COORDINATOR" if member.user_id in strangers else ""
        name = name_of(person) if person is not None else member.first_name
        name += f" @{member.username}" if member.username else ""
        since = f"{member.since:%Y-%m-%d %H:%M}"
        lines.append(f"{member.user_id}\t{role}\t{'yes' if member.admin else 'no'}\t{since}\t{name}{flag}")
    lines.append(
        f"not seen: {'?' if unseen is None else unseen} (vouched for by a coordinator: {row.vouched})"
    )
    lines.append("alerts there: " + ("in full" if closed else "their number only"))
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
        if ctx.menus:
            await group_watch.review(ctx)  # a coordinator fewer: who reads their group now?
        await ctx.write_outbox()
    return person, result


async def suspend_mentor(args: Sequence[str], tandem: Tandem) -> str:
    """``suspend-mentor ID``: as a coordinator's suspension, with no reason on record."""

    async def act(ctx: Context, mentor: Person) -> int:
        await ctx.uow.lock_person(mentor.id)
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
    "group": group,
    "suspend-mentor": suspend_mentor,
    "reinstate-mentor": reinstate_mentor,
    "remove-coordinator": remove_coordinator,
}


async def run_admin(args: Sequence[str], tandem: Tandem) -> str:
    if not args or args[0] not in COMMANDS:
        raise ValueError(f"unknown admin command; known: {', '.join(sorted(COMMANDS))}")
    return await COMMANDS[args[0]](args[1:], tandem)
