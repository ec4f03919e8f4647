"""Each person's command menu follows their role and language (Telegram's per-chat scopes)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from tests.journeys import START, onboard_learner


@pytest.fixture
async def quick(framework: str) -> AsyncIterator[Simulation]:
    """Flood limits off: an onboarding in a split second would wait out the per-chat limit."""
    simulation = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    await simulation.start()
    try:
        yield simulation
    finally:
        await simulation.stop()


def menu_of(sim: Simulation, who: str) -> dict[str, str]:
    scope = {"type": "chat", "chat_id": sim.users[who]}
    return {c["command"]: c["description"] for c in sim.emulator.commands(scope=scope)}


async def test_menus_follow_role_and_language(quick: Simulation) -> None:
    sim = quick
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("zoe", "Zoe", language_code="de")
    default = {c["command"] for c in sim.emulator.commands(language_code="de")}
    assert "start" in default and "match" not in default and "sessions" not in default

    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    coordinator = menu_of(sim, "carla")
    assert {"screening", "match", "pairs", "guardians", "invite"} <= set(coordinator)
    assert coordinator["match"] == "Propose mentors for waiting learners"

    link = (await sim.send("carla", "/invite learner"))[-1].text
    await onboard_learner(sim, "zoe", link.rsplit("start=", 1)[1], name="Zoe", language="de")
    learner = menu_of(sim, "zoe")
    assert "sessions" in learner and "match" not in learner
    assert learner["sessions"] == "Deine nächsten und letzten wöchentlichen Treffen"

    await sim.send("zoe", "/language")
    await sim.press("zoe", "^Français$")
    assert menu_of(sim, "zoe")["privacy"] == "Ce qui est enregistré et qui le voit"

    await sim.send("zoe", "/delete")
    await sim.press("zoe", "^Oui$")
    await sim.press("zoe", "^Oui$")
    assert "sessions" not in menu_of(sim, "zoe")  # back to the menu of someone new


async def test_help_lists_what_the_menu_offers_and_nothing_of_other_roles(quick: Simulation) -> None:
    """/help and the menus are read from the same feature records: each command in someone's menu
    is explained in their /help, and a learner's /help names no coordinator's command."""
    sim = quick
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("zoe", "Zoe", language_code="de")
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    link = (await sim.send("carla", "/invite learner"))[-1].text
    await onboard_learner(sim, "zoe", link.rsplit("start=", 1)[1], name="Zoe", language="de")

    staff_help = (await sim.send("carla", "/help"))[-1].text
    assert set(menu_of(sim, "carla")) <= set(re.findall(r"/(\w+)", staff_help))
    assert "For coordinators:" in staff_help and "/journal" not in staff_help

    learner_help = (await sim.send("zoe", "/help"))[-1].text
    assert learner_help.startswith("Ich bin Tandem")
    assert set(menu_of(sim, "zoe")) <= set(re.findall(r"/(\w+)", learner_help))
    assert "/journal – deine Reflexionen" in learner_help
    assert not {"match", "cases", "export", "training"} & set(re.findall(r"/(\w+)", learner_help))
    assert {"concern", "areas"} <= set(menu_of(sim, "zoe"))  # a learner's safety line is in the menu
