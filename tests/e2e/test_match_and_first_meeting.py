"""Matching through both adapters: /match, approve, introductions, the first meeting, one pair
declines, and the next /match proposes someone new for that learner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import Pair, Person
from tests.conftest import START
from tests.learners import apply_as_mentor, make_ready, onboard_learner


def cohort_simulation(framework: str) -> Simulation:
    """Carla the coordinator, learners Lena and Tom, mentors Peter and Amira, and the coordinators'
    group; more settings can be added before it starts (``sim.configure``)."""
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    for key in ("carla", "lena", "tom", "peter", "amira"):
        sim.add_user(key, key.title(), language_code="en")
    group = sim.add_group("coordinators", "Coordinators", ["carla"])
    sim.configure(coordinator_chat_id=group)
    return sim


async def onboard_cohort(sim: Simulation) -> None:
    """Through the bot: Carla joins; Lena and Tom join by invite; Peter takes one learner and
    Amira two, both free on evenings, trained and approved."""
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    link = (await sim.send("carla", "/invite learner multi"))[-1].text
    for learner in ("lena", "tom"):
        await onboard_learner(sim, learner, link.rsplit("start=", 1)[1], name=learner.title(), language="en")
    await apply_as_mentor(sim, "peter", name="Peter", evenings=True)
    await apply_as_mentor(sim, "amira", name="Amira", evenings=True, capacity=2)
    for mentor in ("peter", "amira"):
        await make_ready(sim, "carla", mentor, mentor.title())


@pytest.fixture
async def cohort(framework: str) -> AsyncIterator[Simulation]:
    """Two learners (Lena, Tom), two ready mentors (Peter takes one, Amira two), all evenings."""
    sim = cohort_simulation(framework)
    await sim.start()
    try:
        await onboard_cohort(sim)
        yield sim
    finally:
        await sim.stop()


async def pairs(sim: Simulation) -> dict[str, Pair]:
    async with sim.tandem.db.unit_of_work() as uow:
        names = {p.id: p.first_name for p in (await uow.session.execute(select(Person))).scalars()}
        rows = (await uow.session.execute(select(Pair).order_by(Pair.id))).scalars().all()
        return {f"{names[p.learner_id]}+{names[p.mentor_id]}:{p.status}": p for p in rows}


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
    await sim.press("carla", "^End this pair$")
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
