"""The coordinators' group: /group lists who is in it as far as the bot can tell (the members it
has seen, with their role in Tandem, anyone who is not a coordinator flagged), how many it has not
seen, and whether alerts there show their details; then it counts the group again. The button
under a report of members not seen vouches for them. The rules and the texts are in
``bot/services/group_watch.py``.

Buttons carry ``gw1:<members not seen>``; every press checks again that the presser is a
coordinator, and that the number is still the one they were asked about.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import ButtonPress, Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine, staff_press
from bot.i18n import N_
from bot.services import group_watch as watch


async def group(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(watch.ONLY_COORDINATORS))
        return
    chat_id = ctx.settings.coordinator_chat_id
    if chat_id is None:
        await ctx.say(ctx.t(watch.NO_GROUP))
        return
    await ctx.say(await watch.listing(ctx, chat_id))
    ctx.census.append(chat_id)  # counted again once this is sent: what changed is reported


async def vouched(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, watch.Vouch)
    if press is None:
        return
    if not await watch.vouch(ctx, press.unseen):
        ctx.answer_button(event.callback_id, ctx.t(watch.STALE))
        return
    ctx.answer_button(event.callback_id, ctx.t(watch.NOTED))
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)


FEATURE = Feature(
    "group",
    commands=(CommandEntry("group", group, N_("Who is in the coordinators' group"), COORDINATORS),),
    buttons={watch.PREFIX: vouched},
    help=(
        HelpLine(
            N_("/group – who is in the coordinators' group, and whether alerts there show details"),
            COORDINATORS,
        ),
    ),
)
