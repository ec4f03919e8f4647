"""Both onboarding flows, step by step, through both adapters: every bad input at every step
(the review included) gets a localized re-ask and writes nothing; hypothesis text at the
free-text steps, reached again through /profile's "edit a field" buttons."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.admin import run_admin
from bot.emulator import Limits
from bot.i18n import Translator, shipped_locales
from bot.simulation import Simulation
from conversations.flow import REVIEW, Flow
from conversations.learner import LEARNER
from conversations.mentor import MENTOR
from tests.journeys import BAD_INPUTS, START

REVIEW_HEADER = "Here is what you told me. Is everything right?"
SORRY = "Sorry, something went wrong on our side. Please try again."


@dataclass
class Person:
    """Who walks a flow: their Telegram language, name, and a good answer for every step."""

    key: str
    language: str
    flow: Flow
    good: dict[str, Callable[[Simulation, str], Any]]
    free_text: tuple[str, ...]

    @property
    def t(self) -> Translator:
        return Translator(self.language, ZoneInfo("Europe/Berlin"))


def choose(*indexes: int) -> Callable[[Simulation, str], Any]:
    async def press(sim: Simulation, who: str) -> None:
        for index in indexes:
            await sim.press_option(who, index)

    return press


def say(text: str) -> Callable[[Simulation, str], Any]:
    async def send(sim: Simulation, who: str) -> None:
        await sim.send(who, text)

    return send


def at(lat: float, lon: float) -> Callable[[Simulation, str], Any]:
    async def share(sim: Simulation, who: str) -> None:
        await sim.location(who, lat, lon)

    return share


MIA = Person(  # a learner under 16, in German, so the guardian steps come too
    "mia",
    "de",
    LEARNER,
    {
        "consent": choose(0),
        "age": choose(0),
        "guardian_name": say("Anna Schmidt"),
        "guardian_contact": say("0171 2345678"),
        "name": say("Mia"),
        "language": choose(shipped_locales().index("de")),
        "place": at(52.49, 13.43),
        "training": say("Friseurin"),
        "trade": choose(9),
        "year": choose(1),
        "interests": choose(0, -2),  # an option, then Done (Skip is last)
        "help": choose(0, -1),
        "spoken": choose(0, -1),
        "mentor": choose(2),
        "mentor_also": choose(-1),  # skipped
        "availability": choose(2, -1),
        REVIEW: choose(0),
    },
    ("guardian_name", "guardian_contact", "name", "training"),
)
ELODIE = Person(  # an open volunteer application (no invite), in French
    "elodie",
    "fr",
    MENTOR,
    {
        "consent": choose(0),
        "name": say("Élodie"),
        "language": choose(shipped_locales().index("fr")),
        "expertise": choose(3, -1),
        "experience": say("32"),
        "offers": choose(0, 3, -1),
        "interests": choose(-1),  # skipped
        "spoken": choose(2, 0, -1),
        "place": say("paris"),  # a listed place, typed
        "travel": choose(2),
        "capacity": choose(1),
        "gender": choose(0),
        "background": choose(-1),  # skipped
        "availability": choose(0, 3, -1),
        "motivation": say("J'ai formé des apprentis pendant trente ans et j'aime transmettre."),
        "prior": choose(1),
        REVIEW: choose(0),
    },
    ("name", "motivation"),
)


class Walk:
    """One person on their flow; one event loop, one emulator, limits off."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sim: Simulation, who: Person) -> None:
        self.loop, self.sim, self.who = loop, sim, who

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def texts(self, entries: Any) -> str:
        return "\n".join(e.text for e in entries)

    def prompt(self, step: str) -> str:
        if step == REVIEW:
            return self.who.t(REVIEW_HEADER)
        name = self.who.flow.step(step).prompt
        return self.who.t(name, name=self.who.key.title(), consent_age="16")

    def step(self) -> str:
        async def current() -> str:
            async with self.sim.tandem.db.unit_of_work() as uow:
                person = await uow.people.by_telegram_id(self.sim.users[self.who.key])
                assert person is not None
                state = await uow.flows.of(person.id)
                return state.step if state else ""

        return str(self.run(current()))

    def person(self) -> Any:
        async def read() -> Any:
            async with self.sim.tandem.db.unit_of_work() as uow:
                return await uow.people.by_telegram_id(self.sim.users[self.who.key])

        return self.run(read())

    def answer(self, step: str) -> None:
        self.run(self.who.good[step](self.sim, self.who.key))


@pytest.fixture(scope="module", params=["aiogram", "ptb"])
def sim_loop(request: pytest.FixtureRequest) -> Iterator[tuple[asyncio.AbstractEventLoop, Simulation]]:
    loop = asyncio.new_event_loop()
    sim = Simulation(framework=request.param, start=START, limits=Limits(enabled=False))
    loop.run_until_complete(sim.start())
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("mia", "Mia", language_code="de")
    sim.add_user("elodie", "Elodie", language_code="fr")
    try:
        code = loop.run_until_complete(run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        loop.run_until_complete(sim.send("carla", f"/start {code}"))
        yield loop, sim
    finally:
        loop.run_until_complete(sim.stop())
        loop.close()


@pytest.fixture(scope="module")
def mia(sim_loop: tuple[asyncio.AbstractEventLoop, Simulation]) -> Walk:
    loop, sim = sim_loop
    walk = Walk(loop, sim, MIA)
    link = walk.run(sim.send("carla", "/invite learner multi"))[-1].text
    walk.run(sim.send("mia", "/start " + link.rsplit("start=", 1)[1]))
    return walk


@pytest.fixture(scope="module")
def elodie(sim_loop: tuple[asyncio.AbstractEventLoop, Simulation]) -> Walk:
    loop, sim = sim_loop
    walk = Walk(loop, sim, ELODIE)
    walk.run(sim.send("elodie", "/start"))
    walk.run(sim.press("elodie", "(?i)bénévole|mentor"))  # open recruitment: no invite needed
    return walk


def walk_with_bad_input(walk: Walk) -> list[str]:
    seen = []
    for _ in range(len(walk.who.flow.steps) + 1):
        step = walk.step()
        if not step:
            break
        seen.append(step)
        for action, value in BAD_INPUTS:
            if step == "place" and action == "location":
                continue  # a location is the right answer there
            method = getattr(walk.sim, action)
            who = walk.who.key
            entries = walk.run(method(who, *value) if isinstance(value, tuple) else method(who, value))
            reply = walk.texts(entries)
            assert walk.prompt(step) in reply, (step, action, reply)
            assert walk.who.t(SORRY) not in reply
            assert walk.step() == step  # the bad input moved nothing
        person = walk.person()
        assert person.consent_at is None and person.profile == {}  # no partial profile
        walk.answer(step)
    return seen


def test_learner_every_bad_input_at_every_step_is_re_asked_and_nothing_is_written(mia: Walk) -> None:
    seen = walk_with_bad_input(mia)
    assert seen == [s.id for s in LEARNER.steps if s.ask] + [REVIEW]
    person = mia.person()
    assert person.consent_at is not None and person.guardian_name == "Anna Schmidt"
    assert person.guardian_status == "pending" and person.guardian_confirmed_at is None
    assert person.profile["training"] == "Friseurin"
    # A shared point is kept coarse, and named after the nearest place on the programme's list.
    assert person.profile["place"] == {"lat": 52.49, "lon": 13.43, "near": "Berlin-Neukölln"}
    assert person.profile["interests_other"] is not None  # own words typed at the interests step


def test_mentor_every_bad_input_at_every_step_ends_waiting_for_screening(elodie: Walk) -> None:
    seen = walk_with_bad_input(elodie)
    assert seen == [s.id for s in MENTOR.steps if s.ask] + [REVIEW]
    person = elodie.person()
    assert person.role == "mentor" and person.screening == "waiting"
    assert person.profile["place"] == {"name": "Paris", "lat": 48.86, "lon": 2.35}
    assert person.profile["experience"] == 32 and person.profile["capacity"] == "2"
    assert person.profile["background"] is None  # skipped


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=1200).filter(lambda s: not s.lstrip().startswith("/")), data=st.data())
def test_any_text_at_a_free_text_step_is_taken_or_re_asked(
    mia: Walk, elodie: Walk, text: str, data: st.DataObject
) -> None:
    walk = data.draw(st.sampled_from([mia, elodie]))
    at = data.draw(st.sampled_from(walk.who.free_text))
    label = walk.who.t(walk.who.flow.step(at).label or "")
    review = walk.texts(walk.run(walk.sim.send(walk.who.key, "/profile")))
    assert walk.prompt(REVIEW) in review
    walk.run(walk.sim.press(walk.who.key, "^✎ " + re.escape(label) + "$"))
    assert walk.step() == at
    reply = walk.texts(walk.run(walk.sim.send(walk.who.key, text)))
    assert walk.who.t(SORRY) not in reply
    if walk.step() == at:
        assert walk.prompt(at) in reply  # re-asked, with a hint
    else:
        assert walk.step() == REVIEW and walk.prompt(REVIEW) in reply
    walk.run(walk.sim.send(walk.who.key, "/cancel"))
