"""Scheduled messages meet their windows, through both adapters. A load the budget cannot send at
the last moment starts early inside its windows (never before one opens) and none is late; a load
that cannot fit at all is told to the coordinators ahead of time, with its numbers, and logged;
with paid broadcasts allowed, what cannot fit goes as paid broadcasts, on time."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import timedelta

import pytest

from bot.devtools.fanout import REMINDER, seed_due_reminders
from bot.emulator import Limits
from bot.emulator.state import Entry
from bot.runtime import metrics
from bot.simulation import Simulation
from tests.journeys import START, cohort_simulation, onboard_cohort

MINUTE = timedelta(minutes=1)


def reminders(sim: Simulation) -> list[Entry]:
    return [e for e in sim.emulator.transcript() if e.sender == "bot" and REMINDER in (e.text or "")]


async def seed(
    sim: Simulation,
    people: int,
    due_in: timedelta,
    opens: timedelta,
    closes: timedelta,
    first: int = 7_000_000,
) -> list[int]:
    """Pairs whose "in an hour" reminders are due ``due_in`` from now, in a window around it."""
    due = sim.clock.now() + due_in
    window = (due - opens, due + closes)
    ids = await seed_due_reminders(
        sim.tandem.db, sim.clock.now(), people, due=due, window=window, first=first
    )
    for user_id in ids:
        sim.emulator.add_user(f"Person {user_id}", user_id=user_id, language_code="en")
    return ids


async def test_a_load_too_big_for_the_last_moment_starts_early_inside_its_windows(framework: str) -> None:
    # 60 reminders at a budget of 0.1 a second (the plan counts on 80 % of it) need 12.5 minutes:
    # their windows are the quarter of an hour before they are due; 20 more open only then.
    overrides = {"send_per_second": 0.1}
    async with Simulation(
        framework=framework, start=START, limits=Limits(enabled=False), overrides=overrides
    ) as sim:  # type: ignore[arg-type]
        due = sim.clock.now() + 30 * MINUTE
        early = await seed(sim, 60, 30 * MINUTE, 15 * MINUTE, timedelta(0))
        later = await seed(sim, 20, 30 * MINUTE, timedelta(0), 10 * MINUTE, first=7_100_000)
        counted = metrics.JOBS_EARLY._value.get()  # prometheus-client's own reading
        while sim.clock.now() < due + 10 * MINUTE:
            await sim.advance(timedelta(seconds=10))
    assert metrics.JOBS_EARLY._value.get() - counted == 60, "the metric counts each early start once"
    sent = reminders(sim)
    assert Counter(e.chat_id for e in sent) == Counter(early + later), "each once"
    when = {e.chat_id: e.t for e in sent}
    first_window = [when[i] for i in early if i in when]
    assert min(first_window) >= due - 15 * MINUTE, "not before its window opened"
    assert max(first_window) <= due, "none late"
    assert min(first_window) <= due - 12 * MINUTE, "started early enough for all of them"
    assert min(first_window) >= due - 13 * MINUTE - timedelta(seconds=20), "but no earlier than needed"
    assert all(due <= when[i] <= due + 10 * MINUTE for i in later), "the others inside theirs"


async def test_a_load_that_cannot_fit_is_told_to_the_coordinators_ahead_of_time(
    framework: str, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort_simulation(framework)
    sim.configure(send_per_second=1.0)
    async with sim:
        await onboard_cohort(sim)
        mark = sim.last_seq()
        # Two hours ahead: 2,000 reminders in quarter-hour windows, at 0.8 a second planned.
        await seed(sim, 2000, 2 * 60 * MINUTE, 15 * MINUTE, timedelta(0))
        with caplog.at_level(logging.WARNING, logger="bot.runtime.scheduler"):
            await sim.advance(timedelta(seconds=10))
            await sim.advance(10 * MINUTE)
    told = [e.text for e in sim.transcript("coordinators", mark) if e.sender == "bot"]
    assert len(told) == 1, "once, not at every look"
    numbers = re.search(r"of the 2,000 scheduled messages due by (.+), about ([\d,]+) cannot go out", told[0])
    assert numbers is not None, told[0]
    late = int(numbers[2].replace(",", ""))
    assert 2000 - 0.8 * 15 * 60 - 10 <= late <= 2000 - 0.8 * 15 * 60, "what 15 minutes at 0.8/s cannot hold"
    assert "TANDEM_ALLOW_PAID_BROADCAST" in told[0]
    assert reminders(sim) == [], "and nothing went before its window"
    assert any("cannot all go inside their windows" in r.getMessage() for r in caplog.records)
    assert metrics.BULK_EXPECTED_LATE._value.get() == late  # prometheus-client's own reading


async def test_paid_broadcasts_take_what_cannot_fit(framework: str) -> None:
    # The bot's limiter off (time stands still in a simulation while it sends); the plan still
    # counts on 0.5 messages a second, 0.8 of it: a minute's window holds about 25 of 90 reminders
    # (fewer than a batch, so one plan decides them all).
    overrides = {"send_per_second": 0.5, "allow_paid_broadcast": True}
    limits = Limits(enabled=False)
    async with Simulation(framework=framework, start=START, limits=limits, overrides=overrides) as sim:  # type: ignore[arg-type]
        ids = await seed(sim, 90, timedelta(0), timedelta(0), MINUTE)
        await sim.advance(timedelta(seconds=1))
        assert Counter(e.chat_id for e in reminders(sim)) == Counter(ids), "all, each once, on time"
    paid = sim.emulator.stats.paid_broadcasts
    assert 90 - 0.4 * 67 <= paid <= 90 - 0.4 * 60, "what a minute at the free rate cannot hold"
