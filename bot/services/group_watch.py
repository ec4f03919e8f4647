"""Who is in the coordinators' group: alerts there carry a learner's own words.

Telegram tells a bot little about a group. It hears who joins and leaves (a ``chat_member``
update, only while it administers the group; the group's service message of a join or a leave,
whatever its rights), and it may ask how many members there are and who the administrators are;
never who the others are. So the bot keeps the members it has seen (``group_members``) and
compares their number with Telegram's count, in a *census*: at start-up, when the bot is added to
the group or made an administrator, after each join or leave, and on /group.

The group is *closed* while everyone seen in it is a coordinator and no more members are counted
than were seen or vouched for by a coordinator (``GroupChats.closed``). Otherwise its alerts show
the case's number only (``concerns.pointer``), and everything else for the coordinators goes to
each of them privately (``Context.coordinators_group``). Each member who is not a coordinator
(a coordinator removed later too) is reported to the coordinators privately once, at once; members
counted but never seen are reported with a button to vouch for them. When the group is closed
again it is told so, and every alert in it is shown in full again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, MembersChanged, Sender
from bot.i18n import N_
from bot.messenger import GroupCensus
from bot.services import relay
from bot.services.concerns import redraw_group, staff_translator
from bot.services.people import name_of
from storage.models import GroupChat, GroupMember, Person

log = logging.getLogger(__name__)

PREFIX = "gw1"
STRANGER = N_(
    "⚠️ {who} has been in the coordinators' group since {since} and is not a coordinator. "
    "Until only coordinators are in it, alerts there show nothing but their number. "
    "If {who} belongs there, invite them as a coordinator (/invite coordinator); if not, remove "
    "them from the group. /group shows who is in it."
)
UNSEEN = N_(
    "The coordinators' group has {count} members besides me, and I know who {known} of them are: "
    "Telegram does not show a bot who else is in a group. Until you check, alerts there show nothing "
    "but their number. Look at the group's members in Telegram: if they are all coordinators, press "
    "the button; if not, remove whoever should not be there. /group shows whom I know."
)
ALL_COORDINATORS = N_("They are all coordinators")
MAKE_ADMIN = N_("Make me an administrator of the group, so that I see everyone who joins.")
FULL_AGAIN = N_(
    "As far as I can tell, only coordinators are in this group now: alerts here show their details again."
)
# /group
ROLES = {"coordinator": N_("coordinator"), "mentor": N_("mentor"), "learner": N_("learner")}
NOT_A_COORDINATOR = N_("not a coordinator")
HEAD = N_(
    "Who is in the coordinators' group, as far as I can tell (Telegram shows a bot the group's "
    "administrators and whoever it has seen join, not the others):"
)
UNSEEN_LINE = N_("Members I have not seen join: {n} (vouched for by a coordinator: {vouched})")
CLOSED = N_("Alerts in the group show their details: everyone in it is a coordinator, as far as I can tell.")
OPEN = N_("Alerts in the group show nothing but their number until only coordinators are in it.")
NO_GROUP = N_("No coordinators' group is set: everything for the coordinators comes to each of you here.")
ONLY_COORDINATORS = N_("Only coordinators can use this command.")
STALE = N_("This button is no longer active.")
NOTED = N_("Noted.")


@dataclass(frozen=True)
class Vouch(Callback, prefix=PREFIX):
    """A coordinator vouches for the members counted and never seen: this many of them."""

    unseen: int


# --- what Telegram tells -----------------------------------------------------------------------


async def members_changed(ctx: Context, event: MembersChanged) -> None:
    """People joined or left the coordinators' group: the members seen follow, and the count with
    them (the census after the event sets it exactly)."""
    group = event.chat_id
    row = await ctx.uow.groups.of(group, ctx.now)
    for member in event.members:
        known = await ctx.uow.groups.member(group, member.user_id)
        if event.joined:
            if known is None and row.member_count is not None:
                row.member_count += 1
            _seen(ctx, group, known, member, admin=event.admin)
        elif known is not None:  # someone never seen who leaves: the census counts them out
            await ctx.uow.groups.remove_member(known)
            if row.member_count is not None:
                row.member_count = max(1, row.member_count - 1)
    row.updated_at = ctx.now
    ctx.census.append(group)
    await review(ctx)


async def counted(ctx: Context, group: int, census: GroupCensus) -> None:
    """A census: Telegram's count and administrators, and who of those asked about has left."""
    row = await ctx.uow.groups.of(group, ctx.now)
    row.member_count, row.counted_at, row.bot_admin = census.count, ctx.now, census.bot_admin
    row.updated_at = ctx.now
    for user_id in census.gone:
        known = await ctx.uow.groups.member(group, user_id)
        if known is not None:
            await ctx.uow.groups.remove_member(known)
    admins = {admin.user_id for admin in census.admins}
    for admin in census.admins:
        _seen(ctx, group, await ctx.uow.groups.member(group, admin.user_id), admin, admin=True)
    for member in await ctx.uow.groups.seen(group):
        member.admin = member.user_id in admins
    # Members who left unseen lower the count: a vouch covers no more than those still there.
    row.vouched = min(row.vouched, await ctx.uow.groups.unseen(group) or 0)
    await review(ctx)


def _seen(ctx: Context, group: int, known: GroupMember | None, who: Sender, *, admin: bool | None) -> None:
    if known is None:
        known = GroupMember(chat_id=group, user_id=who.user_id, since=ctx.now, admin=False)
        ctx.uow.groups.add_member(known)
    known.first_name, known.username, known.is_bot = who.first_name[:128], who.username, who.is_bot
    if admin is not None:
        known.admin = admin


# --- what the coordinators are told ------------------------------------------------------------


async def review(ctx: Context) -> None:
    """Tell the coordinators what they have not heard yet about who is in their group, and show
    the group's alerts as it may now read them. Run after every change of who is in the group or
    of who is a coordinator."""
    group = await ctx.coordinators_chat()
    if group is None:
        return
    await ctx.uow.lock_chat(group)  # with the group's own events and census, across replicas
    row = await ctx.uow.groups.of(group, ctx.now)
    # The programme's group is its leads' once there are areas: who is in it is theirs to hear.
    team = [p for p in await ctx.reachable_coordinators() if ctx.rules.coordinated(p.area) is None]
    strangers = await ctx.uow.groups.strangers(group)
    await _report_strangers(ctx, team, await ctx.uow.groups.seen(group), strangers)
    unseen = await ctx.uow.groups.unseen(group) or 0
    row.unseen_told = min(row.unseen_told, unseen)  # so that a new one is told again
    if unseen > max(row.vouched, row.unseen_told) and team:
        await _ask_to_vouch(ctx, team, row, unseen)
        row.unseen_told = unseen
    closed = await ctx.uow.groups.closed(group)
    if not closed and row.restricted_since is None:
        # Before there is any coordinator (a programme starting) there is nobody to tell, nor
        # anything to take back later; what the group was sent is redrawn all the same.
        row.restricted_since = ctx.now if team else None
        await redraw_group(ctx, group)
        await relay.redraw_group(ctx, group)
    elif closed and row.restricted_since is not None:
        row.restricted_since = None
        if await ctx.coordinators_group() == group:  # it takes the bot's messages
            await ctx.say_to(group, staff_translator(ctx)(FULL_AGAIN))
        await redraw_group(ctx, group)
        await relay.redraw_group(ctx, group)


async def _report_strangers(
    ctx: Context, team: Sequence[Person], seen: Sequence[GroupMember], strangers: Sequence[GroupMember]
) -> None:
    for member in seen:
        if member not in strangers:
            member.reported_at = None  # a coordinator: should they stop being one, it is news
    for member in strangers:
        if member.reported_at is not None or not team:
            continue
        member.reported_at = ctx.now
        log.warning("someone who is not a coordinator is in the coordinators' group")
        for coordinator in team:
            t = ctx.translator_for(coordinator)
            who = await display(ctx, member)
            text = t(STRANGER, who=who, since=t.datetime(member.since, "short"))
            await ctx.say_to(coordinator.chat_id, text)


async def _ask_to_vouch(ctx: Context, team: Sequence[Person], row: GroupChat, unseen: int) -> None:
    count = (row.member_count or 1) - 1
    for coordinator in team:
        t = ctx.translator_for(coordinator)
        text = t(UNSEEN, count=count, known=count - unseen)
        if row.bot_admin is False:
            text += "\n" + t(MAKE_ADMIN)
        keyboard = ((Button(t(ALL_COORDINATORS), data=pack(Vouch(unseen))),),)
        await ctx.say_to(coordinator.chat_id, text, keyboard)


async def vouch(ctx: Context, unseen: int) -> bool:
    """A coordinator says the members counted and not seen are all coordinators; False when the
    count changed since they were asked (a newer question is on its way)."""
    group = await ctx.coordinators_chat()
    if group is None or await ctx.uow.groups.unseen(group) != unseen:
        return False
    row = await ctx.uow.groups.of(group, ctx.now)
    row.vouched = row.unseen_told = unseen
    await ctx.uow.audit.record(ctx.now, ctx.person, "group.vouched", None, members=unseen)
    await review(ctx)
    return True


async def display(ctx: Context, member: GroupMember) -> str:
    """A member as the coordinators know them: their name in Tandem, else Telegram's, and their
    @username."""
    person = await ctx.uow.people.by_telegram_id(member.user_id)
    name = name_of(person) if person is not None else (member.first_name or "–")
    return f"{name} @{member.username}" if member.username else name


# --- /group --------------------------------------------------------------------------------------


async def listing(ctx: Context, group: int) -> str:
    """The members seen with their role in Tandem, anyone not a coordinator flagged; how many
    were counted and not seen; whether alerts there show their details."""
    row = await ctx.uow.groups.of(group, ctx.now)
    strangers = await ctx.uow.groups.strangers(group)
    lines = [ctx.t(HEAD)]
    for member in await ctx.uow.groups.seen(group):
        lines.append("• " + await _line(ctx, member, flagged=member in strangers))
    unseen = await ctx.uow.groups.unseen(group)
    if unseen:
        lines.append(ctx.t(UNSEEN_LINE, n=unseen, vouched=min(row.vouched, unseen)))
    lines.append(ctx.t(CLOSED if await ctx.uow.groups.closed(group) else OPEN))
    if row.bot_admin is False:
        lines.append(ctx.t(MAKE_ADMIN))
    return "\n".join(lines)


async def _line(ctx: Context, member: GroupMember, *, flagged: bool) -> str:
    person = await ctx.uow.people.by_telegram_id(member.user_id)
    role = ctx.t(ROLES[person.role]) if person is not None and person.role in ROLES else ""
    if member.is_bot:
        role = "🤖"
    elif flagged:
        role = ", ".join(part for part in (role, "⚠️ " + ctx.t(NOT_A_COORDINATOR)) if part)
    name, when = await display(ctx, member), ctx.t.date(member.since)
    return ctx.t(N_("{name} ({role}), since {date}"), name=name, role=role, date=when)
