"""``tandem bench week``: a national programme's week of scheduled messages, on PostgreSQL with two
replicas.

Two parts, one JSON line:

- **The week, computed** (``week_*``), at the size asked (full: 100,000 learners, 50,000 mentors):
  every message the product schedules for the week (``bot.devtools.week``), sent on paper at the
  free budget (25 a second) in the order the planner starts them. This says whether the whole week
  fits its windows, how deep the queue gets, and the least rate that fits the busiest day.
- **The busiest evening, run** at ``scale`` of that population: its people, pairs, sessions and
  due jobs written into a fresh PostgreSQL database, two replica processes
  (``bot.devtools.week_replica``: ``tandem run`` on a shared fast clock) sending them through the
  real adapter to the emulator with Telegram's flood limits on, while a few people chat with the
  bot. Time runs ``speed`` times as fast (by default 1/scale), so the messages each real second
  carries are those of the full population at real speed: against the real budget of 25 a second
  and the emulator's real limits, the scaled evening is as tight as the full one, and its windows
  are ``speed`` times shorter, which makes a tick's delay and the replicas' claims weigh more
  (a conservative test). Reports messages, the share inside their windows, late, early, 429s,
  duplicates, missing, the peak queue (pending jobs past their due time) and the replies' p99.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select

from bot.clock import FastClock, SystemClock
from bot.devtools.bench import add_people, new_people, percentile, remote_emulator
from bot.devtools.bench_webhook import (
    CONVERSATION,
    BenchFailure,
    Replica,
    free_port,
    replica_environment,
    scratch_database,
)
from bot.devtools.fanout import FIRST_USER_ID, pair_row, person_row, session_row
from bot.devtools.week import (
    FULL_LEARNERS,
    FULL_MENTORS,
    Message,
    Week,
    busiest_day,
    compute,
    make_week,
)
from bot.emulator import EmulatorClient
from bot.emulator.state import Entry
from conversations import checkin
from conversations.sessions.planning import JOB
from storage.database import Database
from storage.models import DueJob, Pair, Person, Session
from storage.repositories import table_of
from storage.scratch import POSTGRES_ENV, postgres_server

REPLICAS = 2
CHATTERS = 3
TAP_GAP = 2.0  # seconds between one chatter's messages
SAMPLE_EVERY = 0.5  # seconds between two looks at the queue
TICK_SECONDS = 1.0  # the replicas' tick (real seconds): a fast clock needs frequent looks
TAIL = timedelta(minutes=30)  # simulated time after the last window closes before giving up
STARTING = 30.0  # real seconds for the replicas to start before the evening's clock does
CHUNK = 500
UNANSWERED = 60.0  # seconds a chatter waits for an answer before going on
# How each message reads (English), to tell the kinds apart in the transcript.
MARKERS = {
    "confirm": "Still on with",
    "day": "A reminder: you meet",
    "hour": "In an hour you meet",
    "after": "Did you meet",
}


@dataclass(frozen=True)
class Evening:
    """Which stretch of the busiest day runs for real (local time)."""

    starts: clock_time = clock_time(14)
    hours: float = 9.0


@dataclass(frozen=True)
class Expected:
    chat_id: int
    kind: str
    opens: datetime
    closes: datetime


def wall_now() -> float:
    return SystemClock().now().timestamp()


def kind_of(text: str, learner: bool) -> str:
    for kind, marker in MARKERS.items():
        if text.startswith(marker):
            return kind
    return "checkin" if learner else "other"


async def bench_week(
    learners: int = FULL_LEARNERS,
    mentors: int = FULL_MENTORS,
    *,
    scale: float = 0.01,
    speed: float | None = None,
    framework: str = "aiogram",
    evening: Evening | None = None,
    server: str | None = None,
) -> int:
    server = server or postgres_server()
    if server is None:
        print(
            f"tandem bench week: needs a PostgreSQL server (--db URL, or set {POSTGRES_ENV})", file=sys.stderr
        )
        return 2
    if not 0 < scale <= 1:
        print(
            "tandem bench week: --scale is a share of the population, above 0 and at most 1", file=sys.stderr
        )
        return 2
    evening = evening or Evening()
    speed = speed or 1 / scale
    week = await make_week(learners, mentors)
    computed = compute(week)
    small = await make_week(max(1, round(learners * scale)), max(1, round(mentors * scale)))
    day = busiest_day_of(week)
    begins = datetime.combine(day, evening.starts, week.zone).astimezone(UTC)
    ends = begins + timedelta(hours=evening.hours)
    chosen = [m for m in small.messages if begins <= m.job.opens and m.job.due < ends]
    try:
        run = await run_evening(small, chosen, begins, speed, framework, server)
    except BenchFailure as exc:
        print(f"tandem bench week: {exc}", file=sys.stderr)
        return 1
    result = {
        "framework": framework,
        "cores": os.cpu_count(),
        "week_learners": learners,
        "week_mentors": mentors,
        "week_messages": computed.messages,
        "week_kinds": week.kinds(),
        "week_hours_at_25": round(computed.messages / 25 / 3600, 2),
        "week_busiest_hour": computed.busiest_hour,
        "week_late": computed.late,
        "week_early": computed.early,
        "week_ahead_of_due": computed.ahead,
        "week_peak_queue": computed.peak_queue,
        "week_peak_queue_at": computed.peak_queue_at.astimezone(week.zone).strftime("%a %H:%M")
        if computed.peak_queue_at
        else None,
        "week_needs_per_s": round(computed.needs_per_second, 2),
        "learners": small.learners,
        "mentors": small.mentors,
        "scale": scale,
        "speed": round(speed, 2),
        "replicas": REPLICAS,
        "evening": f"{begins.astimezone(week.zone):%a %H:%M}+{evening.hours:g}h",
        **run,
    }
    print(json.dumps(result))
    return 0


def busiest_day_of(week: Week) -> Any:
    jobs = busiest_day(week)
    if not jobs:
        raise ValueError("a week with no messages")
    return Counter(job.closes.astimezone(week.zone).date() for job in jobs).most_common(1)[0][0]


async def run_evening(
    week: Week, chosen: list[Message], begins: datetime, speed: float, framework: str, server: str
) -> dict[str, Any]:
    async with remote_emulator(limits=True) as client, scratch_database(server) as url:
        db = Database(url)
        try:
            expected, chats = await seed(db, week, chosen, begins)
        finally:
            await db.dispose()
        await add_people(client, sorted(chats))
        wall = wall_now() + STARTING
        clock = FastClock(begins, speed, wall)
        last = max((e.closes for e in expected), default=begins) + TAIL
        follower = Follower(client, chats, clock)
        async with follower, replicas_running(client.base_url, url, framework, begins, speed, wall):
            ready = wall_now() - wall  # below 0: both were ready before the evening began
            done = asyncio.Event()
            replies: list[float] = []
            tasks = [asyncio.create_task(chat(client, follower, done, replies)) for _ in range(CHATTERS)]
            depth: list[int] = []
            tasks.append(asyncio.create_task(watch_queue(url, clock, depth)))
            try:
                while follower.count < len(expected) and clock.now() < last:
                    await follower.next_message(0.5)
                await asyncio.sleep(2.0)  # anything sent twice arrives now
                seconds = wall_now() - wall
            finally:
                done.set()
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        stats = await client.stats()
    return figures(expected, follower.sent, chats) | {
        "seconds": round(seconds, 1),
        "ready_s": round(ready, 1),
        "http_429": stats["too_many_requests"],
        "paid": stats["paid_broadcasts"],
        "peak_queue": max(depth, default=0),
        "replies": len(replies),
        "replies_p99_ms": round(percentile(replies, 99), 1),
    }


def figures(
    expected: list[Expected], sent: list[tuple[int, str, datetime]], chats: dict[int, bool]
) -> dict[str, Any]:
    """Each kind's messages to a chat matched in time order with its expected windows."""
    wanted: dict[tuple[int, str], list[Expected]] = defaultdict(list)
    for e in expected:
        wanted[(e.chat_id, e.kind)].append(e)
    got: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for chat_id, kind, at in sent:
        got[(chat_id, kind)].append(at)
    inside = early = duplicates = missing = 0
    late: Counter[str] = Counter()
    worst = 0.0
    for key in wanted.keys() | got.keys():
        windows = sorted(wanted.get(key, []), key=lambda e: e.closes)
        times = sorted(got.get(key, []))
        duplicates += max(0, len(times) - len(windows))
        missing += max(0, len(windows) - len(times))
        for window, at in zip(windows, times, strict=False):
            late[window.kind] += at > window.closes
            worst = max(worst, (at - window.closes).total_seconds())
            early += at < window.opens
            inside += window.opens <= at <= window.closes
    return {
        "messages": len(expected),
        "delivered": len(sent),
        "inside": inside,
        "share_inside": round(inside / len(expected), 4) if expected else 1.0,
        "late": late.total(),
        "late_by_kind": {kind: n for kind, n in late.items() if n},
        "most_late_s": round(worst, 1),
        "early": early,
        "duplicates": duplicates,
        "missing": missing,
    }


async def seed(
    db: Database, week: Week, chosen: list[Message], now: datetime
) -> tuple[list[Expected], dict[int, bool]]:
    """The week's people and pairs, the sessions of the chosen messages and their due jobs, as the
    product writes them; returns what should arrive, and each chat (is it a learner's)."""
    people = week.learners + week.mentors
    chats = {FIRST_USER_ID + n: n < week.learners for n in range(people)}
    person_of: dict[int, int] = {}
    async with db.unit_of_work() as uow:
        run = uow.session.execute
        rows = [person_row(FIRST_USER_ID + n, 0 if n < week.learners else 1, now) for n in range(people)]
        for start in range(0, len(rows), CHUNK):
            await run(insert(table_of(Person)), rows[start : start + CHUNK])
        found = await run(select(Person.id, Person.telegram_user_id))
        person_of = {telegram_id - FIRST_USER_ID: person_id for person_id, telegram_id in found.all()}
        pairs = [
            pair_row(person_of[learner], person_of[mentor], starts.astimezone(week.zone), now)
            for learner, mentor, starts in week.pairs
        ]
        for start in range(0, len(pairs), CHUNK):
            await run(insert(table_of(Pair)), pairs[start : start + CHUNK])
        found = await run(select(Pair.id, Pair.learner_id))
        pair_of = {learner: pair_id for pair_id, learner in found.all()}
        moments = sorted({(m.pair, m.starts) for m in chosen})
        sessions = [session_row(pair_of[person_of[pair]], starts, now) for pair, starts in moments]
        for start in range(0, len(sessions), CHUNK):
            await run(insert(table_of(Session)), sessions[start : start + CHUNK])
        made = await run(select(Session.id, Session.pair_id, Session.starts_at))
        session_of = {(pair_id, starts): session_id for session_id, pair_id, starts in made.all()}
        jobs = [
            job_row(m, person_of, session_of[(pair_of[person_of[m.pair]], m.starts)], now) for m in chosen
        ]
        for start in range(0, len(jobs), CHUNK):
            await run(insert(table_of(DueJob)), jobs[start : start + CHUNK])
    expected = [Expected(FIRST_USER_ID + m.person, m.kind, m.job.opens, m.job.closes) for m in chosen]
    return expected, chats


def job_row(message: Message, person_of: dict[int, int], session_id: int, now: datetime) -> dict[str, Any]:
    """The due job ``schedule_messages`` writes for this message, with the database's ids."""
    person_id = person_of[message.person]
    payload: dict[str, Any]
    if message.kind == "checkin":
        kind, payload = checkin.JOB, {"person_id": person_id, "session": session_id}
        key = f"checkin:{session_id}"
    else:
        kind, payload = JOB, {"person_id": person_id, "session": session_id, "kind": message.kind}
        key = f"session:{session_id}:{message.kind}:{person_id}"
    job = message.job
    return {
        "kind": kind,
        "payload": payload,
        "due_at": job.due,
        "opens_at": job.opens,
        "closes_at": job.closes,
        "dedupe_key": key,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }


class Follower:
    """Follows the emulator's transcript: the scheduled messages (when, in simulated time, they
    arrived) and the replies the chatters wait for."""

    def __init__(self, client: EmulatorClient, chats: dict[int, bool], clock: FastClock) -> None:
        self._client, self._chats, self._clock = client, chats, clock
        self.sent: list[tuple[int, str, datetime]] = []
        self._waiting: dict[int, tuple[str, asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def next_message(self, seconds: float) -> None:
        """Until the next scheduled message arrives, or ``seconds`` pass."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), seconds)
        self._arrived.clear()

    @property
    def count(self) -> int:
        return len(self.sent)

    async def __aenter__(self) -> Follower:
        self._task = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def expect(self, chat_id: int, marker: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (marker, future)
        return future

    async def _follow(self) -> None:
        """The event stream, followed again where it stopped when its request times out (an
        HTTP client's total timeout is minutes, an evening is longer)."""
        seen = 0
        while True:
            with contextlib.suppress(TimeoutError, aiohttp.ClientError):
                async for entry in self._client.events(since_seq=seen):
                    seen = entry.seq
                    self._take(entry)
            await asyncio.sleep(0.1)  # not a busy loop if the emulator went away

    def _take(self, entry: Entry) -> None:
        if entry.sender != "bot" or entry.edit:
            return
        if entry.chat_id in self._chats:
            at = self._clock.at(entry.t.timestamp())
            self.sent.append((entry.chat_id, kind_of(entry.text, self._chats[entry.chat_id]), at))
            self._arrived.set()
        waiting = self._waiting.get(entry.chat_id)
        if waiting is not None and waiting[0] in entry.text and not waiting[1].done():
            waiting[1].set_result(None)


async def chat(
    client: EmulatorClient, follower: Follower, done: asyncio.Event, latencies: list[float]
) -> None:
    """New people applying as mentors, typing their answers, one after another; each message
    timed until the bot's answer to it arrives."""
    while not done.is_set():
        (user_id,) = await new_people(client, 1)
        for text, marker in CONVERSATION:
            answered = follower.expect(user_id, marker)
            sent = time.perf_counter()
            await client.send_text(user_id, text)
            with contextlib.suppress(TimeoutError):  # counted as a minute's wait
                await asyncio.wait_for(answered, UNANSWERED)
            latencies.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(TAP_GAP)


async def watch_queue(url: str, clock: FastClock, depth: list[int]) -> None:
    """How many jobs are past their due time and not yet run, every half second."""
    db = Database(url)
    try:
        while True:
            async with db.unit_of_work() as uow:
                query = select(func.count()).select_from(DueJob)
                query = query.where(DueJob.status == "pending", DueJob.due_at <= clock.now())
                depth.append(int((await uow.session.execute(query)).scalar_one()))
            await asyncio.sleep(SAMPLE_EVERY)
    finally:
        await db.dispose()


@contextlib.asynccontextmanager
async def replicas_running(
    api_url: str, database_url: str, framework: str, begins: datetime, speed: float, wall: float
) -> AsyncIterator[None]:
    """Two replicas on the shared fast clock: the first polls (the chatters' updates come to it),
    the second takes updates by webhook (none come): both tick and send."""
    replicas: list[Replica] = []
    with tempfile.TemporaryDirectory(prefix="tandem-week-") as folder:
        try:
            for index in range(REPLICAS):
                port = free_port()
                env = replica_environment(REPLICAS, framework, api_url, database_url, port) | {
                    "TANDEM_SEND_LIMITS": "true",
                    "TANDEM_TICK_SECONDS": str(TICK_SECONDS),
                    "TANDEM_POLLING_TIMEOUT": "1",
                }
                log = Path(folder) / f"replica-{index}.log"
                args = [begins.isoformat(), repr(speed), repr(wall), *(("--webhook",) if index else ())]
                with log.open("wb") as output:
                    process = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "bot.devtools.week_replica",
                        *args,
                        env=env,
                        cwd=folder,
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=output,
                        stderr=output,
                    )
                replicas.append(Replica(process, port, log))
            async with aiohttp.ClientSession() as http:
                for replica in replicas:
                    await replica.ready(http)
            yield
        finally:
            codes = await asyncio.gather(*(replica.stop() for replica in replicas), return_exceptions=True)
        for replica, code in zip(replicas, codes, strict=True):
            if isinstance(code, BaseException):
                raise code
            if code != 0:
                raise replica.failure(f"exited with {code} after SIGTERM")
