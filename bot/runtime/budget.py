"""The overall budget for bulk messages (reminders, notifications, announcements; never replies),
shared by replicas.

One process (SQLite is always one) keeps it in memory (``ratelimit.LocalBudget``). Replicas
(PostgreSQL) share it through the database: each second is a row of ``send_windows``, and a
replica claims a few of that second's messages at a time with one atomic upsert, so together
they never take more than the budget, and a replica with a fan-out to send may use all of it
while the others are idle. A 429 fills the coming seconds' rows for its ``retry_after``, so every
replica's bulk waits, not only the one Telegram answered.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from bot.runtime.ratelimit import TokenBucket
from storage.database import Database

log = logging.getLogger(__name__)

KEEP_SECONDS = 60  # windows older than this are deleted, once a minute, by whoever claims then
RETRY_SECONDS = 1.0  # the database did not answer: bulk waits this long and asks again


class SharedBudget:
    """The budget of all replicas: whole messages a second, claimed from the database.

    A claim asks for one message, and for twice as many as the last while this replica keeps
    using up what it got (a fan-out), up to a quarter of the second; what is left unused when
    the second ends is lost, so an idle replica holds back at most that much from the others.
    Seconds are the replicas' wall clocks (kept in step by NTP, as due times already need)."""

    def __init__(self, db: Database, per_second: float, *, wall: Callable[[], float] = time.time) -> None:
        self._db = db
        self.limit = max(1, round(per_second))
        self._wall = wall
        self._most = max(1, self.limit // 4)
        self._second = -1  # the second of what this replica holds
        self._left = 0
        self._want = 1
        self._full_until = 0.0  # nothing to claim before this moment (a full second, a 429)
        self._swept = 0
        self._filling: set[asyncio.Task[None]] = set()
        self.claims = 0
        # The seconds are the calendar's, Telegram's window slides: a replica that used the end
        # of one second and the start of the next would send twice the limit in one sliding
        # second. Its own pace, at most the limit in any sliding second, keeps that from it.
        self._pace = TokenBucket(per_second, max(1.0, per_second), wall())

    def wait_time(self) -> float:
        now = self._wall()
        paced = self._pace.wait_time(now)
        if int(now) == self._second and self._left > 0:
            return paced
        return max(paced, self._full_until - now)

    async def take(self) -> float:
        now = self._wall()
        if (paced := self._pace.wait_time(now)) > 0:
            return paced
        second = int(now)
        if second == self._second and self._left > 0:
            self._left -= 1
            self._pace.take(now)
            return 0.0
        if now < self._full_until:
            return self._full_until - now
        want = min(self._want * 2, self._most) if second - self._second <= 1 else 1
        try:
            got = await self._claim(second, want)
        except Exception as exc:  # the database is away: bulk waits, replies go on
            log.warning("could not claim from the send budget (%s)", type(exc).__name__)
            return RETRY_SECONDS
        self._second, self._want = second, max(want, 1)
        if got == 0:
            self._left = 0
            self._full_until = second + 1.0
            return max(0.0, self._full_until - self._wall())
        self._left = got - 1
        self._pace.take(now)
        return 0.0

    async def _claim(self, second: int, want: int) -> int:
        self.claims += 1
        async with self._db.unit_of_work() as uow:
            if second - self._swept >= KEEP_SECONDS:
                await uow.send_windows.forget_before(second - KEEP_SECONDS)
                self._swept = second
            return await uow.send_windows.claim(second, want, self.limit)

    def pause(self, seconds: float) -> None:
        """Hold this replica's bulk at once, and the others' as soon as the seconds are written."""
        now = self._wall()
        until = now + seconds
        self._left = 0
        self._full_until = max(self._full_until, until)
        task = asyncio.get_running_loop().create_task(self._close(range(int(now), math.ceil(until))))
        self._filling.add(task)
        task.add_done_callback(self._filling.discard)

    async def shared(self) -> None:
        """Until the seconds of the 429s so far are written down for the other replicas."""
        await asyncio.gather(*self._filling)

    async def _close(self, seconds: range) -> None:
        try:
            async with self._db.unit_of_work() as uow:
                await uow.send_windows.fill(seconds, self.limit)
        except Exception as exc:
            log.warning("could not share a 429's pause (%s)", type(exc).__name__)
