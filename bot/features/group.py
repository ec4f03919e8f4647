"""The coordinators' group: ``/setup`` sent in a group by a coordinator makes it the coordinators'
group (stored, so nobody has to find a chat id; the setting ``TANDEM_COORDINATOR_CHAT_ID`` is
only the default until then), and /group lists who is in it as far as the bot can tell (the
members it has seen, with their role in Tandem, anyone who is not a coordinator flagged), how
many it has not seen, and whether alerts there show their details; then it counts the group
again. The button under a report of members not seen vouches for them. The rules and the texts
of who may read the group are in ``bot/services/group_watch.py``.

Buttons carry ``gw1:<members not seen>``; every press checks again that the presser is a
coordinator, and that the number is still the one they were asked about.
"""

from __future__ import annotations

import logging

from bot.context import Context
from bot.events import ButtonPress, Command, Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine, staff_press
from bot.i18n import N_
from bot.services import areas, concerns, coordination
from bot.services import group_watch as watch

log = logging.getLogger(__name__)

SETUP_HOW = N_(
    "To choose the coordinators' group, add me to the group, then send /setup there. "
    "Everything for the coordinators then goes to that group."
)
SETUP_REFUSED = N_("Only a coordinator of the programme can make this group the coordinators' group.")
SETUP_DONE = N_(
    "This is now the coordinators' group: alerts and news for the coordinators come here. "
    "/group in my private chat shows who I have seen in it."
)
SETUP_AREA_DONE = N_(
    "This is now the coordinators' group of {area}: its alerts come here by their number, "
    "and /case N in my private chat shows each."
)
SETUP_MOVED = N_(
    "The coordinators now use another group: nothing more for them comes here, and the alerts "
    "above keep only their number."
)


async def setup_here(ctx: Context, event: Inbound) -> None:
    """``/setup`` in a group: a coordinator makes it the coordinators' group. A group that was
    the coordinators' until now is told, and its alerts keep their number only."""
    t = ctx.programme_translator()  # a group reads in the programme's language
    if ctx.person.role != "coordinator":
        await ctx.say(t(SETUP_REFUSED))
        return
    typed = event.args.strip().lower() if isinstance(event, Command) else ""
    area = areas.group_scope(ctx.rules, ctx.person, typed or None)
    if area is None:
        await ctx.say(t(SETUP_REFUSED))
        return
    if area:
        await _setup_area(ctx, area)
        return
    group = ctx.chat_id
    stored = await ctx.uow.groups.set_coordinators(group, ctx.person.id, ctx.now)  # locked till commit
    before = stored if stored is not None else ctx.settings.coordinator_chat_id
    if stored != group:  # recorded even where the setting named it
        await ctx.uow.audit.record(ctx.now, ctx.person, "group.setup", None, chat=group, before=before)
        log.info("coordinator %s made group %s the coordinators' (before: %s)", ctx.person.id, group, before)
    await coordination.group_heard_from(ctx, group)
    await ctx.say(t(SETUP_DONE))
    if before is not None and before != group:
        await concerns.leave_group(ctx, before)
        if not await ctx.uow.groups.unreachable(before):
            await ctx.say_to(before, t(SETUP_MOVED))
    ctx.census.append(group)  # who is in it: until counted, alerts there show their number only


async def _setup_area(ctx: Context, area: str) -> None:
    """``/setup`` by an area's coordinator: the group becomes that area's coordinators' group. Its
    alerts show their number (who reads it is watched for the programme's group only)."""
    t = ctx.programme_translator()
    group = ctx.chat_id
    before = await ctx.uow.groups.set_coordinators(group, ctx.person.id, ctx.now, area=area)
    if before != group:
        await ctx.uow.audit.record(
            ctx.now, ctx.person, "group.setup", None, chat=group, before=before, area=area
        )
        log.info("coordinator %s made group %s the coordinators' of area %s", ctx.person.id, group, area)
    await ctx.say(t(SETUP_AREA_DONE, area=areas.name(ctx.rules, area, t.locale)))
    if before is not None and before != group:
        await concerns.leave_group(ctx, before)
        if not await ctx.uow.groups.unreachable(before):
            await ctx.say_to(before, t(SETUP_MOVED))


async def setup(ctx: Context, event: Inbound) -> None:
    """``/setup`` in a private chat: what to do instead."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(watch.ONLY_COORDINATORS))
        return
    await ctx.say(ctx.t(SETUP_HOW))


async def group(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(watch.ONLY_COORDINATORS))
        return
    chat_id = await ctx.coordinators_chat()
    if chat_id is None:
        await ctx.say(ctx.t(watch.NO_GROUP) + "\n" + ctx.t(SETUP_HOW))
        return
    await ctx.say(await watch.listing(ctx, chat_id))
    ctx.census.append(chat_id)  # counted again once this is sent: what changed is reported


async def vouched(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, watch.Vouch)
    if press is None:
        return
    if not areas.is_lead(ctx.rules, ctx.person):  # the programme's group is its leads'
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return
    if not await watch.vouch(ctx, press.unseen):
        ctx.answer_button(event.callback_id, ctx.t(watch.STALE))
        return
    ctx.answer_button(event.callback_id, ctx.t(watch.NOTED))
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)


FEATURE = Feature(
    "group",
    commands=(
        CommandEntry("group", group, N_("Who is in the coordinators' group"), COORDINATORS),
        CommandEntry("setup", setup, N_("Choose the coordinators' group"), COORDINATORS),
    ),
    group_commands={"setup": setup_here},
    buttons={watch.PREFIX: vouched},
    help=(
        HelpLine(
            N_("/group – who is in the coordinators' group, and whether alerts there show details"),
            COORDINATORS,
        ),
        HelpLine(N_("/setup – sent in a group, makes it the coordinators' group"), COORDINATORS),
    ),
)
