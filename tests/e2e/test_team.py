"""Roles can be taken away, through both adapters: a coordinator suspends a mentor found unsafe
from /team (a reason, a confirmation), their pair ends kindly, the learner goes back to the waiting
list, and no recorded check or /match brings the mentor back until a coordinator reinstates them;
the last coordinator cannot be removed in the chat; `tandem admin` lists the team and suspends,
reinstates and removes by id, and the running bot tells the people concerned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.simulation import Simulation
from storage.models import AuditEntry, Person
from tests.journeys import begin_mentoring, pairs

REASON = "Reported for meeting the learner alone at home"


async def person(sim: Simulation, key: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found


async def ready_mentors(sim: Simulation) -> set[str]:
    async with sim.tandem.db.unit_of_work() as uow:
        return {p.first_name for p in await uow.people.ready_mentors()}


async def audited(sim: Simulation) -> list[str]:
    async with sim.tandem.db.unit_of_work() as uow:
        return [e.action for e in (await uow.session.execute(select(AuditEntry))).scalars()]


async def record_a_check(sim: Simulation, mentor: Person) -> None:
    """Carla records a fresh check for the mentor (the "Record a check" button of their card)."""
    await sim.press_data("carla", 1, f"sc1:{mentor.id}:chk")
    await sim.press_option("carla", 0)
    await sim.send("carla", f"{sim.clock.now():%d.%m.%Y}")  # issued today
    await sim.press_option("carla", -1)  # the usual validity
    assert "Recorded for" in sim.bot_texts("carla")[-1]


async def test_a_mentor_found_unsafe_is_suspended_until_reinstated(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    name, other = mentor.title(), "Amira" if mentor == "peter" else "Peter"
    listing = (await sim.send("carla", "/team"))[-1]
    assert "Carla · coordinator" in listing.text and f"{name} · mentor · mentoring" in listing.text
    assert [f"Suspend {name}"] in listing.buttons and ["Remove Carla"] in listing.buttons

    mark = sim.last_seq()
    await sim.press("carla", f"^Suspend {name}$")
    assert f"Why is {name} suspended?" in sim.bot_texts("carla")[-1]
    await sim.send("carla", REASON)
    assert f"Suspend {name} now?" in sim.bot_texts("carla")[-1]
    await sim.press("carla", "^Yes$")
    assert f"{name} is suspended as a mentor (by Carla)" in sim.bot_texts("carla")[-1]
    assert "Pairs ended: 1" in sim.bot_texts("coordinators")[-1]

    # The learner hears the neutral words of a pair's end; the mentor, neutral words too; no reason.
    told = "\n".join(sim.bot_texts(learner, mark))
    assert f"Your mentoring pair with {name} has ended" in told
    assert "paused your role as a mentor" in "\n".join(sim.bot_texts(mentor, mark))
    assert not [t for t in sim.bot_texts(learner, mark) + sim.bot_texts(mentor, mark) if "alone" in t]
    assert (await pairs(sim))[f"{learner.title()}+{name}:ended"].end_reason == REASON
    assert {"team.mentor_suspended", "pair.ended"} <= set(await audited(sim))

    # A check recorded again does not undo a coordinator's suspension; /match never proposes them.
    await record_a_check(sim, await person(sim, mentor))
    assert name not in await ready_mentors(sim)
    replies = await sim.send("carla", "/match")
    proposals = "\n".join(r.text for r in replies if r.text.startswith("Proposal"))
    assert f"Learner: {learner.title()}" in proposals and f"Mentor: {other}" in proposals
    assert f"Mentor: {name}" not in proposals
    # Nor can a suspended mentor raise alerts any more: they read how to reach the programme.
    assert "mentoring@example.org" in (await sim.send(mentor, "/concern"))[-1].text
    assert (await sim.send(mentor, "/help"))[-1].buttons == []

    listing = (await sim.send("carla", "/team"))[-1]
    assert f"{name} · mentor · suspended since" in listing.text and REASON in listing.text
    await sim.press("carla", f"^Reinstate {name}$")
    await sim.press("carla", "^No$")
    assert sim.bot_texts("carla")[-1] == "Nothing was changed."
    await sim.press_data("carla", listing.message_id, f"tm1:{pair.mentor_id}:sus")  # no longer shown
    assert sim.toasts("carla")[-1] == "This was already decided."
    await sim.press("carla", f"^Reinstate {name}$")
    await sim.press("carla", "^Yes$")
    assert f"{name} is reinstated as a mentor (by Carla)." in sim.bot_texts("coordinators")[-1]
    assert "reinstated you as a mentor" in sim.bot_texts(mentor)[-1]
    assert name in await ready_mentors(sim)
    assert "team.mentor_reinstated" in await audited(sim)


async def test_the_last_coordinator_is_removed_only_by_the_operator(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("carla", "/team")
    await sim.press("carla", "^Remove Carla$")
    assert "Remove Carla as a coordinator?" in sim.bot_texts("carla")[-1]
    await sim.press("carla", "^Yes$")
    assert "the programme's last coordinator and cannot be removed here" in sim.bot_texts("carla")[-1]
    assert (await person(sim, "carla")).role == "coordinator"

    carla = await person(sim, "carla")
    listing = await run_admin(["team"], sim.tandem)
    assert f"{carla.id}\tcoordinator\t-\tCarla" in listing.splitlines()
    said = await run_admin(["remove-coordinator", str(carla.id)], sim.tandem)
    assert "no longer a coordinator" in said and "no coordinator now" in said
    await sim.advance(timedelta(minutes=1))  # the running bot delivers and publishes her menu
    assert "your role as a coordinator of" in sim.bot_texts("carla")[-1]
    assert (await sim.send("carla", "/match"))[-1].text == "Only coordinators can use this command."
    scope = {"type": "chat", "chat_id": sim.users["carla"]}
    assert "match" not in {c["command"] for c in sim.emulator.commands(scope=scope)}
    assert "team.coordinator_removed" in await audited(sim)


async def test_tandem_admin_suspends_and_reinstates_a_mentor_by_id(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    name = mentor.title()
    with pytest.raises(ValueError, match="use: tandem admin suspend-mentor ID"):
        await run_admin(["suspend-mentor", "Peter"], sim.tandem)
    with pytest.raises(ValueError, match="not an approved mentor"):
        await run_admin(["suspend-mentor", str(pair.learner_id)], sim.tandem)
    listing = await run_admin(["team"], sim.tandem)
    assert f"{pair.mentor_id}\tmentor\tapproved\t{name}" in listing.splitlines()

    mark = sim.last_seq()
    said = await run_admin(["suspend-mentor", str(pair.mentor_id)], sim.tandem)
    assert "is suspended" in said and "pairs ended: 1" in said
    await sim.advance(timedelta(minutes=1))  # what they are told goes out through the running bot
    assert f"Your mentoring pair with {name} has ended" in "\n".join(sim.bot_texts(learner, mark))
    assert "paused your role as a mentor" in "\n".join(sim.bot_texts(mentor, mark))
    assert f"{name} is suspended as a mentor (by tandem admin)" in sim.bot_texts("coordinators")[-1]
    assert name not in await ready_mentors(sim)
    assert f"{pair.mentor_id}\tmentor\tsuspended\t{name}" in (await run_admin(["team"], sim.tandem))

    said = await run_admin(["reinstate-mentor", str(pair.mentor_id)], sim.tandem)
    assert "reinstated (matchable again)" in said
    assert name in await ready_mentors(sim)
    with pytest.raises(ValueError, match="not a suspended mentor"):
        await run_admin(["reinstate-mentor", str(pair.mentor_id)], sim.tandem)
