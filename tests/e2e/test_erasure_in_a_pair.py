"""/delete by someone in a mentoring pair: the pair ends with their data, the partner hears the
neutral words of a pair's end, a learner goes back to waiting, and the coordinators are told to
find a new match, without the leaver's name."""

from __future__ import annotations

from bot.simulation import Simulation
from tests.journeys import begin_mentoring, pairs


async def delete_myself(sim: Simulation, who: str) -> None:
    await sim.send(who, "/delete")
    await sim.press(who, "^Yes$")
    replies = await sim.press(who, "^Yes$")
    assert "Everything Tandem stored about you is deleted" in replies[-1].text


async def test_a_mentor_who_deletes_their_data_leaves_the_learner_waiting_for_a_new_match(
    cohort: Simulation,
) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    await delete_myself(sim, mentor)

    told = sim.bot_texts(learner, mark)
    assert any(f"Your mentoring pair with {mentor.title()} has ended" in text for text in told)
    alerts = [e.text for e in sim.transcript("coordinators", mark) if e.sender == "bot"]
    assert len(alerts) == 1
    assert "their partner deleted their data" in alerts[0] and learner.title() in alerts[0]
    assert mentor.title() not in alerts[0]
    assert not any(key.endswith((":active", ":introduced")) for key in await pairs(sim))

    # The learner is matched again: the other mentor has a free seat.
    replies = await sim.send("carla", "/match")
    assert any(learner.title() in r.text for r in replies)


async def test_a_learner_who_deletes_their_data_frees_the_mentor(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    await delete_myself(sim, learner)
    assert any(
        f"Your mentoring pair with {learner.title()} has ended" in text
        for text in sim.bot_texts(mentor, mark)
    )
    alerts = [e.text for e in sim.transcript("coordinators", mark) if e.sender == "bot"]
    assert len(alerts) == 1 and mentor.title() in alerts[0] and learner.title() not in alerts[0]
