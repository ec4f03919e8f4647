"""``tandem bench updates``: Tandem's throughput and latency against a bare echo bot.

Both run in the same process on the same emulator (limits off: this measures the bot, not
Telegram's flood control). Tandem's users go through /start and the welcome flow; the echo bot's
users send the same number of texts. Latency is from injecting an update to the bot's answer
being recorded by the emulator. A third phase offers Tandem a steady 50 updates/s.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

from bot.adapter import AdapterOptions, Framework, load_echo_bot
from bot.emulator import Emulator, Limits
from bot.simulation import TEST_TOKEN, Simulation

OFF = Limits(enabled=False)
STEPS_PER_USER = 5
PACED_RATE = 50.0
PACED_SECONDS = 6.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def timed(latencies: list[float], action: Callable[[], Awaitable[object]]) -> None:
    started = time.perf_counter()
    await action()
    latencies.append((time.perf_counter() - started) * 1000)


async def tandem_user(sim: Simulation, name: str, latencies: list[float]) -> None:
    await timed(latencies, lambda: sim.send(name, "/start"))
    await timed(latencies, lambda: sim.press(name, "learner"))
    await timed(latencies, lambda: sim.press(name, "^English$"))
    await timed(latencies, lambda: sim.send(name, "Sam"))
    await timed(latencies, lambda: sim.press(name, "^Yes$"))


async def bench_tandem(framework: Framework, users: int) -> tuple[float, list[float]]:
    async with Simulation(framework=framework, limits=OFF) as sim:
        names = [f"u{i}" for i in range(users)]
        for name in names:
            sim.add_user(name, "Sam", language_code="en")
        await tandem_user(sim, names[0], [])  # warm-up: imports, first connections
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(tandem_user(sim, n, latencies) for n in names))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def echo_once(emu: Emulator, user_id: int, text: str) -> None:
    mark = emu.state.transcript[-1].seq if emu.state.transcript else 0
    emu.send_text(user_id, text)
    await emu.wait_for(lambda: any(e.sender == "bot" for e in emu.state.entries(user_id, mark)), 15.0)


async def bench_echo(framework: Framework, users: int) -> tuple[float, list[float]]:
    emu = Emulator(limits=OFF)
    await emu.start()
    bot = load_echo_bot(framework, AdapterOptions(token=TEST_TOKEN, base_url=emu.base_url, polling_timeout=1))
    await bot.start()
    try:
        ids = [int(emu.add_user(f"u{i}")["id"]) for i in range(users)]
        await echo_once(emu, ids[0], "warm-up")
        latencies: list[float] = []

        async def user(user_id: int) -> None:
            for step in range(STEPS_PER_USER):
                await timed(latencies, lambda s=step: echo_once(emu, user_id, f"hello {s}"))  # type: ignore[misc]

        started = time.perf_counter()
        await asyncio.gather(*(user(i) for i in ids))
        elapsed = time.perf_counter() - started
    finally:
        await bot.stop()
        await emu.stop()
    return len(latencies) / elapsed, latencies


async def bench_paced(framework: Framework, rate: float, seconds: float) -> list[float]:
    """Offer a steady rate of updates from many people, each waiting for their last answer."""
    async with Simulation(framework=framework, limits=OFF) as sim:
        count = int(rate * seconds)
        names = [f"p{i}" for i in range(count)]
        for name in names:
            sim.add_user(name, "Sam", language_code="en")
        await sim.send(names[0], "/help")  # warm-up
        latencies: list[float] = []
        tasks = []
        started = time.perf_counter()
        for index, name in enumerate(names):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(timed(latencies, lambda n=name: sim.send(n, "/start"))))  # type: ignore[misc]
        await asyncio.gather(*tasks)
    return latencies


async def bench_updates(users: int, framework: Framework) -> int:
    echo_ups, echo_lat = await bench_echo(framework, users)
    tandem_ups, tandem_lat = await bench_tandem(framework, users)
    paced = await bench_paced(framework, PACED_RATE, PACED_SECONDS)
    result = {
        "framework": framework,
        "users": users,
        "updates": len(tandem_lat),
        "tandem_ups": round(tandem_ups, 1),
        "echo_ups": round(echo_ups, 1),
        "ratio": round(tandem_ups / echo_ups, 3),
        "p50_ms": round(percentile(paced, 50), 2),
        "p99_ms": round(percentile(paced, 99), 2),
        "paced_ups": PACED_RATE,
        "saturated_p50_ms": round(statistics.median(tandem_lat), 2),
        "saturated_p99_ms": round(percentile(tandem_lat, 99), 2),
        "echo_p50_ms": round(statistics.median(echo_lat), 2),
    }
    print(json.dumps(result))
    return 0
