"""Forged button data on every family, through the emulator and both frameworks: each press gets
the polite "no longer active" answer and nothing else — no traceback, no "something went wrong",
no change. Several of these crashed the handler before the codec (int("²") after str.isdigit())."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from inspect import isawaitable
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.app  # noqa: F401 (every feature, so every family of buttons, is declared)
from bot.admin import run_admin
from bot.callbacks import BIGGEST_ID, Callback, Pattern, Tag
from bot.emulator import Limits
from bot.simulation import Simulation
from tests.conftest import START
from tests.journeys import begin_mentoring, cohort_simulation, onboard_cohort

STALE = "This button is no longer active."
SORRY = "Sorry, something went wrong on our side. Please try again."
FORGED = [
    "gd1:²:yes",  # a superscript two: a digit to str.isdigit(), not an id
    "iv1:٣",  # an Arabic-Indic three
    "pg1:²",
    "pe1:-1",
    f"mp1:{2**63}:ok",  # past the largest BIGINT
    f"iv1:{2**63 - 1}",  # past the largest INTEGER, which row ids are (PostgreSQL refused the query)
    f"pe1:{2**31}",
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
    "tm1:²:sus",
    "tm1:1:drop",
    "gw1:²",
    f"gw1:{2**63}",
    "rl1:²",
    "rl1:new:more",
    "rl1:5",  # no such message
    "rh1:1:maybe",
    "mb1:1:a²",  # a batch of proposals: a score that is no number
    "mb1:²:list",
    "mb1:1:all",
    "ml1:1:maybe",
    "ml1:٣:ok",
    "ex1:²:ok",
    "ex1:1:pay",
    "ce1:1:maybe",
    "ce1:²:close",
    "cx1:1:perhaps",
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
    for data in (
        "cn1:²:ack",
        "cn1:1:r٣",
        "cn1:1:ack:ack",
        "cn1:1:forget",
        "gd1:1:yes",
        "rh1:٣:ok",
        "rh1:1:no",
        "cx1:٣:yes",
        "cx1:1:yes:yes",
    ):
        mark = sim.last_seq()
        await press_in_group(sim, "carla", data)
        assert sim.toasts("coordinators", mark) == [STALE], data
        assert sim.bot_texts("coordinators", mark) == [], data


# --- fuzzing: presses of every family's shape, with ids that exist, ids that do not, odd digits --

FAMILIES = sorted(
    (f for f in Callback.__subclasses__() if f.__module__.split(".")[0] in ("bot", "conversations")),
    key=lambda f: (f.prefix, f.__name__),
)
ODD = ["²", "٣", "３", "-1", "01", "", str(BIGGEST_ID + 1), str(2**64), "1e3", "r²", "m٣", "e"]


def value_of(hint: Any) -> st.SearchStrategy[str]:
    """A field's text: mostly its own shape (small ids name real rows), sometimes anything odd."""
    args = get_args(hint)
    if hint is int or (get_origin(hint) is Annotated and isinstance(args[1], Tag)):
        letter = args[1].letter if get_origin(hint) is Annotated else ""
        ids = st.one_of(st.integers(0, 6), st.just(BIGGEST_ID)).map(lambda n: f"{letter}{n}")
    elif get_origin(hint) is Literal:
        ids = st.sampled_from(args)
    else:
        assert get_origin(hint) is Annotated and isinstance(args[1], Pattern), hint
        ids = st.from_regex(args[1].regex, fullmatch=True)
    return st.one_of(ids, ids, ids, st.sampled_from(ODD))


@st.composite
def button_data(draw: st.DrawFn) -> str:
    family = draw(st.sampled_from(FAMILIES))
    hints = get_type_hints(family, include_extras=True)
    texts = [draw(value_of(hints[f.name])) for f in family.fields]
    if draw(st.integers(0, 9)) == 0:  # a field too many or too few
        texts = texts[:-1] if texts and draw(st.booleans()) else [*texts, draw(st.sampled_from(ODD))]
    return ":".join((family.prefix, *texts))


class Presser:
    """A cohort in the middle of mentoring, and the ERROR lines each press leaves."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sim: Simulation) -> None:
        self.loop, self.sim = loop, sim
        self.errors: list[str] = []

    def press(self, who: str, data: str, in_group: bool) -> list[str]:
        self.errors.clear()
        mark = self.sim.last_seq()
        if in_group:
            self.loop.run_until_complete(press_in_group(self.sim, who, data))
            return self.sim.bot_texts("coordinators", mark)
        return [r.text for r in self.loop.run_until_complete(self.sim.press_data(who, 999, data))]


@pytest.fixture(scope="module", params=["aiogram", "ptb"])
def presser(request: pytest.FixtureRequest) -> Iterator[Presser]:
    loop = asyncio.new_event_loop()
    sim = cohort_simulation(request.param)
    loop.run_until_complete(sim.start())
    fuzz = Presser(loop, sim)

    class Errors(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            fuzz.errors.append(f"{record.name}: {record.getMessage()}")

    catcher = Errors(logging.ERROR)
    logging.getLogger().addHandler(catcher)
    try:
        loop.run_until_complete(onboard_cohort(sim))
        loop.run_until_complete(begin_mentoring(sim))
        yield fuzz
    finally:
        logging.getLogger().removeHandler(catcher)
        loop.run_until_complete(sim.stop())
        loop.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=button_data(),
    who=st.sampled_from(["carla", "lena", "tom", "peter", "amira"]),
    in_group=st.booleans(),
)
def test_any_press_of_any_shape_is_answered_never_failed(
    presser: Presser, data: str, who: str, in_group: bool
) -> None:
    """Whoever presses whatever a button could carry, on whatever exists or not, the update is
    handled: no "something went wrong", no ERROR in the log."""
    texts = presser.press(who, data, in_group and who == "carla")
    assert not [t for t in texts if t == SORRY], data
    assert presser.errors == [], data
