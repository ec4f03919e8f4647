"""The planner of bulk messages, on its own: light loads go at their due time, a load the budget
cannot send in time starts early inside its windows (never before one opens) so none is late, a
load that cannot fit is counted ahead of time, and paid broadcasts take what cannot fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.runtime.planner import PLANNED_SHARE, Job, jobs_of, plan

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
RATE = 5.0  # a small budget keeps the loads small; the arithmetic is the same
LEAD = timedelta(seconds=2)
MINUTE = timedelta(minutes=1)


def reminders(count: int, due: datetime, before: timedelta, after: timedelta, first: int = 0) -> list[Job]:
    return [Job(first + n, due, due - before, due + after) for n in range(count)]


def run_forward(jobs: list[Job], until: datetime, *, paid: bool = False) -> dict[int, tuple[datetime, bool]]:
    """Each second: plan, then send what the plan runs now, at most RATE a second (paid ones
    beside it): when each job went, and whether paid."""
    waiting = {job.id: job for job in jobs}
    sent: dict[int, tuple[datetime, bool]] = {}
    now = NOW
    while now <= until and waiting:
        free = int(RATE)
        for job_id, as_paid in plan(list(waiting.values()), now, rate=RATE, lead=LEAD, paid=paid).run:
            if not as_paid:
                if free == 0:
                    continue
                free -= 1
            sent[job_id] = (now, as_paid)
            del waiting[job_id]
        now += timedelta(seconds=1)
    return sent


def test_a_light_load_goes_at_its_due_time_or_just_before_its_deadline() -> None:
    due = NOW + 10 * MINUTE
    at_due = reminders(10, due, timedelta(0), 5 * MINUTE)
    assert plan(at_due, NOW, rate=RATE, lead=LEAD).run == [], "nothing is due, and there is time"
    assert {when for when, _ in run_forward(at_due, due).values()} == {due}
    by_deadline = reminders(10, due, 15 * MINUTE, timedelta(0), first=100)  # due as their window closes
    sent = sorted(when for when, _ in run_forward(by_deadline, due).values())
    assert len(sent) == 10 and sent[-1] <= due
    needed = timedelta(seconds=10 / (RATE * PLANNED_SHARE) + 1)
    assert sent[0] >= due - LEAD - needed, "no earlier than needed"


def test_a_heavy_load_starts_early_inside_its_windows_and_none_is_late() -> None:
    due = NOW + 20 * MINUTE
    hour = reminders(1800, due, 15 * MINUTE, timedelta(0))  # 7.5 minutes' worth at the planned rate
    others = reminders(600, due, timedelta(0), 5 * MINUTE, first=10_000)  # open only at their time
    jobs = hour + others
    first = plan(jobs, NOW, rate=RATE, lead=LEAD)
    assert first.late == 0 and first.run == []  # the windows have not opened yet
    sent = run_forward(jobs, due + 5 * MINUTE)
    assert len(sent) == len(jobs)
    by_id = {job.id: job for job in jobs}
    assert all(by_id[i].opens <= when <= by_id[i].closes for i, (when, _) in sent.items()), "inside"
    started = min(when for when, _ in sent.values())
    needed = timedelta(seconds=1800 / (RATE * PLANNED_SHARE))
    assert due - needed - MINUTE < started < due - needed + MINUTE, "as early as the load needs"


def test_a_load_that_cannot_fit_is_counted_before_its_windows_open() -> None:
    due = NOW + 3 * 60 * MINUTE
    jobs = reminders(6000, due, 15 * MINUTE, timedelta(0))
    ahead = plan(jobs, NOW, rate=RATE, lead=LEAD)
    fits = 15 * 60 * RATE * PLANNED_SHARE
    assert ahead.run == []
    assert 6000 - fits - LEAD.seconds * RATE <= ahead.late <= 6000 - fits, "less the last seconds' grace"
    assert ahead.late_until == due and ahead.late_due == 6000


def test_paid_broadcasts_take_what_cannot_fit_and_nothing_is_late() -> None:
    due = NOW + 5 * MINUTE
    jobs = reminders(2400, NOW, timedelta(0), 5 * MINUTE)  # all due now, five minutes to go
    sent = run_forward(jobs, due + MINUTE, paid=True)
    assert len(sent) == 2400 and max(when for when, _ in sent.values()) <= due
    paid = sum(as_paid for _, as_paid in sent.values())
    assert 2400 - 5 * 60 * RATE <= paid <= 2400 - 5 * 60 * RATE * PLANNED_SHARE, "what the free rate cannot"


def test_due_jobs_run_earliest_deadline_first_and_old_rows_get_a_window() -> None:
    rows = [
        (1, NOW - MINUTE, None, None),  # an old row: due a minute ago, closes 15 minutes after
        (2, NOW, NOW, NOW + 2 * MINUTE),
        (3, NOW + MINUTE, NOW + MINUTE, NOW + 3 * MINUTE),  # not open yet
    ]
    assert plan(jobs_of(rows), NOW, rate=RATE, lead=LEAD).run == [(2, False), (1, False)]
