"""Durable due-jobs, run by a tick: APScheduler drives it in real time, the virtual clock in simulation.

The job rows are the source of truth (APScheduler keeps no job of ours), so a restart loses
nothing and work due while the bot was down runs at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import VirtualClock
from bot.postman import Postman
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 100
SWEEP = 200
STOP_SECONDS = 30.0


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
        self._first = True

    async def tick(self) -> int:
        """Run every job due now (oldest first) and retry undelivered messages; returns jobs run.

        Each job runs just before its message can go (the limiter has room), so what it checks
        (was the session cancelled or moved?) is checked at send time, and a burst of due
        jobs is spread over time at the outbox's pace instead of piling up in memory."""
        ran = 0
        if self._first:  # what a previous process left mid-delivery goes first
            self._first = False
            while await self._postman.sweep(SWEEP, everything=True) == SWEEP:
                pass
        while True:
            async with self._db.unit_of_work() as uow:
                due = [job.id for job in await uow.jobs.due(self._now(), BATCH)]
            for job_id in due:
                await self._postman.limiter.ready()
                await self._run_job(job_id)
            ran += len(due)
            if len(due) < BATCH:
                break
        while await self._postman.sweep(SWEEP) == SWEEP:
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
        self._current: asyncio.Task[object] | None = None
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
        self._current = asyncio.current_task()
        try:
            await self._scheduler.tick()
        except Exception:
            log.exception("scheduler tick failed")

    def start(self) -> None:
        self._aps.start()

    async def stop(self) -> None:
        """Stop ticking and let a tick in progress finish (it holds a database connection)."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
        current = self._current
        if current is not None and not current.done() and current is not asyncio.current_task():
            await asyncio.wait({current}, timeout=STOP_SECONDS)
