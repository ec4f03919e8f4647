"""What a learner shares belongs to one pair, through both adapters: the progress chart and a goal
shared with their first mentor are not shown to the next one after a re-match, neither before
the first meeting nor after it, until the learner shares again."""

from __future__ import annotations

from datetime import timedelta

from bot.simulation import Simulation
from tests.journeys import agree_tuesdays, begin_mentoring, keys_of, pairs, until


async def share_progress_and_a_goal(sim: Simulation, learner: str) -> None:
    await sim.send(learner, "/progress")
    await sim.press(learner, "^Share with ")
    await sim.send(learner, "/goals")
    await sim.send(learner, "Pass the driving theory exam soon")
    await sim.press(learner, "^exam$")
    await sim.press(learner, "^Skip$")
    await sim.press(learner, "^Yes, my mentor may see it$")
    assert sim.bot_texts(learner)[-2] == "Saved."


async def test_a_new_mentor_sees_nothing_until_the_learner_shares_again(cohort: Simulation) -> None:
    sim = cohort
    first, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    name = learner.title()
    await share_progress_and_a_goal(sim, learner)
    assert "Pass the driving theory" in (await sim.send(mentor, "/goals"))[-1].text
    assert (await sim.send(mentor, "/progress"))[-1].kind == "photo"

    # A coordinator ends the pair; /match proposes the learner to the other mentor.
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "They moved to another town.")
    await sim.press(learner, "^Skip$")  # the closing survey, answered
    await sim.press(learner, "^Yes$")
    await sim.press(learner, "^Yes$")
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    second = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    assert second.id != first.id
    _, new_mentor = await keys_of(sim, second)
    assert new_mentor != mentor

    # Before the first meeting the new mentor sees nothing of the learner's.
    reply = (await sim.send(new_mentor, "/progress"))[-1]
    assert reply.kind == "text" and "no learner yet" in reply.text

    # Mentoring starts: still nothing shared with this mentor.
    for _ in range(3):
        await sim.press_option(new_mentor, 0)
    await sim.press(learner, "^Yes$")
    second = (await pairs(sim))[next(k for k in await pairs(sim) if k.endswith(":introduced"))]
    assert second.first_meeting_at is not None
    await until(sim, second.first_meeting_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, let's go on$")
    await sim.press(new_mentor, "^Yes, let's go on$")
    assert (await sim.send(new_mentor, "/goals"))[-1].text == f"{name} has not shared any goals with you yet."
    reply = (await sim.send(new_mentor, "/progress"))[-1]
    assert reply.kind == "text" and reply.text.startswith(f"{name} has not shared their progress with you.")
    listing = (await sim.send(learner, "/goals"))[-1].text
    assert "Pass the driving theory exam soon" in listing and "just for you" in listing

    # The learner shares with the new mentor: now they see it.
    await sim.send(learner, "/progress")
    await sim.press(learner, "^Share with ")
    assert (await sim.send(new_mentor, "/progress"))[-1].kind == "photo"
