"""Which learner: a mentor with several learners chooses whom a command is about.

A mentor may mentor up to three learners at once. What is about one pair (/progress, /goals,
/sessions, a concern) asks "About which of your learners?" with a button per name when there are
several, and never picks one for them. Every press is checked again: the presser must still
mentor that learner in a running pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.context import Context
from bot.events import Button
from bot.i18n import N_
from bot.services.people import name_of
from storage.models import Pair, Person

WHICH = N_("About which of your learners?")
Mentored = list[tuple[Pair, Person]]


async def mentored(ctx: Context, statuses: Sequence[str] = ("active",)) -> Mentored:
    """The person's learners (as their mentor) in pairs of these statuses, oldest pair first."""
    found = []
    for pair in await ctx.uow.pairs.live_of(ctx.person.id):
        if pair.mentor_id != ctx.person.id or pair.status not in statuses:
            continue
        learner = await ctx.uow.people.get(pair.learner_id)
        if learner is not None:
            found.append((pair, learner))
    return found


async def ask(ctx: Context, mine: Mentored, data: Callable[[Pair, Person], str]) -> None:
    """One button per learner, by name; what each press carries is the command's own."""
    rows = tuple((Button(name_of(learner), data=data(pair, learner)),) for pair, learner in mine)
    await ctx.say(ctx.t(WHICH), rows)


async def chosen(
    ctx: Context, learner_id: int, statuses: Sequence[str] = ("active",)
) -> tuple[Pair, Person] | None:
    """The pair with this learner, if the person still mentors them; else None."""
    return next(((p, lr) for p, lr in await mentored(ctx, statuses) if lr.id == learner_id), None)
