"""Durable due-jobs, run by a tick: APScheduler drives it in real time, the virtual clock in simulation.

The job rows are the source of truth (APScheduler keeps no job of ours), so a restart loses
nothing and work due while the bot was down runs at the next tick. Which jobs run when is the
planner's (``bot.runtime.planner``): what is due, and what must start early to stay inside its
window; a load that cannot fit is reported ahead of time (``bot.services.overload``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import VirtualClock
from bot.context import EARLIEST, window_of
from bot.runtime import metrics
from bot.runtime.logs import failure
from bot.runtime.planner import Plan, jobs_of, plan
from bot.runtime.postman import Postman
from bot.services import overload
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 100  # jobs run between two plans (4 s at 25/s)
SWEEP = 50  # a sweep batch is sent before a stop is looked at again: 2 s at 25/s
STOP_SECONDS = 30.0
LONG_TICK_SECONDS = 3600.0
HORIZON = EARLIEST  # the plan looks this far ahead: no window opens earlier before its due time
FORECAST = timedelta(hours=24)  # how far ahead a load that cannot fit is looked for
FORECAST_EVERY = timedelta(minutes=5)
WARN_EVERY = 60.0  # seconds between two log lines about the same overload


@dataclass(frozen=True, slots=True)
class Sending:
    """What the planner counts on: the bulk budget (messages a second), the time until the next
    look (a tick, and a little more), and whether paid broadcasts may take what cannot fit."""

    per_second: float = 25.0
    lead: timedelta = timedelta(seconds=7)
    paid: bool = False


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock_now: Callable[[], datetime],
        run_job: Callable[[int, bool], Awaitable[None]],
        postman: Postman,
        sending: Sending | None = None,
    ) -> None:
        self._db = db
        self._now = clock_now
        self._run_job = run_job
        self._postman = postman
        self._sending = sending or Sending()
        self._started = clock_now()
        self._first = True
        self._stopping = False
        self._forecast_at: datetime | None = None
        self._warned_at = 0.0

    def stop_soon(self) -> None:
        """Finish the job in progress and run no more (shutdown: the rest stay for later)."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def tick(self) -> int:
        """Run the jobs the plan says run now (earliest deadline first), then retry undelivered
        messages; returns jobs run.

        Each job runs just before its message can go (the limiter has room), so what it checks
        (was the session cancelled or moved?) is checked at send time, and a burst of due jobs
        is spread over time at the outbox's pace instead of piling up in memory. The plan is
        made again after each batch, as time passes and jobs come and go."""
        ran = 0
        if self._first and self._db.is_sqlite:
            # What a previous process left mid-delivery goes first (only that: the rows of the
            # updates this one is handling are theirs to deliver). Not on PostgreSQL: there the
            # rows may be another replica's, still being delivered; orphans go after HANDOVER.
            self._first = False
            while await self._postman.sweep(SWEEP, left_before=self._started) == SWEEP:
                pass
        await self._forecast()
        tried: set[int] = set()  # run, or left for later (busy on another replica)
        while not self._stopping:
            planned = await self.plan()
            now_run = [(job_id, paid) for job_id, paid in planned.run if job_id not in tried]
            if not now_run:
                break
            async for job_id, paid in self._in_turn(now_run):
                await self._run_job(job_id, paid)
                tried.add(job_id)
                ran += 1
                metrics.JOBS_EARLY.inc(job_id in planned.early)
                metrics.PAID_BROADCASTS.inc(paid)
        while not self._stopping and await self._postman.sweep(SWEEP) == SWEEP:
            pass
        return ran

    async def _in_turn(self, run: list[tuple[int, bool]]) -> AsyncIterator[tuple[int, bool]]:
        """A batch of the jobs to run, as they may run: one for the free budget whenever it has
        room (just before its message can go), paid broadcasts while it has none; stops when
        asked to."""
        free = deque([job_id for job_id, paid in run if not paid][:BATCH])
        paid = deque([job_id for job_id, paid in run if paid][:BATCH])
        limiter = self._postman.limiter
        for _ in range(BATCH):
            if not (free or paid) or self._stopping:
                return
            if free and (not paid or limiter.wait_time(None) == 0):
                await limiter.ready()
                if self._stopping:
                    return
                yield free.popleft(), False
            else:
                yield paid.popleft(), True

    async def plan(self, ahead: timedelta = HORIZON) -> Plan:
        """The plan now, over the jobs whose windows open within ``ahead``."""
        now = self._now()
        async with self._db.unit_of_work() as uow:
            if ahead == HORIZON and not await uow.jobs.any_open(now, EARLIEST):
                return Plan()
            rows = await uow.jobs.windows(now + ahead, EARLIEST)
        s = self._sending
        result = plan(jobs_of(rows), now, rate=s.per_second, lead=s.lead, paid=s.paid)
        if result.late:
            await self._report(result)
        return result

    async def _forecast(self) -> None:
        """Every few minutes, look a day ahead for a load that cannot fit its windows."""
        now = self._now()
        if self._forecast_at is not None and now - self._forecast_at < FORECAST_EVERY:
            return
        self._forecast_at = now
        async with self._db.unit_of_work() as uow:
            rows = await uow.jobs.windows(now + FORECAST, EARLIEST)
        s = self._sending
        ahead = plan(jobs_of(rows), now, rate=s.per_second, lead=s.lead)
        metrics.BULK_EXPECTED_LATE.set(ahead.late)
        if ahead.late:
            await self._report(ahead)

    async def _report(self, ahead: Plan) -> None:
        """A load that cannot fit: a log line (at most once a minute), and, unless paid broadcasts
        take it, a message to the coordinators (once per hour of windows, whichever replica)."""
        assert ahead.late_until is not None
        if time.monotonic() - self._warned_at >= WARN_EVERY:
            self._warned_at = time.monotonic()
            log.warning(
                "bulk messages cannot all go inside their windows: %d of the %d due by %s would be"
                " late at %.1f a second%s",
                ahead.late,
                ahead.late_due,
                ahead.late_until.isoformat(timespec="minutes"),
                ahead.rate,
                " (sent as paid broadcasts)" if self._sending.paid else "",
            )
        if self._sending.paid:
            return
        now = self._now()
        opens, closes = window_of(now, now, now + timedelta(minutes=2))
        async with self._db.unit_of_work() as uow:
            await uow.jobs.add_once(
                {
                    "kind": overload.JOB,
                    "payload": overload.payload(ahead.late, ahead.late_due, ahead.late_until, ahead.rate),
                    "due_at": now,
                    "opens_at": opens,
                    "closes_at": closes,
                    "dedupe_key": overload.key(ahead.late_until),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
            )

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
