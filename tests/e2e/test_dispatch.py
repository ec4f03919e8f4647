"""The dispatcher through both adapters: a burst of due reminders is spread below Telegram's
limits (none refused, none lost, none twice), a 429 pauses sending and nothing is lost, and a
reminder whose session is cancelled while it waits its turn is not sent."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.devtools.fanout import REMINDER, seed_due_reminders
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import Session
from tests.journeys import START


def reminded(sim: Simulation) -> Counter[int]:
    return Counter(
        e.chat_id for e in sim.emulator.transcript() if e.sender == "bot" and REMINDER in (e.text or "")
    )


async def monday_morning(sim: Simulation, people: int) -> list[int]:
    ids = await seed_due_reminders(sim.tandem.db, sim.clock.now(), people)
    for user_id in ids:
        sim.emulator.add_user(f"Person {user_id}", user_id=user_id, language_code="en")
    return ids


@pytest.fixture
async def telegram_limits(framework: str) -> AsyncIterator[Simulation]:
    """Telegram's own limits in the emulator (30 a second per bot), the bot's defaults (25)."""
    simulation = Simulation(framework=framework, start=START, limits=Limits())  # type: ignore[arg-type]
    await simulation.start()
    try:
        yield simulation
    finally:
        await simulation.stop()


async def test_a_burst_is_spread_below_the_limits(telegram_limits: Simulation) -> None:
    sim = telegram_limits
    ids = await monday_morning(sim, 80)
    await sim.advance(timedelta(seconds=1))
    assert reminded(sim) == Counter(ids)
    assert sim.emulator.stats.too_many_requests == 0
    limiter = sim.tandem.dispatcher.postman.limiter
    assert limiter.stats.waited > 0, "80 at once is more than a second's worth: some waited"


async def test_a_429_pauses_sending_and_loses_nothing(telegram_limits: Simulation) -> None:
    sim = telegram_limits
    ids = await monday_morning(sim, 20)
    sim.emulator.force_429(ids[5], retry_after=1)
    await sim.advance(timedelta(seconds=1))
    assert reminded(sim) == Counter(ids)
    assert sim.emulator.stats.too_many_requests == 1
    assert sim.tandem.dispatcher.postman.limiter.stats.pauses == 1


async def test_a_session_cancelled_while_its_reminder_waits_is_not_reminded(framework: str) -> None:
    sim = Simulation(framework=framework, start=START, overrides={"send_per_second": 10.0})  # type: ignore[arg-type]
    async with sim:
        ids = await monday_morning(sim, 30)
        fan_out = asyncio.create_task(sim.advance(timedelta(seconds=1)))
        await sim.emulator.wait_for(lambda: sum(reminded(sim).values()) >= 5, timeout=30)
        async with sim.tandem.db.unit_of_work() as uow:  # the last pair's session, cancelled now
            learner = await uow.people.by_telegram_id(ids[-2])
            pair = await uow.pairs.current_for(learner.id) if learner else None
            assert pair is not None
            (session,) = await uow.sessions.upcoming(pair.id, sim.clock.now())
            await uow.session.execute(
                update(Session).where(Session.id == session.id).values(status="cancelled")
            )
        await fan_out
    got = reminded(sim)
    assert set(got) == set(ids[:-2]), "everyone but the cancelled pair"
    assert max(got.values()) == 1
