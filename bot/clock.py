"""Time for the core: the system clock in production, a virtual one in tests and simulation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to; never goes backwards."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("a virtual clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("naive datetime")
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError(f"the clock cannot go back from {self._now} to {when}")
        self._now = when

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("negative advance")
        self._now += delta
        return self._now


class FastClock:
    """Simulated time for benchmarks that span processes: ``start`` when the wall clock (seconds
    since the epoch) read ``wall``, running ``speed`` times as fast. Processes given the same three
    numbers share one time."""

    def __init__(self, start: datetime, speed: float, wall: float) -> None:
        if start.tzinfo is None:
            raise ValueError("a fast clock needs a timezone-aware start")
        self.start, self.speed, self.wall = start.astimezone(UTC), speed, wall

    def now(self) -> datetime:
        return self.at(time.time())

    def at(self, wall: float) -> datetime:
        """The simulated moment of a wall-clock one."""
        return self.start + timedelta(seconds=(wall - self.wall) * self.speed)
