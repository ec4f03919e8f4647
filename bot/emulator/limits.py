"""Telegram's flood limits as token buckets, on an injectable monotonic clock."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.runtime.ratelimit import TokenBucket


@dataclass(frozen=True)
class Limits:
    """Rate limits of the emulated Bot API (defaults follow Telegram's published ones).

    Private chats use the per-chat bucket; group chats use the per-group bucket instead.
    A counted call also draws from the per-bot bucket, unless it answers a person: Telegram's
    overall limit is for bulk notifications, so a private chat whose person wrote to the bot in
    the last ``answer_seconds`` is paced only by its own bucket. A paid broadcast
    (``allow_paid_broadcast``) draws from a bucket of its own, up to 1,000 a second, instead of the
    bot's.
    """

    enabled: bool = True
    bot_per_second: float = 30.0
    bot_burst: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 4.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0
    answer_seconds: float = 30.0
    paid_per_second: float = 1000.0


class RateLimiter:
    """Checks and consumes the buckets of one counted call, all or nothing."""

    def __init__(self, limits: Limits | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or Limits()
        self._monotonic = monotonic
        self._bot: TokenBucket | None = None
        self._paid: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}
        self._heard: dict[int, float] = {}  # private chat -> when its person last wrote

    def reset(self, limits: Limits) -> None:
        self.limits = limits
        self._bot = None
        self._paid = None
        self._chats.clear()

    def heard_from(self, chat_id: int) -> None:
        """A person wrote or pressed a button: what the bot sends them soon is an answer."""
        self._heard[chat_id] = self._monotonic()

    def _answering(self, chat_id: int, is_group: bool, now: float) -> bool:
        heard = self._heard.get(chat_id)
        return not is_group and heard is not None and now - heard <= self.limits.answer_seconds

    def _overall(self, paid: bool, now: float) -> TokenBucket:
        lim = self.limits
        if paid:
            if self._paid is None:
                self._paid = TokenBucket(lim.paid_per_second, lim.paid_per_second, now)
            return self._paid
        if self._bot is None:
            self._bot = TokenBucket(lim.bot_per_second, lim.bot_burst, now)
        return self._bot

    def _buckets(self, chat_id: int, is_group: bool, paid: bool, now: float) -> Iterable[TokenBucket]:
        lim = self.limits
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                bucket = TokenBucket(lim.group_per_minute / 60.0, lim.group_burst, now)
            else:
                bucket = TokenBucket(lim.chat_per_second, lim.chat_burst, now)
            self._chats[chat_id] = bucket
        if self._answering(chat_id, is_group, now):
            return (bucket,)
        return (self._overall(paid, now), bucket)

    def acquire(self, chat_id: int, is_group: bool, *, paid: bool = False) -> int:
        """Take one token from each bucket and return 0, or take nothing and return
        the whole number of seconds (>= 1) to wait, as Telegram's `retry_after`."""
        if not self.limits.enabled:
            return 0
        now = self._monotonic()
        buckets = list(self._buckets(chat_id, is_group, paid, now))
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0.0:
            return max(1, math.ceil(wait))
        for b in buckets:
            b.take(now)
        return 0
