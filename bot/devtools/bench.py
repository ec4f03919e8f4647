"""``tandem bench updates``: Tandem's throughput and latency against a bare echo bot.

Both bots run in this process, one after the other, against the same emulator, which runs in
a process of its own (as Telegram would be remote) with its flood limits off, so the figures
measure the bot. Tandem's users go through /start and the welcome flow (five updates each); the
echo bot's users send five texts each. Latency runs from injecting an update to the bot's
answer being delivered. A last phase offers Tandem a steady 50 updates/s from new users.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from bot.adapter import AdapterOptions, Framework, load_echo_bot
from bot.app import Tandem, build
from bot.clock import SystemClock
from bot.config import load_settings
from bot.emulator import EmulatorClient

TOKEN = "42:TEST"
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


@contextlib.asynccontextmanager
async def remote_emulator(*, limits: bool = False) -> AsyncIterator[EmulatorClient]:
    """A `tandem emulator` process on a free loopback port (flood limits off unless asked)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "emulator",
        "--port",
        str(port),
        *(() if limits else ("--no-limits",)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), 30)
        async with EmulatorClient(f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        process.terminate()
        await process.wait()


class TandemRun:
    def __init__(self, client: EmulatorClient, tandem: Tandem) -> None:
        self.client, self.tandem = client, tandem

    async def _wait(self, injected: object) -> None:
        await asyncio.wait_for(self.tandem.dispatcher.wait_handled(injected.update_id), 30)  # type: ignore[attr-defined]

    async def send(self, user_id: int, text: str) -> None:
        await self._wait(await self.client.send_text(user_id, text))

    async def press(self, user_id: int, pattern: str) -> None:
        await self._wait(await self.client.press_button(user_id, user_id, pattern))

    async def user(self, user_id: int, latencies: list[float]) -> None:
        # A volunteer who applies at once: /start, the role, the consent, the name, the language.
        await timed(latencies, lambda: self.send(user_id, "/start"))
        await timed(latencies, lambda: self.press(user_id, "volunteer"))
        await timed(latencies, lambda: self.press(user_id, "^Yes$"))
        await timed(latencies, lambda: self.send(user_id, "Sam"))
        await timed(latencies, lambda: self.press(user_id, "^English$"))


@contextlib.asynccontextmanager
async def running_tandem(client: EmulatorClient, framework: Framework) -> AsyncIterator[TandemRun]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as folder:
        settings = load_settings(
            bot_token=TOKEN,
            framework=framework,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            api_base_url=client.base_url,
            polling_timeout=1,
        )
        tandem = await build(settings, SystemClock())
        await tandem.start()
        try:
            yield TandemRun(client, tandem)
        finally:
            await tandem.stop()


async def bench_tandem(client: EmulatorClient, framework: Framework, users: int) -> tuple[float, list[float]]:
    async with running_tandem(client, framework) as run:
        ids = [int((await client.add_user("Sam", language_code="en"))["id"]) for _ in range(users + 1)]
        await run.user(ids.pop(), [])  # warm-up
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(run.user(i, latencies) for i in ids))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def bench_paced(client: EmulatorClient, framework: Framework) -> list[float]:
    """A steady offered load: a new person sends /start every 1/rate seconds."""
    async with running_tandem(client, framework) as run:
        count = int(PACED_RATE * PACED_SECONDS)
        ids = [int((await client.add_user("Sam", language_code="en"))["id"]) for _ in range(count + 1)]
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


async def bench_updates(users: int, framework: Framework) -> int:
    async with remote_emulator() as client:
        echo_ups, echo_lat = await bench_echo(client, framework, users)
        tandem_ups, tandem_lat = await bench_tandem(client, framework, users)
        paced = await bench_paced(client, framework)
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
