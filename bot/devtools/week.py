"""A programme's week of scheduled messages, and what the planner makes of it at the free rate.

The week is made the product's way: learners paired with mentors (a mentor takes several
learners when there are more of them), each pair with a weekly slot, most on weekday evenings,
and each session's messages are the due jobs ``conversations.sessions.planning.schedule_messages``
writes ("still on?" two days before, the reminder the day before, "in an hour", "did you meet?",
the learner's check-in the day after), with the windows it gives them. The week is a steady
state: a job due outside the week (a Monday's "still on?" falls on the Saturday before) is moved
by whole weeks into it, as the same slot's job of the week before or after would be.

``compute`` sends such a week on paper, second by second: the jobs start when the planner would
start them (``bot.runtime.planner.latest_starts``: at their due time, or early inside their
window when more is due than fits), earliest deadline first, at the free rate. That is how the
whole week is measured at full size; ``bench_week`` sends its busiest evening for real.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from bot.context import Context, window_of
from bot.runtime.planner import PLANNED_SHARE, Job, latest_starts
from conversations import checkin
from conversations.sessions.planning import schedule_messages

FULL_LEARNERS, FULL_MENTORS = 100_000, 50_000
MONDAY = date(2027, 1, 11)  # a week with no clock change and no holiday near it
WEEK = timedelta(days=7)
PEAK_SHARE = 0.7  # of the sessions on a weekday evening
PEAK_DAYS = range(4)  # Monday to Thursday
PEAK_TIMES = tuple(time(17 + n // 2, 30 * (n % 2)) for n in range(6))  # 17:00 .. 19:30
OTHER_TIMES = tuple(time(9 + n // 2, 30 * (n % 2)) for n in range(25))  # 09:00 .. 21:00
QUIET = "review"  # the one session job that sends nothing (it raises signals for coordinators)


@dataclass(frozen=True, slots=True)
class Message:
    """One scheduled message of the week: the job, whom it goes to, and its session."""

    job: Job
    kind: str  # confirm, day, hour, after, checkin
    person: int  # index: learners 0 .. L-1, mentors L .. L+M-1
    pair: int
    starts: datetime  # its session


@dataclass
class Week:
    learners: int
    mentors: int
    zone: ZoneInfo
    pairs: list[tuple[int, int, datetime]]  # learner, mentor, the session's start this week
    messages: list[Message]

    def kinds(self) -> dict[str, int]:
        return dict(Counter(m.kind for m in self.messages))


class Recorder:
    """Stands in for a Context where ``schedule_messages`` needs one: it keeps the jobs scheduled
    (their windows made sound by the same ``window_of``) instead of writing them."""

    def __init__(self, zone: str, now: datetime) -> None:
        self.programme_zone = zone
        self.now = now
        self.jobs: list[tuple[str, datetime, dict[str, Any], datetime, datetime]] = []

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
        window: tuple[datetime | None, datetime | None] = (None, None),
    ) -> None:
        self.jobs.append((kind, due_at, payload or {}, *window_of(due_at, *window)))


def slot_of(rng: random.Random) -> tuple[int, time]:
    """A pair's weekly slot: most on a weekday evening, the rest anywhere in the week's daytime."""
    if rng.random() < PEAK_SHARE:
        return rng.choice(PEAK_DAYS), rng.choice(PEAK_TIMES)
    while True:
        weekday, at = rng.randrange(7), rng.choice(OTHER_TIMES)
        if not (weekday in PEAK_DAYS and at in PEAK_TIMES):
            return weekday, at


async def make_week(learners: int, mentors: int, zone: str = "Europe/Berlin", seed: int = 1) -> Week:
    """Every learner paired (learner i with mentor i mod M) and the week's messages."""
    if learners < 1 or mentors < 1:
        raise ValueError("a week needs at least one learner and one mentor")
    rng = random.Random(seed)
    local = ZoneInfo(zone)
    week_start = datetime.combine(MONDAY, time(0), local).astimezone(UTC)
    recorder = Recorder(zone, week_start - WEEK)  # planned a while ago: nothing is "now"
    pairs: list[tuple[int, int, datetime]] = []
    messages: list[Message] = []
    for learner in range(learners):
        weekday, at = slot_of(rng)
        starts = datetime.combine(MONDAY + timedelta(days=weekday), at, local).astimezone(UTC)
        pair = SimpleNamespace(learner_id=learner, mentor_id=learners + learner % mentors)
        session = SimpleNamespace(id=learner, starts_at=starts)
        recorder.jobs.clear()
        await schedule_messages(cast(Context, recorder), cast(Any, pair), cast(Any, session))
        pairs.append((learner, pair.mentor_id, starts))
        for kind, due, payload, opens, closes in recorder.jobs:
            label = "checkin" if kind == checkin.JOB else str(payload["kind"])
            if label == QUIET:
                continue
            shift = WEEK * ((due - week_start) // WEEK)  # into this week, as the slot's other weeks
            job = Job(len(messages), due - shift, opens - shift, closes - shift)
            messages.append(Message(job, label, int(payload["person_id"]), learner, starts - shift))
    return Week(learners, mentors, local, pairs, messages)


@dataclass
class Computed:
    """The week sent on paper at ``rate`` a second."""

    messages: int
    late: int  # after its window closed
    early: int  # before its window opened
    ahead: int  # inside its window, before its due time (the planner started it early)
    peak_queue: int  # most messages past their due time and not yet sent
    peak_queue_at: datetime | None
    busiest_hour: int  # most messages due in one clock hour
    needs_per_second: float  # the least free rate at which the planner fits the busiest day
    sent_at: dict[int, float] = field(default_factory=dict, repr=False)


def released(jobs: list[Job], start: datetime, rate: float, lead: timedelta) -> list[tuple[float, Job]]:
    """When the planner starts each job (seconds from ``start``): at its due time, or as late as
    it may with everything after it on time, ``lead`` before that (its next look); never before
    its window opens. A job that cannot fit starts at its due time (it will be late)."""
    starts, _ = latest_starts(jobs, start, rate * PLANNED_SHARE, lead)
    out = []
    for job in jobs:
        due = (job.due - start).total_seconds()
        opens = (job.opens - start).total_seconds()
        begin = min(due, starts[job.id] - lead.total_seconds()) if job.id in starts else due
        out.append((max(opens, begin), job))
    out.sort(key=lambda pair: pair[0])
    return out


def compute(week: Week, rate: float = 25.0, lead: timedelta = timedelta(seconds=7)) -> Computed:
    """Send the week at ``rate`` messages a second, each second's worth earliest deadline first.
    The queue is what is past its due time and not yet sent (as ``bench_week`` counts it in the
    database)."""
    start = datetime.combine(MONDAY, time(0), week.zone).astimezone(UTC)
    jobs = [m.job for m in week.messages]
    order = released(jobs, start, rate, lead)
    dues = sorted(((job.due - start).total_seconds(), job.id) for job in jobs)
    ready: list[tuple[datetime, int, Job]] = []
    sent_at: dict[int, float] = {}
    late = early = ahead = peak = overdue = 0
    peak_at: float | None = None
    t, i, d, credit = 0.0, 0, 0, 0.0
    while i < len(order) or ready:
        if not ready and order[i][0] > t:
            t, credit = float(int(order[i][0])), 0.0  # idle until the next start
        while i < len(order) and order[i][0] <= t:
            job = order[i][1]
            heapq.heappush(ready, (job.closes, job.id, job))
            i += 1
        while d < len(dues) and dues[d][0] <= t:
            overdue += dues[d][1] not in sent_at
            d += 1
        if overdue > peak:
            peak, peak_at = overdue, t
        credit += rate
        while ready and credit >= 1:
            _, _, job = heapq.heappop(ready)
            credit -= 1
            sent_at[job.id] = t
            moment = start + timedelta(seconds=t)
            overdue -= job.due <= moment
            late += moment > job.closes
            early += moment < job.opens
            ahead += moment < job.due
        credit = min(credit, max(rate, 1.0))  # an idle second's budget is not saved up
        t += 1
    hours = Counter(m.job.due.replace(minute=0, second=0, microsecond=0) for m in week.messages)
    return Computed(
        messages=len(jobs),
        late=late,
        early=early,
        ahead=ahead,
        peak_queue=peak,
        peak_queue_at=None if peak_at is None else start + timedelta(seconds=peak_at),
        busiest_hour=max(hours.values(), default=0),
        needs_per_second=least_rate(busiest_day(week), start),
        sent_at=sent_at,
    )


def busiest_day(week: Week) -> list[Job]:
    """The jobs whose windows close on the local day with the most messages."""
    days = Counter(m.job.due.astimezone(week.zone).date() for m in week.messages)
    if not days:
        return []
    day = days.most_common(1)[0][0]
    return [m.job for m in week.messages if m.job.closes.astimezone(week.zone).date() == day]


def least_rate(jobs: list[Job], start: datetime, tries: int = 14) -> float:
    """The least free rate (a second) at which the planner fits ``jobs`` in their windows, to a
    few percent (halving between none late and some late)."""
    if not jobs:
        return 0.0
    low, high = 0.01, 1000.0
    for _ in range(tries):
        middle = (low * high) ** 0.5
        _, late = latest_starts(jobs, start, middle, timedelta(0))
        low, high = (middle, high) if late else (low, middle)
    return high
