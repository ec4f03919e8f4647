"""Texts that read like a person wrote them: the mentor by name and, where they said it, in their
gender ("Deine Mentorin ist Amira"); a coordinator's card about an applicant in the third person;
French summaries with a no-break space before the colon."""

from __future__ import annotations

import re

import pytest

from bot.simulation import Simulation
from storage.models import Person
from tests.journeys import (
    amira_takes_both,
    apply_as_mentor,
    begin_mentoring,
    keys_of,
    on_pages,
    pairs,
    speaks,
)

FR_YOU = r"\b(tu|te|tes|ton|ta)\b"


async def describes_self_as(sim: Simulation, who: str, gender: str | None) -> None:
    """The mentor's answer to "How do you describe yourself?", as the application stores it."""
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[who])
        assert person is not None
        person.profile = {**person.profile, "gender": gender}


async def not_ready(sim: Simulation, who: str) -> None:
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[who])
        assert isinstance(person, Person)
        person.ready_at = None


async def test_a_woman_mentor_is_deine_mentorin_ta_mentore_and_named_on_buttons(
    cohort: Simulation,
) -> None:
    sim = cohort
    await describes_self_as(sim, "amira", "woman")
    await speaks(sim, "lena", "de")
    await speaks(sim, "tom", "fr")
    await amira_takes_both(sim)

    german = "\n".join(sim.bot_texts("lena"))
    assert "Gute Nachricht, Lena! Deine Mentorin ist Amira." in german
    assert "Mentorin oder" not in german and "Mentor*in" not in german
    french = "\n".join(sim.bot_texts("tom"))
    assert "Ta mentore est Amira." in french and "ou ta mentore" not in french

    # The buttons name her: writing to her, sharing with her.
    assert ["Amira schreiben"] in (await sim.send("lena", "/help"))[-1].buttons
    await sim.send("lena", "/progress")
    assert sim.transcript("lena")[-1].buttons == [["Mit Amira teilen"]]
    await sim.press("lena", "^Mit Amira teilen$")
    assert sim.transcript("lena")[-1].buttons == [["Nicht mehr teilen"]]


@pytest.mark.parametrize(
    ("gender", "reads"),
    [
        ("man", "Gute Nachricht, {learner}! Dein Mentor ist Peter."),
        (None, "Gute Nachricht, {learner}! Peter begleitet dich ab jetzt im Mentoring."),
        ("other", "Gute Nachricht, {learner}! Peter begleitet dich ab jetzt im Mentoring."),
    ],
)
async def test_a_mentor_is_dein_mentor_or_named_without_a_gender_he_did_not_give(
    cohort: Simulation, gender: str | None, reads: str
) -> None:
    sim = cohort
    await describes_self_as(sim, "peter", gender)
    await not_ready(sim, "amira")  # Peter (one seat) takes one of the two
    for learner in ("lena", "tom"):
        await speaks(sim, learner, "de")
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    learner, _ = await keys_of(sim, pair)
    told = "\n".join(sim.bot_texts(learner))
    assert reads.format(learner=learner.title()) in told
    assert "Mentorin oder" not in told and "Mentor*in" not in told


@pytest.mark.parametrize(
    ("language", "expected", "second_person"),
    [
        ("en", ("Fields: ", "Why they volunteer: ", "How far they travel: "), r"\b(your?|yourself)\b"),
        ("de", ("Bereiche: ", "Warum das Engagement: ", "Fährt bis: "), r"\b(du|dich|dir|deine?[mnrs]?)\b"),
        (
            "fr",
            ("Domaines\u00a0: ", "Pourquoi cet engagement\u00a0: ", "Se déplace jusqu’à\u00a0: "),
            r"\b(tu|te|tes|ton|ta)\b",
        ),
    ],
)
async def test_a_coordinators_screening_card_speaks_of_the_applicant_not_to_them(
    cohort: Simulation, language: str, expected: tuple[str, ...], second_person: str
) -> None:
    sim = cohort
    sim.add_user("max", "Max", language_code="en")
    await apply_as_mentor(sim, "max", name="Max")
    await speaks(sim, "carla", language)
    card = (await on_pages(sim, "carla", "/screening", "Max")).text
    for label in expected:
        assert label in card, label
    assert not re.search(second_person, card, re.IGNORECASE), card


async def test_a_french_summary_has_a_no_break_space_before_each_colon(cohort: Simulation) -> None:
    sim = cohort
    await speaks(sim, "tom", "fr")
    await sim.send("tom", "/profile")
    review = sim.bot_texts("tom")[-1]
    lines = [line for line in review.splitlines()[2:] if ":" in line]
    assert len(lines) >= 8, review  # one line per answer
    assert all("\u00a0:" in line and " :" not in line.replace("\u00a0:", "") for line in lines), review


async def test_french_reads_its_first_weekly_meeting_not_the_first_of_the_week(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await speaks(sim, learner, "fr")
    await sim.press(mentor, "^Tuesdays$")
    await sim.press(mentor, "^17:00$")
    await sim.press(mentor, "^a public place")
    await sim.press(learner, "^Oui$")
    agreed = next(text for text in reversed(sim.bot_texts(learner)) if text.startswith("C’est d’accord"))
    assert agreed.startswith(
        "C’est d’accord\u202f: le mardi à 17:00. Ta première rencontre hebdomadaire aura lieu le mardi"
    )
    assert "de la semaine" not in agreed and "Votre" not in agreed
