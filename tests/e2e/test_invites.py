"""Invite codes and the /invite syntax; the role checks are in tests/scenarios and below, end to end."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.services import invites
from bot.services.invites import InviteRequest
from bot.simulation import Simulation
from storage.models import Invite, Person
from storage.scratch import postgres_server

USED = "This invite link has already been used. Please ask your coordinator for a new one."


def test_codes_are_long_random_and_fit_a_deep_link() -> None:
    codes = {invites.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(invites.CODE_SHAPE.match(code) and len(code) <= 64 for code in codes)
    link = invites.deep_link("tandem_bot", "Ab12Cd34Ef56Gh78")
    assert link == "https://t.me/tandem_bot?start=Ab12Cd34Ef56Gh78"


def test_the_qr_code_is_a_png() -> None:
    png = invites.qr_png("https://t.me/tandem_bot?start=Ab12Cd34Ef56Gh78")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 500


def test_invite_syntax() -> None:
    assert invites.parse_request("learner") == InviteRequest("learner")
    assert invites.parse_request("Mentor multi") == InviteRequest("mentor", multi_use=True)
    assert invites.parse_request("learner school=Berufsschule Nord cohort=2026 multi") == InviteRequest(
        "learner", True, "Berufsschule Nord", "2026"
    )
    assert invites.parse_request("learner cohort: A school: B") == InviteRequest("learner", False, "B", "A")
    assert invites.parse_request("") is None
    assert invites.parse_request("admin") is None


async def test_a_forged_revoke_button_from_a_learner_does_nothing(sim: Simulation) -> None:
    sim.add_user("carol", "Carol", language_code="en")
    sim.add_user("mallory", "Mallory", language_code="en")
    code = (await sim.send("carol", "/invites"))[-1]
    assert "Only coordinators" in code.text
    async with sim.tandem.db.unit_of_work() as uow:
        invite = await invites.create(uow, InviteRequest("coordinator"), by=None, now=sim.clock.now())
        invite_code = invite.code
    await sim.send("carol", "/start")  # a question of the welcome flow is left open...
    await sim.send("carol", f"/start {invite_code}")
    stale = await sim.send("carol", "Carol")  # ...and is gone once she is a coordinator
    assert "not expecting a message" in stale[-1].text
    replies = await sim.send("carol", "/invite learner multi")
    assert replies[-1].document and "any number of people" in replies[-1].text
    listing = (await sim.send("carol", "/invites"))[-1]
    data = listing.data[0][0]
    assert data is not None and data.startswith("iv1:")
    await sim.send("mallory", "/start")
    await sim.press_data("mallory", listing.message_id, data)  # a learner replays the coordinator's button
    assert "not for you" in " ".join(sim.toasts("mallory"))
    async with sim.tandem.db.unit_of_work() as uow:
        assert len(await uow.invites.open(sim.clock.now())) == 1  # still open
    await sim.advance(timedelta(days=31))
    async with sim.tandem.db.unit_of_work() as uow:
        assert await uow.invites.open(sim.clock.now()) == []  # expired


@pytest.mark.skipif(
    postgres_server() is None,
    reason="concurrent transactions need PostgreSQL (set TANDEM_TEST_POSTGRES_URL); SQLite has one writer",
)
async def test_five_people_opening_one_coordinator_code_at_once_make_one_coordinator(sim: Simulation) -> None:
    """Each round, five people open the same single-use code at the same moment: their updates
    run in concurrent transactions, and exactly one of them becomes a coordinator."""
    for round_ in range(10):
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        names = [f"p{round_}x{i}" for i in range(5)]
        for name in names:
            sim.add_user(name, language_code="en")
        answers = await asyncio.gather(*(sim.send(name, f"/start {code}") for name in names))
        async with sim.tandem.db.unit_of_work() as uow:
            invite = (await uow.session.execute(select(Invite).where(Invite.code == code))).scalar_one()
            joined = (await uow.session.execute(select(Person).where(Person.invite_id == invite.id))).all()
        assert invite.uses == 1 and len(joined) == 1, f"round {round_}: {len(joined)} coordinators"
        refused = [name for name, replies in zip(names, answers, strict=True) if replies[-1].text == USED]
        assert len(refused) == 4, (round_, [replies[-1].text for replies in answers])
