"""Screening and training buttons re-check who presses them: a forged or stale press changes nothing.
A decline's reason stays with the programme, and the applicant can have a copy, as the coordinator
who writes it is told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import AuditEntry, Person
from tests.journeys import START, apply_as_mentor, last_file, on_pages, onboard_learner


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    """Carla coordinates; Peter and Amira applied as mentors; Lena is a learner."""
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    for key, name in (("carla", "Carla"), ("peter", "Peter"), ("amira", "Amira"), ("lena", "Lena")):
        sim.add_user(key, name, language_code="en")
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        link = (await sim.send("carla", "/invite learner"))[-1].text
        await onboard_learner(sim, "lena", link.rsplit("start=", 1)[1], name="Lena", language="en")
        await apply_as_mentor(sim, "peter", name="Peter")
        await apply_as_mentor(sim, "amira", name="Amira")
        yield sim
    finally:
        await sim.stop()


async def person(sim: Simulation, key: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found


async def audit_rows(sim: Simulation) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


async def test_a_learner_or_an_unscreened_mentor_cannot_decide_an_application(programme: Simulation) -> None:
    sim = programme
    peter = await person(sim, "peter")
    assert peter.screening == "waiting" and peter.role == "mentor"
    before = await audit_rows(sim)
    for who in ("lena", "amira"):
        assert "Only coordinators" in (await sim.send(who, "/screening"))[-1].text
        own = [e for e in sim.transcript(who) if e.sender == "bot"][-1]
        for action in ("ok", "no", "ask", "iv", "chk"):
            await sim.press_data(who, own.message_id, f"sc1:{peter.id}:{action}")
            assert sim.toasts(who)[-1] == "This button is not for you."
    assert (await person(sim, "peter")).screening == "waiting"
    assert await audit_rows(sim) == before
    assert "What would you like to ask" not in "\n".join(sim.bot_texts("lena") + sim.bot_texts("amira"))


async def test_a_decision_is_taken_once(programme: Simulation) -> None:
    sim = programme
    first = (await sim.send("carla", "/screening"))[-1]
    assert first.text.startswith("Applications waiting: 2 — page 1 of 2\n\nPeter · applied")
    card = await on_pages(sim, "carla", "/screening", "Peter")
    approve = next(d for row in card.data for d in row if d.endswith(":ok"))
    await sim.press_data("carla", card.message_id, approve)
    assert "approved your application" in sim.bot_texts("peter")[-1]
    decline = approve.replace(":ok", ":no")
    await sim.press_data("carla", card.message_id, decline)  # the same card, pressed again
    assert sim.toasts("carla")[-1] == "This was already decided."
    assert (await person(sim, "peter")).screening == "approved"
    await sim.press_data("carla", card.message_id, "sc1:999999:ok")  # nobody
    assert sim.toasts("carla")[-1] == "This was already decided."


async def test_training_buttons_count_only_where_the_mentor_is(programme: Simulation) -> None:
    sim = programme
    replies = await sim.send("amira", "/training")
    question = replies[-1]
    assert question.buttons and "Module 1 of 6" in replies[1].text
    right = question.data[1][0]  # module 0, question 0: the second option is right
    assert right == "tr1:0:0:1"
    for forged in ("tr1:2:0:0", "tr1:0:1:0", "tr1:0:0:9", "tr1:x", "tr1:0:go"):
        await sim.press_data("amira", question.message_id, forged)
        assert sim.toasts("amira")[-1] == "This button is no longer active.", forged
    amira = await person(sim, "amira")
    assert (amira.training_module, amira.training_question) == (0, 0)
    await sim.press_data(
        "lena", [e for e in sim.transcript("lena") if e.sender == "bot"][-1].message_id, right
    )
    assert sim.toasts("lena")[-1] == "This button is no longer active."  # a learner has no training
    await sim.press_data("amira", question.message_id, right)
    assert sim.toasts("amira")[-1] == "Right!"
    amira = await person(sim, "amira")
    assert (amira.training_module, amira.training_question) == (0, 1)
    await sim.press_data("amira", question.message_id, right)  # the same answer again: stale now
    assert sim.toasts("amira")[-1] == "This button is no longer active."
    await sim.restart()  # progress is in the database
    replies = await sim.send("amira", "/training")
    assert replies[-1].text.startswith("When may you pass on")  # the second question, not the intro


async def test_a_decline_reason_is_kept_and_the_applicant_can_have_a_copy(programme: Simulation) -> None:
    sim = programme
    card = await on_pages(sim, "carla", "/screening", "Amira")
    decline = next(d for row in card.data for d in row if d.endswith(":no"))
    await sim.press_data("carla", card.message_id, decline)
    asked = sim.bot_texts("carla")[-1]
    assert asked.startswith("Why is Amira's application declined? Amira now gets a kind message without it.")
    assert "Amira can ask for a copy of it (/mydata sends it)" in asked
    reason = "No reference came back from the youth club"
    await sim.send("carla", reason)
    assert "Amira's application is declined" in sim.bot_texts("carla")[-1]
    told = sim.bot_texts("amira")[-1]
    assert "cannot offer you a place" in told and reason not in told

    # What the coordinator was told is true: her copy of her data holds the reason.
    await sim.send("amira", "/mydata")
    data = json.loads(last_file(sim, "amira", "my-data"))
    assert data["your_application"] == {"decision": "declined", "reason": reason}
