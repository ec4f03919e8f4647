"""``/console``: a coordinator's one-time sign-in link to the coordinators' console, the web pages
served beside the bot (``bot/console/``). Anyone else is refused, in their language. The link
opens a page with one button that spends it, so a link preview fetching it signs nobody in.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import console_access, group_watch

SIGN_IN_PATH = "/console/signin/"
NO_ADDRESS = N_(
    "The console has no address yet: whoever runs Tandem sets TANDEM_PUBLIC_URL (docs/operations.md)."
)
LINK = N_(
    "Your sign-in link to the coordinators' console. It works once, for {minutes} minutes; "
    "do not pass it on:\n{link}"
)


async def console(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(group_watch.ONLY_COORDINATORS))
        return
    base = ctx.settings.public_url
    if base is None:
        await ctx.say(ctx.t(NO_ADDRESS))
        return
    token = await console_access.issue_link(ctx.uow, ctx.person, ctx.now)
    minutes = int(console_access.LINK_LIFETIME.total_seconds() // 60)
    await ctx.say(ctx.t(LINK, minutes=minutes, link=base + SIGN_IN_PATH + token))


FEATURE = Feature(
    "console",
    commands=(CommandEntry("console", console, N_("The coordinators' console in a browser"), COORDINATORS),),
    help=(HelpLine(N_("/console – a sign-in link to the coordinators' console"), COORDINATORS),),
)
