"""What a learner lets their mentor see belongs to one pair.

A learner shares their progress chart (/progress) and goals ("my mentor may see it") with the
mentor of their pair. When that pair ends (ended by a coordinator, declined after the first
meeting, or left by deleting one's data), what was shared is the learner's own again: a new mentor
sees nothing until the learner shares with them.
"""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.services.people import name_of
from storage.models import Person

PROGRESS = "share_progress"  # the learner's profile key: their mentor may see the chart
SHARE = N_("Share with my mentor")  # before a mentor is found
SHARE_WITH = N_("Share with {name}")


def shares_progress(learner: Person) -> bool:
    return bool((learner.profile or {}).get(PROGRESS))


def share_progress(learner: Person, share: bool) -> None:
    learner.profile = {**(learner.profile or {}), PROGRESS: share}  # a new dict: SQLAlchemy sees it


async def share_label(ctx: Context) -> str:
    """The learner's share button, naming the mentor of their pair when there is one."""
    pair = await ctx.uow.pairs.current_for(ctx.person.id)
    mentor = await ctx.uow.people.get(pair.mentor_id) if pair is not None else None
    if pair is None or pair.learner_id != ctx.person.id or mentor is None:
        return ctx.t(SHARE)
    return ctx.t(SHARE_WITH, name=name_of(mentor))


async def withdraw(ctx: Context, learner: Person | None) -> None:
    """The learner's pair has ended: nothing they shared stays shared."""
    if learner is None or learner.role != "learner":
        return
    if shares_progress(learner):
        share_progress(learner, False)
    for goal in await ctx.uow.goals.of(learner.id, statuses=("open", "done", "dropped")):
        goal.shared = False
