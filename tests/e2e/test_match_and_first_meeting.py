"""Matching through both adapters: /match, approve, introductions, the first meeting, one pair
declines, and the next /match proposes someone new for that learner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.simulation import Simulation
from tests.journeys import keys_of, pairs, speaks, until


async def test_match_introduce_meet_decline_and_rematch(cohort: Simulation) -> None:
    sim = cohort
    replies = await sim.send("carla", "/match")
    assert "2 proposals" in replies[0].text
    card = replies[-1]
    assert card.text.startswith("Proposal 1 of 2") and "weekday evenings" in card.text
    assert any("Another mentor" in b for row in card.buttons for b in row)
    await sim.press("carla", "^Approve$")
    await sim.press("carla", "^Approve$")
    assert "No more proposals" in sim.bot_texts("carla")[-1]
    introduced = [key for key in await pairs(sim) if key.endswith(":introduced")]
    assert len(introduced) == 2
    peter_pair = next(k for k in introduced if "+Peter" in k)
    learner = peter_pair.split("+")[0].lower()
    assert "Your mentor is Peter" in "\n".join(sim.bot_texts(learner))
    assert f"Meet {learner.title()}" in "\n".join(sim.bot_texts("peter"))

    # Peter suggests the first day and time offered, in a public place; the learner agrees.
    assert "Which day?" in sim.bot_texts("peter")[-1]
    await sim.press_option("peter", 0)
    await sim.press_option("peter", 0)
    await sim.press_option("peter", 0)
    assert "Peter suggests meeting for the first time" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes$")
    assert "it is agreed" in sim.bot_texts(learner)[-1]
    assert "agreed: your first meeting" in sim.bot_texts("peter")[-1]

    # Two hours after the meeting each is asked privately; the learner would go on, Peter not.
    pair = (await pairs(sim))[peter_pair]
    assert pair.first_meeting_at is not None
    await sim.advance(pair.first_meeting_at + timedelta(hours=3) - sim.clock.now())
    assert "Would you like to go on together?" in sim.bot_texts("peter")[-1]
    await sim.press(learner, "^Yes, let's go on$")
    await sim.press("peter", "^No$")
    assert "look for another mentor for you" in sim.bot_texts(learner)[-1]
    assert "will not go on together" in sim.bot_texts("coordinators")[-1]
    assert "no" not in sim.bot_texts(learner)[-1].lower().split()  # Peter's answer stays his

    # The next /match proposes Amira (her second seat) for that learner, never Peter again.
    replies = await sim.send("carla", "/match")
    assert "1 proposal" in replies[0].text
    assert f"Learner: {learner.title()}" in replies[-1].text and "Mentor: Amira" in replies[-1].text


async def test_only_coordinators_decide_and_only_the_pair_answers(cohort: Simulation) -> None:
    sim = cohort
    card = (await sim.send("carla", "/match"))[-1]
    approve = next(d for row in card.data for d in row if d and d.endswith(":ok"))
    for who in ("lena", "peter"):
        own = [e for e in sim.transcript(who) if e.sender == "bot"][-1]
        await sim.press_data(who, own.message_id, approve)
        assert sim.toasts(who)[-1] == "This button is not for you."
    assert not [k for k in await pairs(sim) if k.endswith(":introduced")]
    await sim.press_data("carla", card.message_id, approve)
    await sim.press_data("carla", card.message_id, approve)
    assert sim.toasts("carla")[-1] == "This was already decided."
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    outsider = "tom" if pair.learner_id != (await sim_person(sim, "tom")) else "lena"
    own = [e for e in sim.transcript(outsider) if e.sender == "bot"][-1]
    await sim.press_data(outsider, own.message_id, f"pc1:{pair.id}:no")
    assert sim.toasts(outsider)[-1] == "This button is not for you."


async def sim_person(sim: Simulation, key: str) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found.id


async def test_a_coordinator_ends_a_pair_and_both_hear_neutral_words(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    replies = await sim.send("carla", "/pairs")
    assert "introduced, first meeting ahead" in replies[-1].text
    assert "Only coordinators" in (await sim.send("lena", "/pairs"))[-1].text
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "The learner moved to another city.")
    assert "has ended; both have been told" in sim.bot_texts("carla")[-1]
    for key in ("lena", "tom", "peter", "amira"):
        if await sim_person(sim, key) in (pair.learner_id, pair.mentor_id):
            text = sim.bot_texts(key)[-1]
            assert "has ended. Thank you for the time together." in text
            assert "moved" not in text  # the reason stays with the programme
    ended = next(p for k, p in (await pairs(sim)).items() if k.endswith(":ended"))
    assert ended.end_reason == "The learner moved to another city."
    replies = await sim.send("carla", "/match")
    proposals = [r.text for r in replies if r.text.startswith("Proposal")]
    assert proposals  # the learner is waiting again, with anyone but that mentor


@pytest.mark.parametrize(
    ("locale", "passed"),
    [("en", "has already passed, so it cannot be agreed any more"), ("de", "ist schon vorbei")],
)
async def test_a_first_meeting_agreed_after_its_time_is_refused(
    cohort: Simulation, locale: str, passed: str
) -> None:
    sim = cohort
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    learner, mentor = await keys_of(sim, pair)
    await speaks(sim, learner, locale)
    for _ in range(3):  # the first day and time offered, a public place
        await sim.press_option(mentor, 0)
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    assert pair.first_meeting_at is not None
    await until(sim, pair.first_meeting_at + timedelta(hours=1))  # the learner did not answer in time

    mark = sim.last_seq()
    await sim.press_option(learner, 0)  # "Yes", too late
    assert passed in sim.bot_texts(learner, mark)[-1]
    assert "cannot make that time. Please suggest another one." in sim.bot_texts(mentor, mark)[-2]
    assert "Which day?" in sim.bot_texts(mentor, mark)[-1]  # what to do instead: a new suggestion
    await sim.advance(timedelta(hours=3))
    for who in (learner, mentor):  # nobody is asked how a meeting that never was went
        assert not [
            t for t in sim.bot_texts(who, mark) if "How was your first" in t or "Wie war dein erstes" in t
        ]

    # The mentor taps a day, and the time only once that day has gone by: asked again.
    await sim.press_option(mentor, 0)
    await sim.advance(timedelta(days=2))
    mark = sim.last_seq()
    await sim.press_option(mentor, 0)  # the first time offered that day
    await sim.press_option(mentor, 0)  # a public place
    assert "That time has already passed. Please suggest a later one." in sim.bot_texts(mentor, mark)[-2]
    assert "Which day?" in sim.bot_texts(mentor, mark)[-1]
    assert not sim.bot_texts(learner, mark)
