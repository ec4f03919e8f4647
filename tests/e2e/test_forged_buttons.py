"""Forged button data on every family, through the emulator and both frameworks: each press gets
the polite "no longer active" answer and nothing else — no traceback, no "something went wrong",
no change. Several of these crashed the handler before the codec (int("²") after str.isdigit())."""

from __future__ import annotations

from collections.abc import AsyncIterator
from inspect import isawaitable

import pytest

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from tests.conftest import START

STALE = "This button is no longer active."
SORRY = "Sorry, something went wrong on our side. Please try again."
FORGED = [
    "gd1:²:yes",  # a superscript two: a digit to str.isdigit(), not an id
    "iv1:٣",  # an Arabic-Indic three
    "pg1:²",
    "pe1:-1",
    f"mp1:{2**63}:ok",  # past the largest BIGINT
    "mp1:1:m²",
    "sc1:1:ok:more",  # a field too many
    "ss1:1",  # a field missing
    "sw1:" + "1" * 70,  # longer than Telegram keeps
    "cn1:1:r²",
    "cn1:1:r",
    "g1:1:steal",  # a word not in the set
    "pg1:",
    "tr1:0:go:on",
    "pc1:1:maybe",
    "cc1:stop",
    "zz1:1",  # no such family
    "",
]
FLOW_FORGED = ["f1:AbCd1234:²", "f1:not a token:0", "f1:AbCd1234:e", "f1:AbCd1234"]


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    """Carla, a coordinator (so role checks would pass), with the coordinators' group; Zoe, new."""
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("zoe", "Zoe", language_code="en")
    sim.configure(coordinator_chat_id=sim.add_group("coordinators", "Coordinators", ["carla"]))
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        await sim.send("zoe", "/start")
        yield sim
    finally:
        await sim.stop()


async def press_in_group(sim: Simulation, who: str, data: str) -> None:
    injected = sim.emulator.press(sim.users[who], sim.groups["coordinators"], 999, data)
    if isawaitable(injected):
        injected = await injected
    await sim.wait_handled(int(injected.update_id))


async def test_forged_data_on_every_family_gets_the_polite_answer(programme: Simulation) -> None:
    sim = programme
    for who in ("carla", "zoe"):
        for data in FORGED:
            mark = sim.last_seq()
            replies = await sim.press_data(who, 999, data)
            assert sim.toasts(who, mark) == [STALE], (who, data)
            assert replies == [], (who, data, [r.text for r in replies])


async def test_forged_flow_data_is_answered_and_the_question_asked_again(programme: Simulation) -> None:
    sim = programme
    for data in FLOW_FORGED:
        mark = sim.last_seq()
        replies = await sim.press_data("zoe", 999, data)
        assert sim.toasts("zoe", mark) == [STALE], data
        assert "That button belongs to an earlier question" in replies[0].text, data
        assert SORRY not in " ".join(r.text for r in replies)


async def test_forged_alert_data_in_the_coordinators_group_gets_the_polite_answer(
    programme: Simulation,
) -> None:
    sim = programme
    for data in ("cn1:²:ack", "cn1:1:r٣", "cn1:1:ack:ack", "cn1:1:forget", "gd1:1:yes"):
        mark = sim.last_seq()
        await press_in_group(sim, "carla", data)
        assert sim.toasts("coordinators", mark) == [STALE], data
        assert sim.bot_texts("coordinators", mark) == [], data
