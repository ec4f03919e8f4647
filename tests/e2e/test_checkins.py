"""The weekly check-in through both adapters over several weeks: started by "yes, we met" or the
day after a session, only the areas the learner chose, goal progress and due next steps, a
comment passed on to the mentor, one nudge, missed check-ins and motivation as signals."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.simulation import Simulation
from storage.models import CheckIn, Concern, Goal, NextStep, Pair, Person, Session, Signal
from tests.journeys import agree_tuesdays, answer_what_rides_along, begin_mentoring, last_file, rows, until

QUICK = "Quick check-in"
NUDGE = "Still waiting for your answer: the weekly check-in"


def asked(sim: Simulation, learner: str, since: int) -> int:
    """Check-ins asked (a nudge asks the same question again, but is not another check-in)."""
    return sum(QUICK in t and NUDGE not in t for t in sim.bot_texts(learner, since))


def nudged(sim: Simulation, learner: str, since: int) -> int:
    """Nudges about a check-in (the programme's monthly question has its own)."""
    return sum(NUDGE in t and QUICK in t for t in sim.bot_texts(learner, since))


async def a_goal_with_a_due_step(sim: Simulation, pair: Pair) -> None:
    async with sim.tandem.db.unit_of_work() as uow:
        now = sim.clock.now()
        goal = Goal(
            person_id=pair.learner_id,
            text="Pass the forklift exam",
            category="exam",
            shared=True,
            status="open",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(goal)
        await uow.session.flush()
        uow.session.add(
            NextStep(goal_id=goal.id, text="Ask Mr Abel for the date", status="open", created_at=now)
        )


async def test_a_check_in_after_a_session_then_signals_from_the_answers(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    first, *_ = await agree_tuesdays(sim, learner, mentor)
    await a_goal_with_a_due_step(sim, pair)

    # "Yes, we met" starts the check-in at once; a sticker gets a hint and the question again.
    await until(sim, first.starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    assert QUICK in sim.bot_texts(learner)[-1]
    replies = await sim.sticker(learner, "👍")
    assert "sticker" in replies[0].text and QUICK in replies[0].text
    await sim.send(learner, "🙂")  # typed instead of tapped: the fourth face
    assert "Which of these matter for you" in sim.bot_texts(learner)[-1]  # asked once, the first time
    await sim.press(learner, "^Vocational school$")
    await sim.press(learner, "^Money$")
    await sim.press(learner, "^Done$")
    assert "How is vocational school going?" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Good$")
    assert "How are you doing with money?" in sim.bot_texts(learner)[-1]
    mark = sim.last_seq()
    await sim.press(learner, "^Bad$")
    assert "Any progress on your goal “Pass the forklift exam”?" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Some$")
    assert "Ask Mr Abel for the date" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes$")
    assert f"Anything you want {mentor.title()} to know?" in sim.bot_texts(learner)[-1]
    replies = await sim.photo(learner, "exam.jpg")
    assert replies[0].text.startswith("I can take words or a voice note here, but not this.")
    replies = await sim.send(learner, "x" * 1001)
    assert "at most 1000 characters" in replies[0].text
    answered = sim.last_seq()
    await sim.send(learner, "My exam is on Friday")
    assert "hard week" in sim.bot_texts(learner, answered)[0]  # money is bad: a kinder answer
    assert (await answer_what_rides_along(sim, learner))[-1] == "reflection"  # the first one
    assert "wants you to know" in "\n".join(sim.bot_texts(mentor, mark))
    assert "My exam is on Friday" in sim.bot_texts(mentor)[-1]
    group = sim.current_texts("coordinators", mark)
    assert sum("Signal (urgent)" in t and "money" in t for t in group) == 1
    assert "exam" not in "\n".join(group)  # the comment is for the mentor, not the group

    (check,) = await rows(sim, CheckIn)
    assert (check.status, check.motivation, check.areas) == (
        "answered",
        4,
        {"school": "good", "money": "bad"},
    )
    (goal,) = await rows(sim, Goal)
    assert check.goals == {str(goal.id): "some"} and check.comment == "My exam is on Friday"
    (step,) = await rows(sim, NextStep)
    assert step.status == "done"

    # /mydata has it all; /delete takes the check-in, the goal and its step with the person.
    await sim.send(learner, "/mydata")
    exported = json.loads(last_file(sim, learner, "my-data"))
    assert exported["check_ins"][0]["for_your_mentor"] == "My exam is on Friday"
    assert exported["goals"][0]["next_steps"][0]["status"] == "done"

    # /areas changes what the check-in asks about: the chosen ones come ticked.
    asked = (await sim.send(learner, "/areas"))[-1]
    labels = [label for row in asked.buttons for label in row]
    assert "✓ Vocational school" in labels and "✓ Money" in labels and "Health" in labels
    await sim.press(learner, "Money$")
    await sim.press(learner, "^Health$")
    await sim.press(learner, "^Done$")
    assert "Your weekly check-in will ask about these" in sim.bot_texts(learner)[-1]
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.people.get(pair.learner_id) or Person()).profile["areas"] == ["school", "health"]
    assert "for learners" in (await sim.send(mentor, "/areas"))[-1].text

    # The day after, the job finds this week's check-in done and asks nothing more.
    mark = sim.last_seq()
    await sim.advance(timedelta(days=1))
    assert not any(QUICK in t for t in sim.bot_texts(learner, mark))
    await sim.send(learner, "/delete")
    await sim.press(learner, "^Yes$")
    await sim.press(learner, "^Yes$")
    assert await rows(sim, CheckIn) == [] and await rows(sim, Goal) == [] and await rows(sim, NextStep) == []


async def test_unanswered_check_ins_get_one_nudge_and_three_in_a_row_are_a_signal(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    sessions = await agree_tuesdays(sim, learner, mentor)
    mark = sim.last_seq()
    # Nobody says whether they met: the day after each session the check-in comes anyway.
    await until(sim, sessions[0].starts_at + timedelta(days=1, minutes=1))
    assert asked(sim, learner, mark) == 1
    await sim.advance(timedelta(days=3))
    assert nudged(sim, learner, mark) == 1  # one nudge, never more
    for session in sessions[1:3]:
        await until(sim, session.starts_at + timedelta(days=1, minutes=1))
        await sim.advance(timedelta(days=4))
    assert asked(sim, learner, mark) == 3
    assert nudged(sim, learner, mark) == 3  # one for each
    statuses = [c.status for c in await rows(sim, CheckIn)]
    assert statuses == ["missed", "missed", "missed"]
    group = sim.current_texts("coordinators", mark)
    assert sum("has not answered the last three check-ins" in t for t in group) == 1
    # Nobody said whether they met either: that is the sessions' own signal.
    assert sorted(s.kind for s in await rows(sim, Signal)) == ["checkins_unanswered", "missed_twice"]


async def answer(sim: Simulation, learner: str, face: int, school: str) -> None:
    await sim.press_option(learner, face - 1)
    if "Which of these matter" in sim.bot_texts(learner)[-1]:
        await sim.press(learner, "^Vocational school$")
        await sim.press(learner, "^Done$")
    await sim.press(learner, f"^{school}$")
    await sim.press(learner, "^Skip$")


async def test_falling_and_low_motivation_and_an_area_bad_twice_are_signals(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    sessions: list[Session] = await agree_tuesdays(sim, learner, mentor)
    mark = sim.last_seq()
    weeks = ((5, "Good"), (4, "Bad"), (2, "Bad"), (1, "So-so"))
    for session, (face, school) in zip(sessions, weeks, strict=True):
        await until(sim, session.starts_at + timedelta(hours=3))
        await sim.press(learner, "^Yes, we met$")
        await answer(sim, learner, face, school)
        await sim.advance(timedelta(days=1))
    group = sim.current_texts("coordinators", mark)
    assert sum("motivation fell by 2 or more" in t for t in group) == 1  # 5 → 2 within three weeks
    assert sum("motivation was low" in t for t in group) == 1  # 2, then 1
    assert sum("“Vocational school” has been bad two weeks running" in t for t in group) == 1
    kinds = sorted(s.kind for s in await rows(sim, Signal))
    assert kinds == ["area_bad:school", "motivation_falling", "motivation_low"]
    assert [c.motivation for c in await rows(sim, CheckIn)] == [5, 4, 2, 1]
    # For the coordinators: one "dropping out" concern that both motivation signals went into,
    # and one about the area; each alert edited in place, not sent again.
    concerns = await rows(sim, Concern)
    assert sorted((c.kind, c.severity) for c in concerns) == [
        ("dropout_risk", "high"),
        ("wellbeing", "normal"),
    ]
    alerts = [t for t in sim.current_texts("coordinators", mark) if "Concern #" in t]
    assert len(alerts) == 2
    dropping_out = next(t for t in alerts if "dropping out" in t)
    assert "motivation fell" in dropping_out and "motivation was low" in dropping_out
