"""A learner's weeks through both adapters: at most one new question from the programme a day; in
a week with a check-in, the monthly question and the reflection come right after it, in the same
sitting; a holiday week brings its note, not a pile of questions; every button stays live."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.simulation import Simulation
from tests.journeys import (
    agree_tuesdays,
    answer_check_in,
    answer_what_rides_along,
    ask_now,
    begin_mentoring,
    until,
)

BERLIN = ZoneInfo("Europe/Berlin")
PROMPTS = {  # how each of the programme's own questions begins (a nudge begins with its hint)
    "check-in": "Quick check-in",
    "monthly": "A short question from",
    "reflection": "A question just for you",
}


def prompts(sim: Simulation, who: str, since: int) -> list[tuple[str, datetime]]:
    """New questions the programme started (not a question asked again, not an edit), with when."""
    found = []
    for entry in sim.transcript(who, since):
        if entry.sender != "bot" or entry.edit:
            continue
        found += [(kind, sim.clock.now()) for kind, start in PROMPTS.items() if entry.text.startswith(start)]
    return found


async def answer(sim: Simulation, who: str, kind: str) -> list[str]:
    """The learner answers the question on screen and what comes with it; what came, in order."""
    if kind == "check-in":
        await answer_check_in(sim, who)
        return ["check-in", *await answer_what_rides_along(sim, who)]
    return await answer_what_rides_along(sim, who)


async def test_a_holiday_month_brings_one_question_a_day_and_the_rest_rides_along(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    began = sim.clock.now()
    # The week in which the monthly question falls due (four weeks on) is a holiday week.
    due = (began + timedelta(days=28)).astimezone(BERLIN).date()
    monday = due - timedelta(days=due.weekday())
    core = sim.tandem.dispatcher
    holiday = f"{monday.isoformat()}..{(monday + timedelta(days=4)).isoformat()}"
    # A reflection every three weeks: the first and the fourth week's check-ins bring one.
    core.rules = core.rules.model_copy(update={"holidays": (holiday,), "reflection_every_weeks": 3})
    await agree_tuesdays(sim, learner, mentor)
    mark = sim.last_seq()

    # Six weeks, a day at a time. Nobody answers "did you meet?"; the learner answers whatever
    # the programme asks on the day it asks.
    sittings: list[list[str]] = []
    per_day: dict[object, int] = {}
    day = began
    for _ in range(42):
        day += timedelta(days=1)
        seen = sim.last_seq()
        await until(sim, day)
        for _kind, _ in prompts(sim, learner, seen):
            local = sim.clock.now().astimezone(BERLIN).date()
            per_day[local] = per_day.get(local, 0) + 1
        arrived = prompts(sim, learner, seen)
        if arrived:
            sittings.append(await answer(sim, learner, arrived[-1][0]))

    assert max(per_day.values()) == 1, per_day  # never two new questions on one day
    texts = sim.bot_texts(learner, mark)
    assert sum("No session this week" in t for t in texts) == 1  # the holiday note, once
    assert not [t for t in texts if "earlier conversation" in t or "no longer active" in t]
    assert not [t for t in texts if "stopped in the middle" in t]  # nothing left half-done
    # A check-in every week, the holiday week too; the monthly question and the reflection ride
    # along with a check-in, not on days of their own.
    assert sittings == [
        ["check-in", "reflection"],
        ["check-in", "monthly"],  # two weeks in
        ["check-in"],
        ["check-in", "monthly", "reflection"],  # the holiday week: four weeks in, and three since
        ["check-in"],
    ]
    assert sum(t == "Thank you! Two more short questions, then that's it for this week." for t in texts) == 1
    assert not [t for t in sim.bot_texts(mentor, mark) if "earlier conversation" in t]


async def test_a_second_question_on_one_day_waits_for_the_next(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)  # no weekly time yet: no check-ins to ride along
    await until(sim, sim.clock.now() + timedelta(days=14, minutes=1))
    assert await answer_what_rides_along(sim, learner) == ["monthly"]
    mark = sim.last_seq()
    await ask_now(sim, learner)  # a reflection falls due the same day
    assert not prompts(sim, learner, mark)
    await sim.advance(timedelta(hours=19))
    assert not prompts(sim, learner, mark)
    await sim.advance(timedelta(hours=2))
    assert [kind for kind, _ in prompts(sim, learner, mark)] == ["reflection"]
