"""Announcements: /announce lets a coordinator write to all mentors, all learners, everyone, or
one cohort, after a preview and a confirmation (``conversations/announce.py``). The copies go as
bulk within a window and a report follows; anyone else who tries /announce is refused.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import areas
from conversations import announce


async def start(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(announce.ONLY_COORDINATORS))
        return
    cohorts = await ctx.uow.announcements.cohorts(areas.scope_of(ctx.rules, ctx.person))
    await ctx.start_flow(announce.WRITE, {"cohorts": ", ".join(cohorts) or "–"})


FEATURE = Feature(
    "announcements",
    commands=(
        CommandEntry("announce", start, N_("Write to many: mentors, learners, a cohort"), COORDINATORS),
    ),
    jobs={announce.COPY_JOB: announce.send_copy, announce.REPORT_JOB: announce.report},
    flows=announce.FLOWS,
    help=(
        HelpLine(
            N_("/announce – an announcement to all mentors, all learners, everyone or one cohort"),
            COORDINATORS,
        ),
    ),
)
