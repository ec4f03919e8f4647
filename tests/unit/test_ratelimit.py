"""The outbox's limiter on a fake clock: overall, per-chat and per-group pace, replies outside the
bulk budget, a 429's pause, and no memory kept for idle chats."""

from __future__ import annotations

import pytest

from bot.runtime.ratelimit import FORGET_AFTER, SendLimiter, SendRates


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(time: FakeTime, **rates: float) -> SendLimiter:
    return SendLimiter(SendRates(**rates), monotonic=time, sleep=time.sleep)  # type: ignore[arg-type]


async def test_the_overall_rate_spreads_a_burst_to_distinct_chats() -> None:
    time = FakeTime()
    pace = limiter(time, per_second=25.0, burst=25.0)
    for chat_id in range(1, 126):
        await pace.acquire(chat_id)
    # 125 messages: 25 from the full bucket, then 100 at 25 a second.
    assert time.now - 100.0 == pytest.approx(4.0, abs=0.01)
    assert pace.stats.acquired == 125


async def test_one_chat_gets_a_short_burst_then_one_a_second() -> None:
    time = FakeTime()
    pace = limiter(time, chat_per_second=1.0, chat_burst=3.0)
    for _ in range(3):
        await pace.acquire(7)
    assert time.now == 100.0
    await pace.acquire(7)
    await pace.acquire(7)
    assert time.now == pytest.approx(102.0)
    await pace.acquire(8)  # another chat does not wait for this one
    assert time.now == pytest.approx(102.0)


async def test_a_group_gets_its_per_minute_pace() -> None:
    time = FakeTime()
    pace = limiter(time, group_per_minute=18.0, group_burst=5.0)
    for _ in range(6):
        await pace.acquire(-1001)
    assert time.now - 100.0 == pytest.approx(60 / 18)


async def test_replies_take_nothing_of_the_bulk_budget_and_wait_only_for_their_chat() -> None:
    time = FakeTime()
    pace = limiter(time, per_second=10.0, burst=10.0, chat_per_second=1.0, chat_burst=3.0)
    for chat_id in range(1, 11):  # bulk empties the overall bucket
        await pace.acquire(chat_id)
    assert time.now == 100.0 and pace.wait_time(None) > 0
    for chat_id in range(50, 150):  # a hundred people answered at once
        await pace.acquire(chat_id, reply=True)
    assert time.now == 100.0
    await pace.acquire(11)  # bulk still waits for its budget, which the replies left alone
    assert time.now == pytest.approx(100.1)
    for _ in range(3):  # one chat: its burst, then one a second, replies too
        await pace.acquire(50, reply=True)
    assert time.now == pytest.approx(101.0)


async def test_a_429_pauses_every_sender() -> None:
    time = FakeTime()
    pace = limiter(time)
    pace.pause(3.0)
    await pace.acquire(1, reply=True)  # replies wait out a 429 too
    assert time.now == pytest.approx(103.0)
    assert pace.stats.pauses == 1
    assert pace.stats.seconds_waited == pytest.approx(3.0)


async def test_switched_off_it_never_waits() -> None:
    time = FakeTime()
    pace = limiter(time, enabled=False, per_second=1.0, burst=1.0)  # type: ignore[arg-type]
    for _ in range(50):
        await pace.acquire(1)
    await pace.ready()
    assert time.now == 100.0


async def test_idle_chats_are_forgotten() -> None:
    time = FakeTime()
    pace = limiter(time, per_second=1000.0, burst=1000.0)
    for chat_id in range(1, 501):
        await pace.acquire(chat_id)
    assert len(pace._chats) == 500
    time.now += FORGET_AFTER + 1
    await pace.acquire(9999)
    assert list(pace._chats) == [9999]
