from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.clock import FastClock, SystemClock, VirtualClock


def test_virtual_clock_moves_only_forward_and_keeps_utc() -> None:
    clock = VirtualClock(datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    clock.advance(timedelta(hours=2))
    assert clock.now().hour == 9
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        VirtualClock(datetime(2026, 3, 2, 8, 0))


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo == UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_a_fast_clock_runs_its_speed_from_a_shared_start() -> None:
    start = datetime(2027, 1, 12, 14, 0, tzinfo=UTC)
    clock = FastClock(start, 100.0, wall=1_000.0)
    again = FastClock(start, 100.0, wall=1_000.0)
    assert clock.at(1_000.0) == start
    assert clock.at(1_036.0) == again.at(1_036.0) == start + timedelta(hours=1)
    assert clock.now() > start + timedelta(days=365), "the wall clock is long past 1970"
