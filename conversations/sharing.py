"""What a learner lets their mentor see belongs to one pair.

A learner shares their progress chart (/progress) and goals ("my mentor may see it") with the
mentor of their pair. When that pair ends (ended by a coordinator, declined after the first
meeting, or left by deleting one's data), what was shared is the learner's own again: a new mentor
sees nothing until the learner shares with them.
"""

from __future__ import annotations

from bot.context import Context
from storage.models import Person

PROGRESS = "share_progress"  # the learner's profile key: their mentor may see the chart


def shares_progress(learner: Person) -> bool:
    return bool((learner.profile or {}).get(PROGRESS))


def share_progress(learner: Person, share: bool) -> None:
    learner.profile = {**(learner.profile or {}), PROGRESS: share}  # a new dict: SQLAlchemy sees it


async def withdraw(ctx: Context, learner: Person | None) -> None:
    """The learner's pair has ended: nothing they shared stays shared."""
    if learner is None or learner.role != "learner":
        return
    if shares_progress(learner):
        share_progress(learner, False)
    for goal in await ctx.uow.goals.of(learner.id, statuses=("open", "done", "dropped")):
        goal.shared = False
