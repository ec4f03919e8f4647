"""Flood limits: token buckets, per-chat bursts, per-bot and per-group rates, forced 429s."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.emulator import Emulator, Limits
from bot.emulator.limits import RateLimiter
from bot.runtime.ratelimit import TokenBucket

from .conftest import BotCaller


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def frozen() -> AsyncIterator[tuple[Emulator, FakeMonotonic]]:
    clock = FakeMonotonic()
    emulator = Emulator(monotonic=clock)
    await emulator.start()
    yield emulator, clock
    await emulator.stop()


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3, now=0.0)
    for _ in range(3):
        assert bucket.wait_time(0.0) == 0.0
        bucket.take(0.0)
    assert bucket.wait_time(0.0) == pytest.approx(0.5)
    assert bucket.wait_time(0.5) == 0.0
    assert bucket.wait_time(100.0) == 0.0
    for _ in range(3):
        bucket.take(100.0)
    assert bucket.wait_time(100.0) > 0


def test_rate_limiter_is_all_or_nothing() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(Limits(bot_per_second=2, bot_burst=2, chat_burst=1), clock)
    assert limiter.acquire(1, False) == 0
    assert limiter.acquire(1, False) == 1  # chat bucket empty; the bot bucket keeps its token
    assert limiter.acquire(2, False) == 0
    assert limiter.acquire(3, False) == 1  # now the bot bucket is empty
    clock.t += 0.5
    assert limiter.acquire(3, False) == 0


async def test_per_chat_burst_then_429(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    for i in range(4):
        await api.ok("sendMessage", chat_id=ada, text=f"burst {i}")
    status, body = await api("sendMessage", chat_id=ada, text="one too many")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    status, _ = await api("editMessageText", chat_id=ada, message_id=1, text="edits count too")
    assert status == 429
    assert emu.stats.too_many_requests == 2
    assert [e.text for e in emu.transcript(ada)] == [f"burst {i}" for i in range(4)]
    other = emu.add_user("Bob")["id"]
    await api.ok("sendMessage", chat_id=other, text="another chat is fine")
    await asyncio.sleep(1.05)
    await api.ok("sendMessage", chat_id=ada, text="after waiting")


async def test_refused_requests_do_not_consume_tokens(
    frozen: tuple[Emulator, FakeMonotonic],
) -> None:
    emu, clock = frozen
    emu.set_limits(Limits(chat_per_second=1.0, chat_burst=1))
    ada = emu.add_user("Ada")["id"]
    async with BotCaller.session_for(emu) as api:
        await api.ok("sendMessage", chat_id=ada, text="1")
        for _ in range(5):
            assert (await api("sendMessage", chat_id=ada, text="x"))[0] == 429
        clock.t += 1.0
        await api.ok("sendMessage", chat_id=ada, text="2")
    assert emu.stats.too_many_requests == 5


async def test_per_bot_30_per_second(frozen: tuple[Emulator, FakeMonotonic]) -> None:
    emu, clock = frozen
    users = [emu.add_user(f"U{i}")["id"] for i in range(31)]
    async with BotCaller.session_for(emu) as api:
        for uid in users[:30]:
            await api.ok("sendMessage", chat_id=uid, text="bulk")
        status, body = await api("sendMessage", chat_id=users[30], text="bulk")
        assert status == 429 and body["parameters"]["retry_after"] == 1
        clock.t += 1 / 30
        await api.ok("sendMessage", chat_id=users[30], text="bulk")
    assert emu.stats.too_many_requests == 1
    assert emu.stats.calls["sendMessage"] == 32


async def test_answers_to_people_who_wrote_are_not_bulk(frozen: tuple[Emulator, FakeMonotonic]) -> None:
    """Telegram's 30/s is for bulk notifications: 60 people who just wrote are all answered at
    once (each chat still paced on its own); someone who did not write is bulk again, and so is
    a person whose last message is older than ``answer_seconds``."""
    emu, clock = frozen
    people = [emu.add_user(f"U{i}")["id"] for i in range(61)]
    for uid in people[:60]:
        emu.send_text(uid, "hello")
    async with BotCaller.session_for(emu) as api:
        for uid in people[:60]:
            await api.ok("sendMessage", chat_id=uid, text="answer")
        for _ in range(3):
            await api.ok("sendMessage", chat_id=people[0], text="again")  # the chat's burst of four
        status, _ = await api("sendMessage", chat_id=people[0], text="too fast for one chat")
        assert status == 429
        for _ in range(30):
            await api.ok("sendMessage", chat_id=people[60], text="bulk")  # the bot's bucket is full
            clock.t += 1.0  # (the chat's own bucket refills)
        clock.t += 1.0
        emu.state.stats.too_many_requests = 0
        for uid in people[:31]:  # they wrote 32 s ago: bulk again, 30 a second
            status, _ = await api("sendMessage", chat_id=uid, text="news")
        assert emu.stats.too_many_requests == 1


async def test_paid_broadcasts_go_beyond_the_bots_rate_up_to_a_thousand(
    frozen: tuple[Emulator, FakeMonotonic],
) -> None:
    emu, _ = frozen  # time stands still: nothing refills
    emu.set_limits(Limits(paid_per_second=40.0))  # Telegram's is 1,000; 40 keeps the test small
    people = [emu.add_user(f"U{i}")["id"] for i in range(71)]
    async with BotCaller.session_for(emu) as api:
        for uid in people[:30]:
            await api.ok("sendMessage", chat_id=uid, text="free")
        assert (await api("sendMessage", chat_id=people[30], text="free"))[0] == 429
        for uid in people[30:70]:
            await api.ok("sendMessage", chat_id=uid, text="paid", allow_paid_broadcast=True)
        status, _ = await api("sendMessage", chat_id=people[70], text="paid", allow_paid_broadcast=True)
        assert status == 429, "the paid rate has its limit too"
    assert emu.stats.paid_broadcasts == 40


async def test_group_20_per_minute(frozen: tuple[Emulator, FakeMonotonic]) -> None:
    emu, clock = frozen
    members = [emu.add_user("A")["id"], emu.add_user("B")["id"]]
    group = emu.add_group("Roundtable", members)
    async with BotCaller.session_for(emu) as api:
        for i in range(20):  # a burst beyond 1/s is fine in a group, up to 20 a minute
            await api.ok("sendMessage", chat_id=group, text=f"g{i}")
        status, body = await api("sendMessage", chat_id=group, text="g20")
        assert status == 429 and body["parameters"]["retry_after"] == 3
        clock.t += 3.0
        await api.ok("sendMessage", chat_id=group, text="g20")
        status, body = await api("sendMessage", chat_id=group, text="g21")
        assert status == 429 and body["parameters"]["retry_after"] == 3


async def test_limits_disabled(emu: Emulator, api: BotCaller) -> None:
    emu.set_limits(Limits(enabled=False))
    ada = emu.add_user("Ada")["id"]
    results = await asyncio.gather(*(api("sendMessage", chat_id=ada, text=str(i)) for i in range(50)))
    assert {status for status, _ in results} == {200}
    assert emu.stats.too_many_requests == 0
    assert Emulator(limits=Limits(enabled=False)).limits.enabled is False


async def test_force_429(emu: Emulator, api: BotCaller) -> None:
    emu.set_limits(Limits(enabled=False))
    ada = emu.add_user("Ada")["id"]
    bob = emu.add_user("Bob")["id"]
    emu.force_429(ada, retry_after=7, count=2)
    await api.ok("sendMessage", chat_id=bob, text="not this chat")
    for _ in range(2):
        status, body = await api("sendMessage", chat_id=ada, text="x")
        assert status == 429 and body["parameters"] == {"retry_after": 7}
    await api.ok("sendMessage", chat_id=ada, text="now fine")
    assert await api.ok("getMe")  # uncounted methods are never refused
    assert emu.stats.too_many_requests == 2
