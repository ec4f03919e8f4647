"""Durable due-jobs, run by a tick: APScheduler drives it in real time, the virtual clock in simulation.

The job rows are the source of truth (APScheduler keeps no job of ours), so a restart loses
nothing and work due while the bot was down runs at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import VirtualClock
from bot.runtime.logs import failure
from bot.runtime.postman import Postman
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 100
SWEEP = 50  # a sweep batch is sent before a stop is looked at again: 2 s at 25/s
STOP_SECONDS = 30.0
LONG_TICK_SECONDS = 3600.0


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock_now: Callable[[], datetime],
        run_job: Callable[[int], Awaitable[None]],
        postman: Postman,
    ) -> None:
        self._db = db
        self._now = clock_now
        self._run_job = run_job
        self._postman = postman
        self._started = clock_now()
        self._first = True
        self._stopping = False

    def stop_soon(self) -> None:
        """Finish the job in progress and run no more (shutdown: the rest stay for later)."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def tick(self) -> int:
        """Run every job due now (oldest first) and retry undelivered messages; returns jobs run.

        Each job runs just before its message can go (the limiter has room), so what it checks
        (was the session cancelled or moved?) is checked at send time, and a burst of due
        jobs is spread over time at the outbox's pace instead of piling up in memory."""
        ran = 0
        if self._first and self._db.is_sqlite:
            # What a previous process left mid-delivery goes first (only that: the rows of the
            # updates this one is handling are theirs to deliver). Not on PostgreSQL: there the
            # rows may be another replica's, still being delivered; orphans go after HANDOVER.
            self._first = False
            while await self._postman.sweep(SWEEP, left_before=self._started) == SWEEP:
                pass
        after: tuple[datetime, int] | None = None  # a job skipped (busy elsewhere) waits a tick
        while not self._stopping:
            async with self._db.unit_of_work() as uow:
                due = [(job.due_at, job.id) for job in await uow.jobs.due(self._now(), BATCH, after)]
            for _, job_id in due:
                await self._postman.limiter.ready()
                if self._stopping:
                    break
                await self._run_job(job_id)
                ran += 1
            if len(due) < BATCH:
                break
            after = due[-1]
        while not self._stopping and await self._postman.sweep(SWEEP) == SWEEP:
            pass
        return ran

    async def next_due_at(self) -> datetime | None:
        async with self._db.unit_of_work() as uow:
            return await uow.jobs.next_due_at()

    async def advance(self, clock: VirtualClock, until: datetime) -> int:
        """Move a virtual clock to ``until``, stopping at each due time on the way to run its jobs."""
        ran = 0
        while True:
            due_at = await self.next_due_at()
            if due_at is None or due_at > until:
                break
            if due_at > clock.now():
                clock.set(due_at)
            ran += await self.tick()
        clock.set(until)
        ran += await self.tick()
        return ran


class RealTimeTicker:
    """Calls ``tick`` every few seconds with APScheduler; one tick at a time, missed ticks merged."""

    def __init__(self, scheduler: Scheduler, seconds: float) -> None:
        self._scheduler = scheduler
        self._seconds = seconds
        self._current: asyncio.Task[object] | None = None
        self._beat = time.monotonic()  # the last tick's start or end
        self._ticking = False
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._aps.add_job(
            self._tick,
            IntervalTrigger(seconds=seconds),
            id="tandem-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def _tick(self) -> None:
        if self._scheduler.stopping:  # started by APScheduler just before its shutdown
            return
        self._current = asyncio.current_task()
        self._beat, self._ticking = time.monotonic(), True
        try:
            await self._scheduler.tick()
        except Exception as exc:
            failure(log, exc, "scheduler tick failed")
        finally:
            self._beat, self._ticking = time.monotonic(), False

    def alive(self) -> bool:
        """Ticking: the last tick ended lately, or one is running (a long one sends at the
        outbox's pace: 10,000 reminders take minutes)."""
        limit = LONG_TICK_SECONDS if self._ticking else 3 * self._seconds + 10
        return self._aps.running and time.monotonic() - self._beat < limit

    def start(self) -> None:
        self._aps.start()

    async def stop(self) -> None:
        """Stop ticking; a tick in progress finishes its job in progress and runs no more.

        APScheduler is shut down only after that: its shutdown cancels the jobs it is running,
        and a tick cancelled between sending a message and recording it would leave the row to
        be sent again by the next process."""
        self._scheduler.stop_soon()
        current = self._current
        if current is not None and not current.done() and current is not asyncio.current_task():
            await asyncio.wait({current}, timeout=STOP_SECONDS)
        if self._aps.running:
            self._aps.shutdown(wait=False)
