"""The coordinators' group: /group lists who is in it as far as the bot can tell (the members it
has seen, with their role in Tandem, anyone who is not a coordinator flagged), how many it has not
seen, and whether alerts there show their details; then it counts the group again. The button
under a report of members not seen vouches for them (``group_watch``).

Buttons carry ``gw1:<members not seen>``; every press checks again that the presser is a
coordinator, and that the number is still the one they were asked about.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import ButtonPress, Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine, staff_press
from bot.i18n import N_
from bot.services import group_watch
from bot.services.group_watch import MAKE_ADMIN, PREFIX, Vouch
from storage.models import GroupMember

ROLES = {"coordinator": N_("coordinator"), "mentor": N_("mentor"), "learner": N_("learner")}
NOT_A_COORDINATOR = N_("not a coordinator")
HEAD = N_(
    "Who is in the coordinators' group, as far as I can tell (Telegram shows a bot the group's "
    "administrators and whoever it has seen join, not the others):"
)
UNSEEN = N_("Members I have not seen join: {n} (vouched for by a coordinator: {vouched})")
CLOSED = N_("Alerts in the group show their details: everyone in it is a coordinator, as far as I can tell.")
OPEN = N_("Alerts in the group show nothing but their number until only coordinators are in it.")
NO_GROUP = N_("No coordinators' group is set: everything for the coordinators comes to each of you here.")


async def group(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    chat_id = ctx.settings.coordinator_chat_id
    if chat_id is None:
        await ctx.say(ctx.t(NO_GROUP))
        return
    row = await ctx.uow.groups.of(chat_id, ctx.now)
    strangers = await ctx.uow.groups.strangers(chat_id)
    lines = [ctx.t(HEAD)]
    for member in await ctx.uow.groups.seen(chat_id):
        lines.append("• " + await _line(ctx, member, flagged=member in strangers))
    unseen = await ctx.uow.groups.unseen(chat_id)
    if unseen:
        lines.append(ctx.t(UNSEEN, n=unseen, vouched=min(row.vouched, unseen)))
    lines.append(ctx.t(CLOSED if await ctx.uow.groups.closed(chat_id) else OPEN))
    if row.bot_admin is False:
        lines.append(ctx.t(MAKE_ADMIN))
    await ctx.say("\n".join(lines))
    ctx.census.append(chat_id)  # what changed unseen is reported after this


async def _line(ctx: Context, member: GroupMember, *, flagged: bool) -> str:
    person = await ctx.uow.people.by_telegram_id(member.user_id)
    role = ctx.t(ROLES[person.role]) if person is not None and person.role in ROLES else ""
    if member.is_bot:
        role = "🤖"
    elif flagged:
        role = ", ".join(part for part in (role, "⚠️ " + ctx.t(NOT_A_COORDINATOR)) if part)
    when = ctx.t.date(member.since)
    return ctx.t(
        N_("{name} ({role}), since {date}"), name=await group_watch.display(ctx, member), role=role, date=when
    )


async def vouched(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Vouch)
    if press is None:
        return
    if not await group_watch.vouch(ctx, press.unseen):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    ctx.answer_button(event.callback_id, ctx.t(N_("Noted.")))
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)


FEATURE = Feature(
    "group",
    commands=(CommandEntry("group", group, N_("Who is in the coordinators' group"), COORDINATORS),),
    buttons={PREFIX: vouched},
    help=(
        HelpLine(
            N_("/group – who is in the coordinators' group, and whether alerts there show details"),
            COORDINATORS,
        ),
    ),
)
