"""The outbox's pace: token buckets below Telegram's flood limits, shared by every sender.

Telegram answers 429 when a bot sends more than about 30 messages a second to many people (its
limit for bulk notifications), one a second to a chat (short bursts tolerated) or 20 a minute to
a group. Two kinds of sending follow from that:

- a *reply* (what a person's own update causes, to that person's chat) goes at once, paced only
  by its chat's bucket: answering people is not bulk, and Telegram does not limit it overall;
- *bulk* (what a due job or someone else causes: reminders, notifications, retries) also takes a
  message of the overall budget (``bot.runtime.budget``: in memory for one process, shared through
  the database by replicas), so a Monday-morning fan-out is spread rather than refused, and it
  never holds a reply back.

A paid broadcast (bulk that cannot fit its window, ``allow_paid_broadcast``) takes a token of its
own pace (Telegram's 1,000 a second) instead of the budget. A 429 pauses both kinds for its
``retry_after``: Telegram does not say which limit was hit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.config import SendRates

# Idle chats' buckets are forgotten after this many seconds (a full bucket is the default).
FORGET_AFTER = 120.0


class TokenBucket:
    """A bucket of ``capacity`` tokens that refills at ``rate`` tokens per second."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a bucket needs a positive rate and a capacity of at least 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._stamp = now

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def wait_time(self, now: float, need: float = 1.0) -> float:
        """Seconds until ``need`` tokens are there (0.0 if they are now)."""
        self._refill(now)
        need = min(need, self.capacity)
        if self._tokens >= need - 1e-9:  # tolerate float rounding of the refill
            return 0.0
        return (need - self._tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1.0

    def idle_since(self, now: float) -> bool:
        """Full again: the bucket holds nothing a new one would not."""
        self._refill(now)
        return self._tokens >= self.capacity


class Budget(Protocol):
    """The overall budget for bulk messages: ``LocalBudget`` (one process) or
    ``bot.runtime.budget.SharedBudget`` (replicas, through the database)."""

    def wait_time(self) -> float:
        """Seconds until a ``take`` could succeed (0.0: try now)."""
        ...

    async def take(self) -> float:
        """Take one message of the budget: 0.0, or the seconds to wait before trying again."""
        ...

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: no bulk for ``seconds``."""
        ...


class LocalBudget:
    """The budget of one process: a token bucket (the limiter pauses it on a 429)."""

    def __init__(self, per_second: float, burst: float, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._bucket = TokenBucket(per_second, burst, monotonic())

    def wait_time(self) -> float:
        return self._bucket.wait_time(self._monotonic())

    async def take(self) -> float:
        now = self._monotonic()
        wait = self._bucket.wait_time(now)
        if wait <= 0:
            self._bucket.take(now)
        return wait

    def pause(self, seconds: float) -> None:
        """Nothing to share: the limiter's own pause holds this process."""


@dataclass(slots=True)
class LimiterStats:
    acquired: int = 0
    waited: int = 0
    seconds_waited: float = 0.0
    pauses: int = 0


class SendLimiter:
    """One per process; every counted send (messages and edits) acquires before it goes."""

    def __init__(
        self,
        rates: SendRates | None = None,
        *,
        budget: Budget | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rates = rates or SendRates()
        self.stats = LimiterStats()
        self._monotonic = monotonic
        self._sleep = sleep
        self.budget = budget or LocalBudget(self.rates.per_second, self.rates.burst, monotonic)
        self._chats: dict[int, TokenBucket] = {}
        self._paid = TokenBucket(self.rates.paid_per_second, self.rates.paid_per_second, monotonic())
        self._paused_until = 0.0
        self._forgotten_at = monotonic()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends for ``seconds``."""
        self.stats.pauses += 1
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        self.budget.pause(seconds)

    def _chat(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            rates = self.rates
            if chat_id < 0:  # groups and channels have negative ids
                bucket = TokenBucket(rates.group_per_minute / 60.0, rates.group_burst, now)
            else:
                bucket = TokenBucket(rates.chat_per_second, rates.chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def wait_time(self, chat_id: int | None, *, reply: bool = False, paid: bool = False) -> float:
        """Seconds until a send to ``chat_id`` (None: any chat) could go."""
        now = self._monotonic()
        wait = self._paused_until - now
        if paid:
            wait = max(wait, self._paid.wait_time(now))
        elif not reply:
            wait = max(wait, self.budget.wait_time())
        if chat_id is not None:
            wait = max(wait, self._chat(chat_id, now).wait_time(now))
        return max(wait, 0.0)

    async def acquire(self, chat_id: int, *, reply: bool = False, paid: bool = False) -> None:
        """Wait for a token of the chat's bucket (and, for bulk, of the overall budget; for a paid
        broadcast, of the paid rate instead), then take them."""
        if not self.rates.enabled:
            return
        started = self._monotonic()
        while True:
            if (wait := self.wait_time(chat_id, reply=reply, paid=paid)) > 0:
                await self._sleep(wait)
            elif reply or paid or (wait := await self.budget.take()) <= 0:
                break
            else:
                await self._sleep(wait)
        now = self._monotonic()
        if paid:
            self._paid.take(now)
        self._chat(chat_id, now).take(now)
        self.stats.acquired += 1
        if now > started:
            self.stats.waited += 1
            self.stats.seconds_waited += now - started
        self._forget_idle(now)

    async def ready(self) -> None:
        """Wait until the overall budget could give a message, without taking it (pacing due jobs)."""
        if not self.rates.enabled:
            return
        while (wait := self.wait_time(None)) > 0:
            await self._sleep(wait)

    def _forget_idle(self, now: float) -> None:
        # A fan-out to 10,000 people must not leave 10,000 buckets behind.
        if now - self._forgotten_at < FORGET_AFTER:
            return
        self._forgotten_at = now
        for chat_id in [c for c, b in self._chats.items() if b.idle_since(now)]:
            del self._chats[chat_id]
