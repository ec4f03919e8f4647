"""The planner of bulk messages: which due jobs to run now so that every message goes inside its
window, at the pace the send budget allows.

Every job has a window (``opens_at`` .. ``closes_at``, around its ``due_at``) and is counted as one
message. Normally a job runs at its due time. When more is due than the budget can send in time,
the planner starts jobs early, inside their windows and never before one opens: it works out,
backwards from the last deadline, the latest moment each job can start with everything after it
still on time (earliest deadline first, run in reverse), and runs now what must start now. A job
that cannot fit its window at the free rate is *late*: the planner says so ahead of time (the
scheduler turns that into a metric, a log line and a message to the coordinators), and, when paid
broadcasts are allowed, sends it as one (Telegram's ``allow_paid_broadcast``: up to 1,000 a second
for a fee) so it is not late.

The plan counts only a share of the budget (``PLANNED_SHARE``): the rest absorbs what nobody
plans (notifications to a partner, alerts, retries) and a 429's pause.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.context import window_of

PLANNED_SHARE = 0.8
PAID_PER_SECOND = 1000.0  # Telegram's rate for paid broadcasts


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    due: datetime
    opens: datetime
    closes: datetime


@dataclass(slots=True)
class Plan:
    run: list[tuple[int, bool]] = field(default_factory=list)  # now, in this order: (job id, paid)
    jobs: int = 0  # in the horizon
    early: set[int] = field(default_factory=set)  # of ``run``, those before their due time
    late: int = 0  # cannot go inside their windows at the free rate
    paid: int = 0  # of those, sent as paid broadcasts
    late_due: int = 0  # the jobs due by the last late one's deadline
    late_until: datetime | None = None  # that deadline
    rate: float = 0.0  # the free rate the plan counts on


def jobs_of(rows: Iterable[tuple[int, datetime, datetime | None, datetime | None]]) -> list[Job]:
    """Rows of ``DueJobs.windows`` as jobs, each with a sound window."""
    return [Job(job_id, due, *window_of(due, opens, closes)) for job_id, due, opens, closes in rows]


def latest_starts(
    jobs: list[Job], now: datetime, rate: float, grace: timedelta
) -> tuple[dict[int, float], set[int]]:
    """Each job's latest start (seconds from ``now``) with every job after it on time, one message
    each at ``rate``; and the jobs that fit nowhere in their windows (late). Earliest deadline first,
    run backwards: from the last deadline, the job placed next is the one whose window opens last."""
    cost = 1.0 / rate
    by_deadline = sorted(jobs, key=lambda j: j.closes, reverse=True)
    seconds = [
        ((j.closes - now).total_seconds(), max(0.0, (j.opens - now).total_seconds())) for j in by_deadline
    ]
    starts: dict[int, float] = {}
    late: set[int] = set()
    ready: list[tuple[float, int]] = []  # (-opens, index): the one opening last first
    t = float("inf")
    i = 0
    slack = grace.total_seconds()
    while i < len(by_deadline) or ready:
        if not ready:
            t = min(t, seconds[i][0])
        while i < len(by_deadline) and seconds[i][0] >= t:
            heapq.heappush(ready, (-seconds[i][1], i))
            i += 1
        negative_opens, index = heapq.heappop(ready)
        start = t - cost
        if start < -negative_opens - slack:  # it would have to start before it can
            late.add(by_deadline[index].id)
            continue  # it goes late, after the others: it takes none of their time
        starts[by_deadline[index].id] = start
        t = start
    return starts, late


def plan(
    jobs: list[Job],
    now: datetime,
    *,
    rate: float,
    lead: timedelta,
    paid: bool = False,
) -> Plan:
    """What to run now: the jobs due, those that must start within ``lead`` (the time until the
    next look) to stay on time, and, with ``paid``, the late ones as paid broadcasts; earliest
    deadline first. Nothing whose window has not opened."""
    planned = rate * PLANNED_SHARE
    starts, late = latest_starts(jobs, now, planned, lead)
    result = Plan(jobs=len(jobs), late=len(late), rate=planned)
    soon = lead.total_seconds()
    for job in sorted(jobs, key=lambda j: (j.closes, j.due, j.id)):
        if job.opens > now:
            continue
        as_paid = paid and job.id in late
        if not (as_paid or job.due <= now or (job.id not in late and starts[job.id] <= soon)):
            continue
        result.run.append((job.id, as_paid))
        result.paid += as_paid
        if job.due > now:
            result.early.add(job.id)
    if late:
        result.late_until = max(j.closes for j in jobs if j.id in late)
        result.late_due = sum(1 for j in jobs if j.closes <= result.late_until)
    return result
