"""When the coordinators' group refuses the bot (it was removed, or the group was deleted).

What the group refused goes to each coordinator privately at once, as it was written for the
group (an alert's copies are edited into each reader's language at its next change); the group is
marked unreachable, so that what comes next goes to each coordinator directly
(``Context.coordinators_group``) and /readyz reports it; and the coordinators are told once. The
group counts as reachable again as soon as it is heard from (the bot added back, a press in it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.context import Context
from bot.events import Outbound, SendDocument, SendFile, SendText, SendVoice
from bot.i18n import N_

log = logging.getLogger(__name__)

UNREACHABLE = N_(
    "I cannot write to the coordinators' group any more: I was removed from it, or it was deleted. "
    "Until I am added back, everything for the coordinators comes to each of you here."
)


async def group_lost(ctx: Context, group: int, lost: Sequence[Outbound], *, refused: bool) -> None:
    """``lost``: what the group did not take; ``refused``: it answered that the bot is not welcome
    (403), rather than failing for a while."""
    told = refused and await ctx.uow.groups.mark_unreachable(group, ctx.now)
    if told:
        log.warning("the coordinators' group %s refuses the bot; writing to each coordinator", group)
    team = await ctx.reachable_coordinators()
    if not team and lost:
        log.error("the coordinators' group refused %s messages and no coordinator can be reached", len(lost))
    for coordinator in team:
        if told:
            await ctx.say_to(coordinator.chat_id, ctx.translator_for(coordinator)(UNREACHABLE))
        for action in lost:
            await _pass_on(ctx.about_chat(coordinator.chat_id), action)


async def group_migrated(ctx: Context, group: int, new_id: int) -> None:
    """A group became a supergroup under a new id (Telegram's migration): the coordinators' group
    stays theirs under it. Its alerts stay behind in the old chat, which takes no edits, and who
    is in it is counted again."""
    if group != await ctx.coordinators_chat():
        return
    await ctx.uow.groups.set_coordinators(new_id, None, ctx.now)
    await ctx.uow.audit.record(ctx.now, None, "group.migrated", None, chat=new_id, before=group)
    await ctx.uow.message_refs.forget_chat(group)
    ctx.census.append(new_id)
    log.info("the coordinators' group %s became supergroup %s", group, new_id)


async def group_heard_from(ctx: Context, group: int) -> None:
    """An update from the group (the bot added back, a press): it takes messages again."""
    if await ctx.uow.groups.mark_reachable(group, ctx.now):
        log.info("the coordinators' group %s is reachable again", group)


async def _pass_on(there: Context, action: Outbound) -> None:
    match action:
        case SendText():
            await there.say_to(there.chat_id, action.text, action.keyboard, track=action.track)
        case SendVoice():
            await there.send_voice(action.file_id, action.caption)
        case SendFile():
            await there.send_file(action.kind, action.file_id, action.caption)
        case SendDocument():
            await there.send_document(
                action.filename,
                action.content,
                action.caption,
                photo=action.as_photo,
                keyboard=action.keyboard,
            )
        case _:  # an edit: the copies a coordinator has are edited from the case itself
            pass
