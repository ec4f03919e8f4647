"""``tandem bench dispatch``: a fan-out of due reminders, each inside its window, while people chat.

Makes ``messages`` reminders due at the same moment for distinct people (``bot.devtools.fanout``),
each allowed ``window`` from then, and lets one scheduler tick send them through the real adapter
to the emulator, which runs in a process of its own with Telegram's flood limits on (30 bulk
messages a second per bot, 1 a second per chat). Meanwhile a few people walk the welcome flow
again and again, a tap every two seconds, timed from tap to answer. It prints one JSON line: the
rate against the configured budget (the ratio), 429s, reminders twice or missing, sent after their
window (late) or before it (early), the replies' p99, and memory, which should not grow with the
fan-out. With ``paid``, what cannot fit the window goes as paid broadcasts (counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.adapter import Framework
from bot.app import build
from bot.clock import SystemClock
from bot.config import load_settings
from bot.devtools.bench import TOKEN, TandemRun, add_people, new_people, percentile, remote_emulator
from bot.devtools.fanout import REMINDER, seed_due_reminders

CHATTERS = 3  # people chatting throughout the fan-out
TAP_GAP = 2.0  # seconds between one chatter's taps
WINDOW = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


def window_of(text: str) -> timedelta:
    """``90s``, ``5m``, ``1h`` (seconds without a unit)."""
    found = WINDOW.match(text.strip())
    if found is None:
        raise ValueError(f"not a window: {text!r} (e.g. 300s, 5m, 1h)")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600}[found[2]]
    return timedelta(seconds=float(found[1]) * unit)


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def chat(run: TandemRun, done: asyncio.Event, latencies: list[float]) -> None:
    """New people walking the welcome flow, one after another, until the fan-out is done."""
    while not done.is_set():
        (user_id,) = await new_people(run.client, 1)
        for step in run.steps(user_id):
            tapped = time.perf_counter()
            await step()
            latencies.append((time.perf_counter() - tapped) * 1000)
            await asyncio.sleep(TAP_GAP)


async def bench_dispatch(
    messages: int, framework: Framework, window: timedelta, *, paid: bool = False
) -> int:
    messages += messages % 2  # people come in pairs
    async with remote_emulator(limits=True) as client:
        with tempfile.TemporaryDirectory(prefix="tandem-dispatch-") as folder:
            settings = load_settings(
                bot_token=TOKEN,
                framework=framework,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                api_base_url=client.base_url,
                polling_timeout=1,
                allow_paid_broadcast=paid,
            )
            clock = SystemClock()
            tandem = await build(settings, clock)
            due = clock.now()
            ids = await seed_due_reminders(tandem.db, due, messages, window=(due, due + window))
            await add_people(client, ids)
            await tandem.start()
            samples: list[tuple[int, float]] = []

            async def watch_memory() -> None:
                while True:
                    samples.append((tandem.dispatcher.postman.limiter.stats.acquired, rss_mb()))
                    await asyncio.sleep(0.5)

            watcher = asyncio.create_task(watch_memory())
            done = asyncio.Event()
            replies: list[float] = []
            run = TandemRun(client, tandem)
            chatters = [asyncio.create_task(chat(run, done, replies)) for _ in range(CHATTERS)]
            try:
                started = time.perf_counter()
                await tandem.scheduler.tick()
                seconds = time.perf_counter() - started
                done.set()
                await asyncio.gather(*chatters)
            finally:
                for task in (watcher, *chatters):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await tandem.stop()
        stats = await client.stats()
        sent = [
            entry
            for entry in await client.transcript()
            if entry.sender == "bot" and REMINDER in (entry.text or "")
        ]
    times = Counter(entry.chat_id for entry in sent)
    rate = messages / seconds
    limit = settings.send_per_second
    early = [rss for done_count, rss in samples if done_count >= messages // 10] or [rss_mb()]
    result = {
        "framework": framework,
        "messages": messages,
        "window": f"{window.total_seconds():g}s",
        "seconds": round(seconds, 1),
        "rate": round(rate, 2),
        "limit": limit,
        "ratio": round(rate / limit, 3),
        "http_429": stats["too_many_requests"],
        "paid": stats["paid_broadcasts"],
        "duplicates": sum(count - 1 for count in times.values() if count > 1),
        "missing": sum(1 for user_id in ids if user_id not in times),
        "late": sum(1 for entry in sent if entry.t > due + window),
        "early": sum(1 for entry in sent if entry.t < due),
        "replies": len(replies),
        "replies_p99_ms": round(percentile(replies, 99), 1),
        "rss_at_10pct_mb": round(early[0], 1),
        "rss_at_end_mb": round(samples[-1][1] if samples else rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    return 0
