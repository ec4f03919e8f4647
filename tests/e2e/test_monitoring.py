"""The monitoring rhythm through both adapters: two weeks after a pair began the learner and the
mentor each get a short "how is it going?" from the programme, and from four weeks on, every four
weeks, the relationship check in its place (tests/e2e/test_relationship_check.py has its answers); a
poor answer reaches only the coordinators, someone busy is asked a little later, a paused person is
skipped, and an ended pair is asked nothing more."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import AuditEntry, Concern
from tests.journeys import answer_relationship_check, begin_mentoring, until

QUESTION = "A short question from"
CHECK = "A short check from"
ANSWERS = [["😀 Good", "😐 Okay", "😟 Not well"]]
WORDS = "He cancelled three times and does not answer my messages."


def asked(sim: Simulation, who: str, since: int) -> int:
    """Checks asked: a hint or a nudge asks the same question again (after its own words), and the
    answer is shown by editing the question; neither is another check."""
    return sum(
        e.sender == "bot" and not e.edit and e.text.startswith(QUESTION) for e in sim.transcript(who, since)
    )


def checked(sim: Simulation, who: str, since: int) -> int:
    """Relationship checks begun: their first item opens with the check's introduction."""
    return sum(
        e.sender == "bot" and not e.edit and e.text.startswith(CHECK) for e in sim.transcript(who, since)
    )


async def monitoring_answers(sim: Simulation) -> list[dict[str, object]]:
    async with sim.tandem.db.unit_of_work() as uow:
        query = select(AuditEntry).where(AuditEntry.action == "monitoring").order_by(AuditEntry.id)
        return [dict(e.detail) for e in (await uow.session.execute(query)).scalars()]


async def concerns(sim: Simulation) -> list[Concern]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Concern).order_by(Concern.id))).scalars())


async def test_both_are_asked_twice_in_the_first_month_then_monthly_until_the_pair_ends(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    began = sim.clock.now()  # both have just said yes
    mark = sim.last_seq()

    # Two weeks on the mentor is asked; the learner, busy with /profile, three hours later.
    await until(sim, began + timedelta(days=14) - timedelta(hours=1))
    assert asked(sim, learner, mark) == asked(sim, mentor, mark) == 0
    await sim.send(learner, "/profile")
    await until(sim, began + timedelta(days=14, minutes=1))
    assert asked(sim, mentor, mark) == 1 and asked(sim, learner, mark) == 0
    question = sim.transcript(mentor)[-1]
    assert f"how is it going with your learner {learner.title()}?" in question.text
    assert question.buttons == ANSWERS
    await until(sim, began + timedelta(days=14, hours=3, minutes=1))
    assert asked(sim, learner, mark) == 1
    question = sim.transcript(learner)[-1]
    assert f"how is it going with your mentor {mentor.title()}?" in question.text
    assert question.buttons == ANSWERS

    # A sticker is no answer: a hint and the question again.
    reply = (await sim.sticker(learner, "😬"))[-1]
    assert "Nice sticker! But I need an answer" in reply.text and QUESTION in reply.text
    assert reply.buttons == ANSWERS

    # "Not well" and a few words: an alert for the coordinators; the mentor sees nothing of it.
    group_mark = sim.last_seq()
    await sim.press(learner, "Not well$")
    assert "(Your mentor does not see it.)" in sim.bot_texts(learner)[-1]
    await sim.send(learner, WORDS)
    thanks, back = sim.bot_texts(learner)[-2:]
    assert thanks == "Thank you! A coordinator will be in touch."
    assert back.startswith("Back to where we were:")  # the /profile they had left open comes back
    alert = "\n".join(sim.bot_texts("coordinators", group_mark))
    assert WORDS in alert and "monthly check went poorly" in alert and "😟 Not well" in alert
    assert "The mentor does not see this concern." in alert
    assert not [t for t in sim.bot_texts(mentor, mark) if "Not well" in t or "cancelled" in t]
    # (the weekly time, asked when the mentoring began and left unanswered here, is a concern of its own)
    (concern,) = [c for c in await concerns(sim) if c.kind == "pair_check"]
    assert (concern.kind, concern.severity, concern.pair_id, concern.about_mentor) == (
        "pair_check",
        "normal",
        pair.id,
        True,
    )
    assert concern.subject_id == concern.raised_by == pair.learner_id

    # The mentor says "Good": thanks, and nothing for the coordinators.
    group_mark = sim.last_seq()
    await sim.press(mentor, "Good$")
    thanks, back = sim.bot_texts(mentor)[-2:]
    assert thanks == "Thank you!"  # then the weekly time they never gave comes back
    assert back.startswith("Back to where we were:") and "regular weekly time" in back
    assert not sim.bot_texts("coordinators", group_mark)

    # Four weeks on, the relationship check instead of the question; middling answers raise nothing.
    await until(sim, began + timedelta(days=28, minutes=1))
    assert asked(sim, learner, mark) == asked(sim, mentor, mark) == 1
    assert checked(sim, learner, mark) == checked(sim, mentor, mark) == 1
    group_mark = sim.last_seq()
    assert (await answer_relationship_check(sim, mentor, [3, 3, 4, 3, 3]))[-2] == "Thank you!"
    assert not sim.bot_texts("coordinators", group_mark)

    # Then every four weeks: nothing more until eight weeks, then once each.
    await until(sim, began + timedelta(days=56) - timedelta(hours=1))
    assert checked(sim, learner, mark) == checked(sim, mentor, mark) == 1
    await until(sim, began + timedelta(days=56, minutes=1))
    assert checked(sim, learner, mark) == checked(sim, mentor, mark) == 2
    assert asked(sim, learner, mark) == asked(sim, mentor, mark) == 1

    # The answers are kept as codes, never the words.
    kept = await monitoring_answers(sim)
    assert [(d["answer"], d["wrote"]) for d in kept] == [("poor", True), ("good", False)]
    assert WORDS not in str(kept)
    assert len([c for c in await concerns(sim) if c.kind == "pair_check"]) == 1

    # The pair ends: no more questions.
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "The learner moved away.")
    await until(sim, began + timedelta(days=120))
    assert checked(sim, learner, mark) == checked(sim, mentor, mark) == 2
    assert WORDS not in caplog.text


async def test_a_paused_person_is_skipped_and_asked_again_the_month_after(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    began = sim.clock.now()  # both have just said yes
    mark = sim.last_seq()
    await sim.send(learner, "/pause")
    await until(sim, began + timedelta(days=28, minutes=1))
    assert asked(sim, learner, mark) == checked(sim, learner, mark) == 0
    assert asked(sim, mentor, mark) == checked(sim, mentor, mark) == 1
    await sim.send(learner, "/resume")
    await until(sim, began + timedelta(days=56, minutes=1))
    assert checked(sim, learner, mark) == 1 and checked(sim, mentor, mark) == 2
