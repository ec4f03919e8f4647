"""The quality of a pair's relationship, as both of them see it.

Every few weeks (``relationship_check_weeks``) the learner and the mentor each answer five items
from 1 to 5: closeness, trust, usefulness, enjoyment and wanting to go on
(``conversations/relationship_check.py`` asks them). A person's *score* is the mean of their five.
The trend of a pair is both sides' scores, oldest first. Two patterns mean a coordinator should
look: a clear fall (a person's score a whole point below their previous one) and one side much
lower than the other (their latest scores 1.5 points apart, answered in the same round). Either
raises a concern of its own kind, which later checks add lines to while it is open.

``trends`` is what a coordinators' page calls for a list of pairs: one query for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.context import Context
from bot.i18n import N_, Translator
from bot.services import concerns
from bot.services.people import name_of
from storage.models import Pair, Person, RelationshipCheck
from storage.repositories import UnitOfWork

ITEMS = ("closeness", "trust", "usefulness", "enjoyment", "going_on")
LABELS = {
    "closeness": N_("closeness"),
    "trust": N_("trust"),
    "usefulness": N_("usefulness"),
    "enjoyment": N_("enjoyment"),
    "going_on": N_("wanting to go on"),
}
KIND = "relationship"  # the concern's kind (concerns.KINDS)
FALL = 1.0  # a person's score this much below their previous one is a clear fall
GAP = 1.5  # the two sides' latest scores this far apart: one sees it much worse
SAME_ROUND = timedelta(days=14)  # two answers this close belong to one round of checks
SHOWN = 4  # the latest scores shown per side in /pairs

FELL = N_("Relationship check: {name}'s score fell from {before} to {now} (of 5).")
APART = N_("Relationship check: {learner} gives {learner_score}, {mentor} gives {mentor_score} (of 5).")
TREND = N_("Relationship (of 5): learner {learner} · mentor {mentor}")


@dataclass
class Trend:
    """A pair's relationship checks: each side's scores, oldest first, and when each was answered."""

    learner: list[RelationshipCheck] = field(default_factory=list)
    mentor: list[RelationshipCheck] = field(default_factory=list)

    def scores(self, role: str) -> list[float]:
        return [score(check) for check in (self.learner if role == "learner" else self.mentor)]


def score(check: RelationshipCheck) -> float:
    """A person's answers in one number: the mean of the five items, 1 to 5."""
    return sum(int(getattr(check, item)) for item in ITEMS) / len(ITEMS)


async def trends(uow: UnitOfWork, pair_ids: Collection[int]) -> dict[int, Trend]:
    """Each pair's trend (an empty one for a pair never checked), for lists and the console."""
    found = {pair_id: Trend() for pair_id in pair_ids}
    for check in await uow.relationship.of_pairs(found):
        side = found[check.pair_id].learner if check.role == "learner" else found[check.pair_id].mentor
        side.append(check)
    return found


def fall(checks: Sequence[RelationshipCheck]) -> tuple[float, float] | None:
    """The previous and the latest score, when the latest is a clear fall."""
    if len(checks) < 2:
        return None
    before, now = score(checks[-2]), score(checks[-1])
    return (before, now) if before - now >= FALL else None


def apart(trend: Trend) -> tuple[float, float] | None:
    """The learner's and the mentor's latest scores, when one is much lower and both are recent."""
    if not trend.learner or not trend.mentor:
        return None
    learner, mentor = trend.learner[-1], trend.mentor[-1]
    if abs(learner.answered_at - mentor.answered_at) > SAME_ROUND:
        return None
    ours = score(learner), score(mentor)
    return ours if abs(ours[0] - ours[1]) >= GAP else None


def figure(t: Translator, value: float) -> str:
    """A score with one decimal, in the reader's customs ("3.4", "3,4")."""
    return t.number(round(value, 1))


def worried(trend: Trend) -> bool:
    """Does the pair's trend show a clear fall on either side, or the two far apart?"""
    return bool(fall(trend.learner) or fall(trend.mentor) or apart(trend))


def shown(t: Translator, trend: Trend) -> str | None:
    """The trend in one line ("learner 4.2 → 3.4 · mentor 4.6"), or None for a pair never checked."""
    if not trend.learner and not trend.mentor:
        return None

    def side(role: str) -> str:
        scores = trend.scores(role)[-SHOWN:]
        return " → ".join(figure(t, s) for s in scores) or "–"

    return t(TREND, learner=side("learner"), mentor=side("mentor"))


def record(ctx: Context, pair: Pair, answers: dict[str, int]) -> RelationshipCheck:
    """Keep ``ctx.person``'s answers to the pair's check."""
    role = "learner" if ctx.person.id == pair.learner_id else "mentor"
    check = RelationshipCheck(
        pair_id=pair.id, person_id=ctx.person.id, role=role, answered_at=ctx.now, **answers
    )
    ctx.uow.relationship.add(check)
    return check


async def warning_lines(ctx: Context, pair: Pair, t: Translator) -> list[str]:
    """What the pair's latest checks show a coordinator should look at, in ``t``'s words."""
    trend = (await trends(ctx.uow, [pair.id]))[pair.id]
    learner, mentor = await _people(ctx, pair)
    lines = []
    for person, checks in ((learner, trend.learner), (mentor, trend.mentor)):
        fell = fall(checks)
        if fell is not None:
            lines.append(t(FELL, name=name_of(person), before=figure(t, fell[0]), now=figure(t, fell[1])))
    gap = apart(trend)
    if gap is not None:
        lines.append(
            t(
                APART,
                learner=name_of(learner),
                mentor=name_of(mentor),
                learner_score=figure(t, gap[0]),
                mentor_score=figure(t, gap[1]),
            )
        )
    return lines


async def raise_if_worried(ctx: Context, pair: Pair, lines: list[str]) -> None:
    """A fall or a gap becomes the pair's relationship concern (or a line of its open one)."""
    if not lines:
        return
    learner = await ctx.uow.people.get(pair.learner_id)
    await concerns.raise_concern(
        ctx, kind=KIND, severity="normal", subject=learner, pair=pair, line="\n".join(lines)
    )


async def _people(ctx: Context, pair: Pair) -> tuple[Person | None, Person | None]:
    return await ctx.uow.people.get(pair.learner_id), await ctx.uow.people.get(pair.mentor_id)
