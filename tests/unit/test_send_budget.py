"""The bulk budget replicas share through the database: together they never take more than a
second holds, one alone may take all of it, a 429 on one holds the others' bulk too, and replies
never ask the database. On SQLite here, on PostgreSQL in its pass (TANDEM_TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.config import SendRates
from bot.runtime.budget import KEEP_SECONDS, SharedBudget
from bot.runtime.ratelimit import SendLimiter
from storage.database import Database
from storage.models import SendWindow


class Wall:
    """A wall clock that moves when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.25

    def __call__(self) -> float:
        return self.now


async def took(budget: SharedBudget, tries: int) -> int:
    """How many of ``tries`` takes were granted; between two, the other replica's turn (two
    processes run side by side; on SQLite a statement no longer yields to the loop by itself)."""
    taken = 0
    for _ in range(tries):
        taken += await budget.take() == 0.0
        await asyncio.sleep(0)
    return taken


async def test_two_replicas_take_no_more_than_a_second_holds(db: Database) -> None:
    wall = Wall()
    first, second = SharedBudget(db, 12, wall=wall), SharedBudget(db, 12, wall=wall)
    counts = await asyncio.gather(took(first, 20), took(second, 20))
    assert sum(counts) == 12 and min(counts) > 0
    wait = await first.take()
    assert wait == pytest.approx(0.75), "the rest of the second"
    wall.now += 1.0
    assert await took(second, 20) == 12, "one replica alone may take a whole second"


async def test_a_429_on_one_replica_holds_the_others_bulk(db: Database) -> None:
    wall = Wall()
    hit, other = SharedBudget(db, 10, wall=wall), SharedBudget(db, 10, wall=wall)
    wall.now = 1_000_000.0
    hit.pause(2.0)
    await hit.shared()
    assert await hit.take() == pytest.approx(2.0)
    assert await took(other, 5) == 0
    wall.now += 1.5
    assert await took(other, 5) == 0, "the second second is closed too"
    wall.now += 1.0
    assert await took(other, 5) == 5


async def test_old_seconds_are_forgotten(db: Database) -> None:
    wall = Wall()
    budget = SharedBudget(db, 5, wall=wall)
    for _ in range(3):
        await took(budget, 1)
        wall.now += 1.0
    wall.now += KEEP_SECONDS + 1
    await took(budget, 1)
    async with db.unit_of_work() as uow:
        rows = (await uow.session.execute(select(func.count()).select_from(SendWindow))).scalar_one()
    assert rows == 1, "only the current second is kept"


async def test_replies_never_ask_the_database(db: Database) -> None:
    budget = SharedBudget(db, 5, wall=Wall())
    limiter = SendLimiter(SendRates(chat_burst=10), budget=budget)
    for _ in range(5):
        await limiter.acquire(7, reply=True)
    assert budget.claims == 0
    await limiter.acquire(8)
    assert budget.claims == 1
