"""The relationship check: every few weeks, in place of the monthly "how is it going?", the learner
and the mentor each answer five items from 1 to 5, worded for each (the learner's in plain words,
for young people who may be learning the language). ``conversations/monitoring.py`` decides when.

A low answer (a 1 anywhere, or a score of 2 or less) asks for an optional word to the coordinators,
and like a poor monthly answer raises a concern for them, with the person's words; so does a word
written after any low item. A clear fall or a wide gap between the two
(``bot/services/relationship.py``) raises the pair's relationship concern. Nothing of it reaches the
partner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.context import Context
from bot.feature import Feature
from bot.i18n import G_, N_
from bot.services import concerns, phrase_screening, relationship
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import voice_of
from conversations.monitoring import CHECK, NOTE_STEPS, ROLES, THANKS, THANKS_POOR
from storage.models import Pair

SCALE = (
    Option("1", N_("1 · Not at all")),
    Option("2", N_("2 · A little")),
    Option("3", N_("3 · Partly")),
    Option("4", N_("4 · Mostly")),
    Option("5", N_("5 · Very much")),
)
INTRO = {
    "learner": G_(
        "A short check from {programme}: 5 questions about you and your mentor {name}. "
        "Your mentor does not see your answers."
    ),
    "mentor": N_(
        "A short check from {programme}: 5 questions about you and your learner {name}. "
        "Your learner does not see your answers."
    ),
}
QUESTIONS = {
    "learner": {
        "closeness": N_("Do you feel good with {name}?"),
        "trust": N_("Can you tell {name} about your problems?"),
        "usefulness": N_("Does {name} help you?"),
        "enjoyment": N_("Do you like your meetings with {name}?"),
        "going_on": N_("Do you want to go on meeting {name}?"),
    },
    "mentor": {
        "closeness": N_("Do you feel close to {name}?"),
        "trust": N_("Does {name} trust you with what matters to them?"),
        "usefulness": N_("Do your meetings make a difference for {name}?"),
        "enjoyment": N_("Do you enjoy your time with {name}?"),
        "going_on": N_("Do you want to go on mentoring {name}?"),
    },
}
ANSWERS_LINE = N_("Their answers (of 5): {answers}")
LOW = 2  # an item this low asks for a word to the coordinators


def _worded(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """The questions for the person's role, numbered, with the partner's name (asked in their language)."""
    role = str(answers.get("role")) if answers.get("role") in ROLES else "learner"
    name = str(answers.get("partner") or "")
    count = len(relationship.ITEMS)
    fields = {
        f"q_{item}": f"{index}/{count} · " + ctx.t(QUESTIONS[role][item], name=name)
        for index, item in enumerate(relationship.ITEMS, start=1)
    }
    gender = answers.get("partner_gender")
    fields["intro"] = ctx.t.gendered(
        INTRO[role], gender if isinstance(gender, str) else None, programme=ctx.programme, name=name
    )
    return fields


def _scores(answers: Mapping[str, Any]) -> dict[str, int]:
    return {item: int(str(answers.get(item) or 0)) for item in relationship.ITEMS}


def poor(scores: Mapping[str, int]) -> bool:
    """A 1 anywhere, or a score of 2 or less: the coordinators hear of it."""
    return min(scores.values()) <= 1 or sum(scores.values()) <= 2 * len(scores)


def _after_last(answers: Mapping[str, Any]) -> str:
    """A low item asks for a word to the coordinators (worded for the role)."""
    role = answers.get("role")
    low = min(_scores(answers).values()) <= LOW
    return f"{role}_note" if role in ROLES and low else END


async def answered(ctx: Context, answers: dict[str, Any]) -> None:
    """Keep the scores; a low check, or words, become a concern; so do a fall or a gap."""
    pair = await ctx.uow.pairs.get(int(answers.get("pair") or 0))
    if pair is None or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        await ctx.say(ctx.t(THANKS))
        return
    role = "learner" if ctx.person.id == pair.learner_id else "mentor"
    scores = _scores(answers)
    relationship.record(ctx, pair, scores)
    await ctx.uow.session.flush()
    staff = concerns.staff_translator(ctx)
    warnings = await relationship.warning_lines(ctx, pair, staff)
    note = answers.get(f"{role}_note")
    text = note if isinstance(note, str) and note else None
    voice = voice_of(note)
    if not poor(scores) and text is None and voice is None:
        await relationship.raise_if_worried(ctx, pair, warnings)
        await ctx.say(ctx.t(THANKS))
        return
    await _pair_check(ctx, pair, scores, (text, voice), warnings)
    await ctx.say(ctx.t(THANKS_POOR))
    await phrase_screening.screen(ctx, text, pair=pair, source=CHECK)


async def _pair_check(
    ctx: Context, pair: Pair, scores: dict[str, int], note: tuple[str | None, str | None], warnings: list[str]
) -> None:
    """The concern a poor monthly answer raised before: the person's own, with their words."""
    staff = concerns.staff_translator(ctx)
    shown = ", ".join(f"{staff(relationship.LABELS[item])} {scores[item]}" for item in relationship.ITEMS)
    await concerns.raise_pair_check(
        ctx, pair, note[0], "\n".join([staff(ANSWERS_LINE, answers=shown), *warnings]), voice=note[1]
    )


def _item(index: int, item: str) -> Step:
    last = index == len(relationship.ITEMS) - 1
    return Step(
        item,
        ("{intro}\n\n" if index == 0 else "") + "{q_" + item + "}",
        StepKind.CHOICE,
        options=SCALE,
        next=_after_last if last else None,
    )


# The questions are worded per role and with the partner's name when shown (``fields``), so each
# step's prompt is just that wording.
FLOW = Flow(
    name=CHECK,
    title=N_("the relationship check"),
    steps=(
        *(_item(index, item) for index, item in enumerate(relationship.ITEMS)),
        *NOTE_STEPS,
    ),
    on_complete=answered,
    fields=_worded,
)

FEATURE = Feature("relationship", flows=(FLOW,))
