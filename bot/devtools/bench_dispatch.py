"""``tandem bench dispatch``: a fan-out of due reminders through the outbox, within the limits.

Makes ``messages`` reminders due at the same moment for distinct people (``bot.devtools.fanout``),
then lets one scheduler tick send them through the real adapter to the emulator, which runs
in a process of its own with Telegram's flood limits on (30 messages/s per bot, 1/s per chat).
The figure that matters is the rate against the outbox's configured limit (the ratio), with
no 429s, no message twice, none missing, and memory that does not grow with the fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.adapter import Framework
from bot.app import build
from bot.clock import SystemClock
from bot.config import load_settings
from bot.devtools.bench import TOKEN, add_people, remote_emulator
from bot.devtools.fanout import REMINDER, seed_due_reminders


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def bench_dispatch(messages: int, framework: Framework) -> int:
    messages += messages % 2  # people come in pairs
    async with remote_emulator(limits=True) as client:
        with tempfile.TemporaryDirectory(prefix="tandem-dispatch-") as folder:
            settings = load_settings(
                bot_token=TOKEN,
                framework=framework,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                api_base_url=client.base_url,
                polling_timeout=1,
            )
            clock = SystemClock()
            tandem = await build(settings, clock)
            ids = await seed_due_reminders(tandem.db, clock.now(), messages)
            await add_people(client, ids)
            await tandem.start()
            samples: list[tuple[int, float]] = []

            async def watch_memory() -> None:
                while True:
                    samples.append((tandem.dispatcher.postman.limiter.stats.acquired, rss_mb()))
                    await asyncio.sleep(0.5)

            watcher = asyncio.create_task(watch_memory())
            try:
                started = time.perf_counter()
                await tandem.scheduler.tick()
                seconds = time.perf_counter() - started
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
                await tandem.stop()
        stats = await client.stats()
        sent = Counter(
            entry.chat_id
            for entry in await client.transcript()
            if entry.sender == "bot" and REMINDER in (entry.text or "")
        )
    rate = messages / seconds
    limit = settings.send_per_second
    early = [rss for done, rss in samples if done >= messages // 10] or [rss_mb()]
    result = {
        "framework": framework,
        "messages": messages,
        "seconds": round(seconds, 1),
        "rate": round(rate, 2),
        "limit": limit,
        "ratio": round(rate / limit, 3),
        "http_429": stats["too_many_requests"],
        "duplicates": sum(count - 1 for count in sent.values() if count > 1),
        "missing": sum(1 for user_id in ids if user_id not in sent),
        "rss_at_10pct_mb": round(early[0], 1),
        "rss_at_end_mb": round(samples[-1][1] if samples else rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    return 0
