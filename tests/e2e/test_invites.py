"""Invite codes and the /invite syntax; the role checks are in tests/scenarios and below, end to end."""

from __future__ import annotations

from datetime import timedelta

from bot.services import invites
from bot.services.invites import InviteRequest
from bot.simulation import Simulation


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
