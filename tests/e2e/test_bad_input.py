"""Bad input at every step of the welcome flow gets a localized re-ask, never a traceback.

Someone without an invite only answers the role; a coordinator's /start goes on to the
language, name and confirmation steps. The onboarding flows have their own walk
(test_onboarding_flows.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.admin import run_admin
from bot.emulator import Limits
from bot.i18n import Translator
from bot.simulation import Simulation
from conversations.inputs import clean_text
from conversations.welcome import WELCOME
from tests.journeys import BAD_INPUTS, START

DE = Translator("de", ZoneInfo("Europe/Berlin"))
SORRY = DE("Sorry, something went wrong on our side. Please try again.")


def prompt(step: str, **fields: str) -> str:
    return DE(WELCOME.step(step).prompt, **{"name": "Zoe", **fields})


class Driver:
    """Zoe (German Telegram) at the role question; Kim, a coordinator, at the later steps."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sim: Simulation) -> None:
        self.loop, self.sim = loop, sim

    def run(self, coroutine: object) -> object:
        return self.loop.run_until_complete(coroutine)  # type: ignore[arg-type]

    who = "zoe"

    def to_step(self, step: str) -> None:
        self.who = "zoe" if step == "role" else "kim"
        self.run(self.sim.send(self.who, "/start"))
        if step in ("role", "language"):
            return
        self.run(self.sim.press("kim", "^Deutsch$"))
        if step == "name":
            return
        self.run(self.sim.send("kim", "Zoe"))

    def replies(self, action: str, value: object) -> str:
        sim = self.sim
        method = getattr(sim, action)
        who = self.who
        entries = self.run(method(who, *value) if isinstance(value, tuple) else method(who, value))
        return "\n".join(e.text for e in entries)  # type: ignore[attr-defined]


@pytest.fixture(scope="module", params=["aiogram", "ptb"])
def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    loop = asyncio.new_event_loop()
    # Limits off: this is about answers, and a burst of 60 names would wait on 429s.
    sim = Simulation(framework=request.param, start=START, limits=Limits(enabled=False))
    loop.run_until_complete(sim.start())
    sim.add_user("zoe", "Zoe", language_code="de")
    sim.add_user("kim", "Kim", language_code="de")
    try:
        code = loop.run_until_complete(run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        loop.run_until_complete(sim.send("kim", f"/start {code}"))
        yield Driver(loop, sim)
    finally:
        loop.run_until_complete(sim.stop())
        loop.close()


@pytest.mark.parametrize("step", ["role", "language", "name", "confirm"])
def test_every_bad_input_at_every_step_is_re_asked_in_german(driver: Driver, step: str) -> None:
    for action, value in BAD_INPUTS:
        driver.to_step(step)
        reply = driver.replies(action, value)
        if step == "name" and action == "send" and value == "😀🎉😀":
            assert DE("A name needs at least one letter. What should I call you?") in reply
        else:
            expected = prompt(step) if step != "confirm" else prompt("confirm", name="Zoe")
            assert expected in reply, (step, action, reply)
        assert SORRY not in reply
        assert "Traceback" not in reply


@pytest.mark.parametrize("step", ["role", "language", "name", "confirm"])
def test_an_old_button_at_every_step_is_answered_not_acted_on(driver: Driver, step: str) -> None:
    sim = driver.sim
    driver.to_step(step)
    stale = sim.emulator.newest_button(sim.users[driver.who], ".")
    driver.to_step(step)  # a new /start: every earlier button is stale now
    message, data = stale
    reply = driver.replies("press_data", (message.message_id, data))
    assert DE("That button belongs to an earlier question. Here is where we are:") in reply
    assert prompt(step) in reply


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=5000).filter(lambda s: not s.lstrip().startswith("/")))
def test_any_text_for_the_name_is_taken_or_re_asked(driver: Driver, text: str) -> None:
    if not getattr(driver, "at_name", False):
        driver.to_step("name")
        driver.at_name = True  # type: ignore[attr-defined]
    reply = driver.replies("send", text)
    assert SORRY not in reply
    if prompt("name") in reply:
        return  # re-asked with a hint
    assert DE("Shall I call you {name}? Is everything right?", name=clean_text(text)) in reply
    assert prompt("name") in driver.replies("send", "/back")
