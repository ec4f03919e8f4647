"""Reviewing a large /match run in batches: the summary's buttons, the score a coordinator types,
and the question before many proposals are approved at once ("Approve 120 proposals scoring 7.5
or more?"). The approving itself is the matchmaking feature's (``bot/features/matchmaking.py``).

Batch buttons carry the run (the id of its first proposal) so that a button of an earlier /match
is refused rather than applied to proposals its presser never counted: ``mb1:<run>:a75`` asks
about everything from 7.5, ``mb1:<run>:y75`` approves it, ``mb1:<run>:type|list|no``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from bot.callbacks import Callback, Tag, pack
from bot.context import Context
from bot.events import Button, Keyboard
from bot.i18n import N_
from bot.services import areas
from conversations.flow import Flow, Step, StepKind
from storage.models import Pair

BATCH = "mb1"
THRESHOLD = "match_threshold"
TOP = 1000  # no score comes near; a typed number above it is refused as out of range
YES_APPROVE = N_("Yes, approve {count}")
NO = N_("No")


@dataclass(frozen=True)
class AskAbove(Callback, prefix=BATCH):
    """ "All from 7.5": how many that is, and the question."""

    run: int
    tenths: Annotated[int, Tag("a")]


@dataclass(frozen=True)
class ApproveAbove(Callback, prefix=BATCH):
    """The answer "yes" to that question."""

    run: int
    tenths: Annotated[int, Tag("y")]


@dataclass(frozen=True)
class BatchChoice(Callback, prefix=BATCH):
    run: int
    action: Literal["type", "list", "no"]


def tenths(score: float) -> int:
    """A score as a button carries it, in tenths (scores are kept to one decimal: 7.5 is 75)."""
    return int(round(score * 10, 6))


async def pending(ctx: Context, at_least: float = 0.0, *, lock: bool = False) -> list[Pair]:
    """The undecided proposals this coordinator reviews (those of their areas). The one place a
    batch reads them."""
    return await ctx.uow.pairs.pending(at_least, lock=lock, scope=areas.scope_of(ctx.rules, ctx.person))


async def question(ctx: Context, run: int, at: int) -> tuple[str, Keyboard | None]:
    """How many proposals score ``at`` tenths or more, and whether to approve them all."""
    count = len(await pending(ctx, at / 10))
    score = ctx.t.number(at / 10)
    if not count:
        return ctx.t(N_("No undecided proposal scores {score} or more."), score=score), None
    text = ctx.t.plural(
        "Approve {n} proposal scoring {score} or more? Both people of each pair are told at once.",
        "Approve {n} proposals scoring {score} or more? Both people of each pair are told at once.",
        count,
        score=score,
    )
    keyboard = (
        (
            Button(ctx.t(YES_APPROVE, count=count), data=pack(ApproveAbove(run, at))),
            Button(ctx.t(NO), data=pack(BatchChoice(run, "no"))),
        ),
    )
    return text, keyboard


async def typed(ctx: Context, answers: dict[str, Any]) -> None:
    run = int(answers.get("run") or 0)
    if ctx.person.role != "coordinator" or run != await ctx.uow.pairs.run_start():
        await ctx.say(ctx.t(N_("This button is no longer active.")))
        return
    await ctx.say(*await question(ctx, run, tenths(float(answers["score"]))))


THRESHOLD_FLOW = Flow(
    name=THRESHOLD,
    title=N_("approving proposals"),
    steps=(
        Step(
            "score",
            N_("From which score on should the proposals be approved? They score {low} to {high}."),
            StepKind.NUMBER,
            min_value=0,
            max_value=TOP,
        ),
    ),
    on_complete=typed,
    nudge_after=None,
)
