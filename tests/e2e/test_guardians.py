"""A learner under the consent age waits for a guardian's consent; a coordinator records it; the
learner's copy of their data (/mydata) holds the guardian and the answer, in their language."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import AuditEntry, Person
from tests.journeys import START, apply_as_mentor, last_file, make_ready, on_pages, onboard_learner, speaks


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    sim.add_user("carol", "Carol", language_code="en")
    sim.add_user("tom", "Tom", language_code="en")
    sim.add_user("uma", "Uma", language_code="en")
    sim.add_user("peter", "Peter", language_code="en")
    group = sim.add_group("coordinators", "Coordinators", ["carol"])
    sim.configure(coordinator_chat_id=group)
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carol", f"/start {code}")
        link = (await sim.send("carol", "/invite learner multi"))[-1].text
        invite = link.rsplit("start=", 1)[1]
        await onboard_learner(
            sim, "tom", invite, name="Tom", language="en", guardian=("Rita Berg", "0151 999888")
        )
        await onboard_learner(
            sim, "uma", invite, name="Uma", language="en", guardian=("Ole Lund", "ole@example.org")
        )
        yield sim
    finally:
        await sim.stop()


async def test_the_coordinator_records_each_guardians_answer_and_the_learner_is_told(
    programme: Simulation,
) -> None:
    sim = programme
    assert "because you are under 16" in sim.bot_texts("tom")[-1].lower()
    alerts = sim.bot_texts("coordinators")
    assert any("Tom (learner, under 16) needs a guardian's consent" in text for text in alerts)

    first = (await sim.send("carol", "/guardians"))[-1]  # one learner a page, the oldest first
    assert first.text.startswith("Waiting for a guardian's consent: 2 — page 1 of 2\n\nTom")
    assert "Rita Berg, 0151 999888" in first.text
    uma = await on_pages(sim, "carol", "/guardians", "Uma")
    assert "ole@example.org" in uma.text and "page 2 of 2" in uma.text

    mark = sim.last_seq()
    await sim.press_data("carol", uma.message_id, uma.data[0][0])  # "Guardian agreed"
    assert "Uma: the guardian agreed. Noted by Carol." in sim.bot_texts("carol", mark)[-1]
    assert "your guardian agreed" in sim.bot_texts("uma", mark)[-1]
    await sim.press("carol", "Guardian said no")  # Uma's buttons are gone: Tom's
    assert "Tom: the guardian did not agree" in sim.bot_texts("carol", mark)[-1]
    assert "did not agree" in sim.bot_texts("tom", mark)[-1]

    async with sim.tandem.db.unit_of_work() as uow:
        people = {p.first_name: p for p in (await uow.session.execute(select(Person))).scalars()}
        assert people["Uma"].guardian_status == "confirmed" and people["Uma"].guardian_confirmed_at
        assert people["Tom"].guardian_status == "refused" and people["Tom"].guardian_confirmed_at is None
        audit = (await uow.session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
        assert [(a.action, a.actor_id, a.subject_id) for a in audit] == [
            ("guardian.confirmed", people["Carol"].id, people["Uma"].id),
            ("guardian.refused", people["Carol"].id, people["Tom"].id),
        ]
    assert "No learner is waiting" in (await sim.send("carol", "/guardians"))[-1].text


async def test_a_minors_copy_of_their_data_holds_the_guardian_in_their_language(
    programme: Simulation,
) -> None:
    sim = programme
    await speaks(sim, "tom", "de")
    await sim.send("tom", "/mydata")
    data = json.loads(last_file(sim, "tom", "my-data"))
    waiting = {"name": "Rita Berg", "contact": "0151 999888", "answer": "wartet auf eine Entscheidung"}
    assert data["guardian"] == {**waiting, "confirmed": None}
    answers = data["your_answers"]
    assert answers["Elternteil oder Erziehungsberechtigte*r"] == "Rita Berg"
    assert answers["Telefon oder E-Mail dieser Person"] == "0151 999888"

    card = await on_pages(sim, "carol", "/guardians", "Uma")
    await sim.press_data("carol", card.message_id, card.data[0][0])  # "Guardian agreed"
    await sim.send("uma", "/mydata")
    data = json.loads(last_file(sim, "uma", "my-data"))
    assert data["guardian"]["answer"] == "Guardian agreed" and data["guardian"]["confirmed"] is not None


async def test_a_learner_cannot_use_or_forge_the_coordinators_buttons(programme: Simulation) -> None:
    sim = programme
    assert "Only coordinators" in (await sim.send("tom", "/guardians"))[-1].text
    replies = await sim.send("carol", "/guardians")
    message_id = replies[-1].message_id
    data = replies[-1].data[0][0]  # "Guardian agreed" for Tom, on the first page
    # Tom crafts the same callback data on a message in his own chat.
    own = [e for e in sim.transcript("tom") if e.sender == "bot"][-1]
    await sim.press_data("tom", own.message_id, data)
    assert sim.toasts("tom")[-1] == "This button is not for you."
    async with sim.tandem.db.unit_of_work() as uow:
        tom = await uow.people.by_telegram_id(sim.users["tom"])
        assert tom is not None and tom.guardian_status == "pending"
    await sim.press_data("carol", message_id, data)
    assert "your guardian agreed" in sim.bot_texts("tom")[-1]
    await sim.press_data("carol", message_id, data)  # the same button again
    assert sim.toasts("carol")[-1] == "This was already decided."


async def change_age(sim: Simulation, who: str, band: int) -> None:
    """/profile, the first "edit" button (the age), the ``band``-th age band, then "that's right"."""
    await sim.send(who, "/profile")
    await sim.press_option(who, 1)
    await sim.press_option(who, band)
    await sim.press_option(who, 0)


async def person(sim: Simulation, key: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found


@pytest.mark.parametrize(
    ("locale", "held"),
    [
        ("en", "Your guardian has not agreed yet, so a coordinator looks at your new age first"),
        ("de", "Deine erziehungsberechtigte Person hat noch nicht zugestimmt"),
    ],
)
async def test_a_guardians_answer_survives_an_age_change_until_a_coordinator_decides(
    programme: Simulation, locale: str, held: str
) -> None:
    sim = programme
    await apply_as_mentor(sim, "peter", name="Peter", evenings=True)
    await make_ready(sim, "carol", "peter", "Peter")
    tom_card = await on_pages(sim, "carol", "/guardians", "Tom")
    await sim.press_data("carol", tom_card.message_id, tom_card.data[0][1])  # Rita said no
    assert "did not agree" in sim.bot_texts("tom")[-1]

    # Tom (refused) and Uma (not asked yet) each say they are 16-17 now.
    await speaks(sim, "tom", locale)
    mark = sim.last_seq()
    await change_age(sim, "tom", 1)
    assert held in sim.bot_texts("tom", mark)[-1]
    await change_age(sim, "uma", 1)
    assert "no mentor is proposed to you" in sim.bot_texts("uma")[-1]
    group = "\n".join(sim.bot_texts("coordinators", mark))
    assert "Tom (learner) changed their age from under 16 to 16–17 after their guardian said no." in group
    assert "Uma (learner) changed their age from under 16 to 16–17 before their guardian was asked." in group
    tom = await person(sim, "tom")
    assert (tom.guardian_name, tom.guardian_contact) == ("Rita Berg", "0151 999888")
    assert (tom.profile["age"], tom.guardian_status) == ("16-17", "recheck")
    assert (await person(sim, "uma")).guardian_status == "pending"

    # Nobody is proposed; the coordinators see both with what changed, and decide.
    assert "No learner is waiting for a mentor." in (await sim.send("carol", "/match"))[-1].text
    tom_card = await on_pages(sim, "carol", "/guardians", "Tom")
    assert tom_card.text.startswith("Waiting for a guardian's consent: 2 — page")
    assert "The guardian had said no before" in tom_card.text and "Age now: 16–17" in tom_card.text
    uma_card = await on_pages(sim, "carol", "/guardians", "Uma")
    assert "said no" not in uma_card.text and "Age now: 16–17" in uma_card.text
    await sim.press_data("carol", uma_card.message_id, uma_card.data[0][1])  # Ole says no
    await sim.press_data("carol", tom_card.message_id, tom_card.data[0][0])  # Rita agrees after all
    assert "Tom: the guardian agreed" in sim.bot_texts("carol")[-1]
    replies = await sim.send("carol", "/match")
    assert "Learner: Tom" in replies[-1].text and "Uma" not in "\n".join(r.text for r in replies)
