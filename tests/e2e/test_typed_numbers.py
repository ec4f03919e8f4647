"""Numbers typed instead of tapped, through both adapters: a number means the number an option's
label carries ("2" the 2nd year, "19" the band 18–21), never the option's place among the
buttons; a number no option carries, or more than one does (a band's boundary), is asked again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import Person
from tests.journeys import START, apply_as_mentor, onboard_learner

LEARNERS = {"lina": "en", "lene": "de"}


@dataclass(frozen=True)
class Said:
    """What a learner reads in one language, at /profile's summary and the questions behind it."""

    year: str  # the summary's line name, and its ✎ button
    age: str
    which_year: str
    how_old: str
    second_year: str
    choose: str  # the re-ask
    right: str
    saved: str


SAID = {
    "en": Said(
        "Year",
        "Age",
        "Which year of your training or school are you in?",
        "How old are you?",
        "2nd year",
        "Please choose one of the buttons below.",
        "Yes, that's right",
        "Saved. /profile shows your answers whenever you want to change one.",
    ),
    "de": Said(
        "Jahr",
        "Alter",
        "In welchem Jahr deiner Ausbildung oder Schule bist du?",
        "Wie alt bist du?",
        "2. Jahr",
        "Bitte wähle einen der Buttons unten.",
        "Ja, das stimmt",
        "Gespeichert. /profile zeigt dir deine Antworten, wann immer du eine ändern willst.",
    ),
}


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    """Carla coordinates; Lina (English) and Lene (German) joined as learners: 16–17, 1st year."""
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    sim.add_user("carla", "Carla", language_code="en")
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        link = (await sim.send("carla", "/invite learner multi"))[-1].text
        for key, language in LEARNERS.items():
            sim.add_user(key, key.title(), language_code=language)
            await onboard_learner(sim, key, link.rsplit("start=", 1)[1], name=key.title(), language=language)
        yield sim
    finally:
        await sim.stop()


async def stored(sim: Simulation, key: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found


@pytest.mark.parametrize(("key", "two"), [("lina", "2"), ("lene", "2."), ("lene", "2")])
async def test_a_typed_year_means_that_year(programme: Simulation, key: str, two: str) -> None:
    sim, said = programme, SAID[LEARNERS[key]]
    assert (await stored(sim, key)).profile["year"] == "1"
    await sim.send(key, "/profile")
    replies = await sim.press(key, f"^✎ {said.year}$")
    assert replies[-1].text == said.which_year
    replies = await sim.send(key, "5")  # no year carries a 5: asked again, nothing taken
    assert replies[-1].text == f"{said.choose}\n\n{said.which_year}"
    replies = await sim.send(key, two)  # the 2nd year, not the second button ("1st year")
    assert f"\n{said.year}: {said.second_year}\n" in replies[-1].text
    replies = await sim.press(key, f"^{said.right}$")
    assert replies[-1].text == said.saved
    assert (await stored(sim, key)).profile["year"] == "2"


@pytest.mark.parametrize("key", LEARNERS)
async def test_a_typed_age_picks_its_band_and_a_boundary_is_asked_again(
    programme: Simulation, key: str
) -> None:
    sim, said = programme, SAID[LEARNERS[key]]
    await sim.send(key, "/profile")
    replies = await sim.press(key, f"^✎ {said.age}$")
    assert replies[-1].text == said.how_old
    # "3" was the third band (18–21) by its place; "16" and "25" each end two bands.
    for typed in ("3", "16", "25", "30"):
        replies = await sim.send(key, typed)
        assert replies[-1].text == f"{said.choose}\n\n{said.how_old}", typed
    replies = await sim.send(key, "19")
    assert f"\n{said.age}: 18–21\n" in replies[-1].text
    await sim.press(key, f"^✎ {said.age}$")
    replies = await sim.send(key, "17")
    assert f"\n{said.age}: 16–17\n" in replies[-1].text
    await sim.press(key, f"^{said.right}$")
    assert (await stored(sim, key)).profile["age"] == "16-17"


async def test_a_mentor_types_kilometres_and_learners(programme: Simulation) -> None:
    sim = programme
    sim.add_user("max", "Max", language_code="en")
    await apply_as_mentor(sim, "max", name="Max")  # 1 learner at a time, up to 5 km
    await sim.send("max", "/profile")
    replies = await sim.press("max", "^✎ How far you travel$")
    assert "How far would you travel" in replies[-1].text
    replies = await sim.send("max", "7")
    assert replies[-1].text.startswith("Please choose one of the buttons below.")
    replies = await sim.send("max", "10")  # up to 10 km, not the tenth button nor the second
    assert "\nHow far you travel: up to 10 km\n" in replies[-1].text
    await sim.press("max", "^✎ Learners at a time$")
    replies = await sim.send("max", "3")
    assert "\nLearners at a time: 3\n" in replies[-1].text
    await sim.press("max", "^Yes, that's right$")
    profile = (await stored(sim, "max")).profile
    assert (profile["travel"], profile["capacity"]) == ("10", "3")
