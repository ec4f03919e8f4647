"""``tandem bench updates``: what an update costs Tandem, and how people fare at a human pace.

The emulator runs in a process of its own, as Telegram would be remote, a fresh one per framework.
Per framework, three phases, each with a fresh Tandem on a fresh SQLite file:

- *cost*: limits off (the emulator's and Tandem's), many people tapping as fast as answers come;
  a bare echo bot of the same framework does the same, and the ratio of the two is the figure.
  Tandem's people walk /start and the welcome flow (five updates each); the echo bot's send five
  texts each. A round of either lasts a second or less, so one pause of the machine would skew
  it: ``rounds`` rounds alternate the two, and each rate is the median of its rounds.
- *paced*: limits off, a new person sends /start every 1/50 s.
- *human pace*: production settings (Tandem's limiter on, the emulator's Telegram limits on),
  people each walking the five steps with ``gap`` seconds between taps, their starts spread over
  one gap, so the bot is offered about ``people / gap`` updates a second.

Latency runs from injecting an update to the bot's answers being delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapter import AdapterOptions, Framework, load_echo_bot
from bot.devtools.bench import (
    TOKEN,
    TandemRun,
    new_people,
    percentile,
    remote_emulator,
    running_tandem,
    timed,
)
from bot.emulator import EmulatorClient, Limits

STEPS_PER_USER = 5
PACED_RATE = 50.0


@dataclass(frozen=True, slots=True)
class Sizes:
    users: int = 50  # cost phase: people tapping as fast as answers come
    paced: int = 300  # paced phase: new people, PACED_RATE a second
    people: int = 600  # human pace: people walking the flow
    gap: float = 3.0  # human pace: seconds between one person's taps
    rounds: int = 3  # cost phase: echo and Tandem alternated, the median of each


def rounded(values: list[float], q: float) -> float:
    return round(percentile(values, q), 2)


async def bench_tandem(client: EmulatorClient, framework: Framework, users: int) -> tuple[float, list[float]]:
    async with running_tandem(client, framework, send_limits=False) as run:
        ids = await new_people(client, users + 1)
        await run.user(ids.pop(), [])  # warm-up
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(run.user(i, latencies) for i in ids))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def bench_paced(client: EmulatorClient, framework: Framework, count: int) -> list[float]:
    """A steady offered load: a new person sends /start every 1/rate seconds."""
    async with running_tandem(client, framework, send_limits=False) as run:
        ids = await new_people(client, count + 1)
        await run.send(ids.pop(), "/start")  # warm-up
        latencies: list[float] = []
        tasks = []
        started = time.perf_counter()
        for index, user_id in enumerate(ids):
            delay = started + index / PACED_RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            action = (lambda u: lambda: run.send(u, "/start"))(user_id)
            tasks.append(asyncio.create_task(timed(latencies, action)))
        await asyncio.gather(*tasks)
    return latencies


async def bench_echo(client: EmulatorClient, framework: Framework, users: int) -> tuple[float, list[float]]:
    bot = load_echo_bot(framework, AdapterOptions(token=TOKEN, base_url=client.base_url, polling_timeout=1))
    await bot.start()
    waiting: dict[int, asyncio.Future[None]] = {}

    async def follow() -> None:
        async for entry in client.events(since_seq=0):
            future = waiting.pop(entry.chat_id, None) if entry.sender == "bot" else None
            if future is not None and not future.done():
                future.set_result(None)

    follower = asyncio.create_task(follow())

    async def echo(user_id: int, text: str) -> None:
        waiting[user_id] = asyncio.get_running_loop().create_future()
        reply = waiting[user_id]
        await client.send_text(user_id, text)
        await asyncio.wait_for(reply, 30)

    async def user(user_id: int, latencies: list[float]) -> None:
        for step in range(STEPS_PER_USER):
            await timed(latencies, (lambda s: lambda: echo(user_id, f"hello {s}"))(step))

    try:
        ids = [int((await client.add_user("Sam"))["id"]) for _ in range(users + 1)]
        await user(ids.pop(), [])  # warm-up
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(user(i, latencies) for i in ids))
        elapsed = time.perf_counter() - started
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        await bot.stop()
    return len(latencies) / elapsed, latencies


async def walk(
    run: TandemRun, user_id: int, start: float, gap: float, latencies: list[float], taps: list[float]
) -> bool:
    """One person at a human pace: a tap every ``gap`` seconds, never before the last was answered.
    False if a tap went unanswered (for a minute): the person gives up."""
    at = start
    for step in run.steps(user_id):
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tapped = time.perf_counter()
        taps.append(tapped)
        try:
            await step()
        except TimeoutError:
            latencies.append((time.perf_counter() - tapped) * 1000)
            return False
        latencies.append((time.perf_counter() - tapped) * 1000)
        at = tapped + gap
    return True


async def bench_human(
    client: EmulatorClient, framework: Framework, people: int, gap: float
) -> dict[str, Any]:
    """Production settings: Tandem's limiter as shipped, the emulator's Telegram limits on."""
    await client.set_limits(Limits())
    try:
        async with running_tandem(client, framework) as run:
            ids = await new_people(client, people)
            refused = (await client.stats())["too_many_requests"]
            latencies: list[float] = []
            taps: list[float] = []
            start = time.perf_counter() + 0.2
            spread = gap / max(people, 1)
            walks = (walk(run, i, start + n * spread, gap, latencies, taps) for n, i in enumerate(ids))
            finished = await asyncio.gather(*walks)
            refused = (await client.stats())["too_many_requests"] - refused
    finally:
        await client.set_limits(Limits(enabled=False))
    span = max(taps) - min(taps) if len(taps) > 1 else 0.0
    return {
        "people": people,
        "offered_ups": round(len(taps) / span, 1) if span else 0.0,
        "p50_ms": rounded(latencies, 50),
        "p99_ms": rounded(latencies, 99),
        "http_429": refused,
        "gave_up": finished.count(False),  # a tap unanswered for a minute
    }


async def bench_framework(client: EmulatorClient, framework: Framework, sizes: Sizes) -> dict[str, Any]:
    echo_rates: list[float] = []
    tandem_rates: list[float] = []
    echo_lat: list[float] = []
    tandem_lat: list[float] = []
    for _ in range(sizes.rounds):
        rate, latencies = await bench_echo(client, framework, sizes.users)
        echo_rates.append(rate)
        echo_lat += latencies
        rate, latencies = await bench_tandem(client, framework, sizes.users)
        tandem_rates.append(rate)
        tandem_lat += latencies
    echo_ups, tandem_ups = statistics.median(echo_rates), statistics.median(tandem_rates)
    paced = await bench_paced(client, framework, sizes.paced)
    human = await bench_human(client, framework, sizes.people, sizes.gap)
    return {
        "framework": framework,
        "users": sizes.users,
        "rounds": sizes.rounds,
        "updates": len(tandem_lat),
        "tandem_ups": round(tandem_ups, 1),
        "echo_ups": round(echo_ups, 1),
        "ratio": round(tandem_ups / echo_ups, 3),
        "p50_ms": round(statistics.median(tandem_lat), 2),
        "p99_ms": rounded(tandem_lat, 99),
        "echo_p50_ms": round(statistics.median(echo_lat), 2),
        "paced_ups": PACED_RATE,
        "paced_p50_ms": rounded(paced, 50),
        "paced_p99_ms": rounded(paced, 99),
        "human_pace": human,
    }


async def bench_updates(sizes: Sizes, frameworks: Sequence[Framework]) -> int:
    """One JSON line per framework, each against an emulator of its own: one that had served the
    other framework's phases held their chats, and its garbage collector's passes over them
    stalled the second framework's answers."""
    for framework in frameworks:
        async with remote_emulator() as client:
            print(json.dumps(await bench_framework(client, framework, sizes)), flush=True)
    return 0
