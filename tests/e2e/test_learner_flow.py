"""The learner onboarding flow: every bad input at every step gets a localized re-ask and writes
nothing; hypothesis text at the free-text steps; the profile is written only at the end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.admin import run_admin
from bot.emulator import Limits
from bot.i18n import Translator
from bot.simulation import Simulation
from conversations.learner import LEARNER
from tests.conftest import START
from tests.e2e.test_bad_input import BAD_INPUTS

DE = Translator("de", ZoneInfo("Europe/Berlin"))
SORRY = DE("Sorry, something went wrong on our side. Please try again.")
TEXT_STEPS = ("guardian_name", "guardian_contact", "name", "training")


def prompt(step: str) -> str:
    return DE(LEARNER.step(step).prompt, name="Mia")


class Walk:
    """Mia (German Telegram) on the learner flow; one event loop, one emulator, limits off."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sim: Simulation) -> None:
        self.loop, self.sim = loop, sim

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def texts(self, entries: Any) -> str:
        return "\n".join(e.text for e in entries)

    def step(self) -> str:
        async def current() -> str:
            async with self.sim.tandem.db.unit_of_work() as uow:
                person = await uow.people.by_telegram_id(self.sim.users["mia"])
                assert person is not None
                state = await uow.flows.of(person.id)
                return state.step if state else ""

        return str(self.run(current()))

    def person(self) -> Any:
        async def read() -> Any:
            async with self.sim.tandem.db.unit_of_work() as uow:
                return await uow.people.by_telegram_id(self.sim.users["mia"])

        return self.run(read())

    def answer(self, step: str) -> None:
        """A good answer to the step (under 16, so the guardian steps come too)."""
        sim = self.sim
        good: dict[str, Any] = {
            "consent": lambda: sim.press_option("mia", 0),
            "age": lambda: sim.press_option("mia", 0),
            "guardian_name": lambda: sim.send("mia", "Anna Schmidt"),
            "guardian_contact": lambda: sim.send("mia", "0171 2345678"),
            "name": lambda: sim.send("mia", "Mia"),
            "language": lambda: sim.press_option("mia", 1),
            "place": lambda: sim.location("mia", 53.55, 9.99),
            "training": lambda: sim.send("mia", "Friseurin"),
            "year": lambda: sim.press_option("mia", 1),
            "mentor": lambda: sim.press_option("mia", 2),
        }
        if step in good:
            self.run(good[step]())
            return
        self.run(sim.press_option("mia", 0))  # a multi-choice: one option, then Done
        self.run(sim.press_option("mia", -2 if step == "interests" else -1))


@pytest.fixture(scope="module", params=["aiogram", "ptb"])
def walk(request: pytest.FixtureRequest) -> Iterator[Walk]:
    loop = asyncio.new_event_loop()
    sim = Simulation(framework=request.param, start=START, limits=Limits(enabled=False))
    loop.run_until_complete(sim.start())
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("mia", "Mia", language_code="de")
    try:
        walk = Walk(loop, sim)
        code = walk.run(run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        walk.run(sim.send("carla", f"/start {code}"))
        link = walk.run(sim.send("carla", "/invite learner multi"))[-1].text
        walk.run(sim.send("mia", "/start " + link.rsplit("start=", 1)[1]))
        yield walk
    finally:
        loop.run_until_complete(sim.stop())
        loop.close()


def test_every_bad_input_at_every_step_is_re_asked_and_nothing_is_written(walk: Walk) -> None:
    seen = []
    for _ in range(len(LEARNER.steps)):
        step = walk.step()
        if not step:
            break
        seen.append(step)
        for action, value in BAD_INPUTS:
            if step == "place" and action == "location":
                continue  # a location is the right answer there
            method = getattr(walk.sim, action)
            entries = walk.run(method("mia", *value) if isinstance(value, tuple) else method("mia", value))
            reply = walk.texts(entries)
            assert prompt(step) in reply, (step, action, reply)
            assert SORRY not in reply
            assert walk.step() == step  # the bad input moved nothing
        person = walk.person()
        assert person.consent_at is None and person.profile == {}  # no partial profile
        walk.answer(step)
    assert seen == [s.id for s in LEARNER.steps]
    person = walk.person()
    assert person.consent_at is not None and person.guardian_name == "Anna Schmidt"
    assert person.guardian_confirmed_at is None  # pending until a coordinator confirms
    assert person.profile["training"] == "Friseurin" and person.profile["place"] == {
        "lat": 53.55,
        "lon": 9.99,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=300).filter(lambda s: not s.lstrip().startswith("/")),
    at=st.sampled_from(TEXT_STEPS),
)
def test_any_text_at_a_free_text_step_is_taken_or_re_asked(walk: Walk, text: str, at: str) -> None:
    walk.run(walk.sim.send("mia", "/start"))  # a learner's /start runs the flow again
    for _ in range(len(LEARNER.steps)):
        if walk.step() == at:
            break
        walk.answer(walk.step())
    assert walk.step() == at
    reply = walk.texts(walk.run(walk.sim.send("mia", text)))
    assert SORRY not in reply
    assert walk.step() in (at, LEARNER.after(LEARNER.step(at), {}))
