"""What the benchmarks share: an emulator in a process of its own, a Tandem on a fresh SQLite file,
and a person walking the welcome flow, timed from tap to answer."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.adapter import Framework
from bot.app import Tandem, build
from bot.clock import SystemClock
from bot.config import load_settings
from bot.emulator import EmulatorClient

TOKEN = "42:TEST"
ADD_USERS_CHUNK = 1000

Step = Callable[[], Awaitable[None]]


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


async def new_people(client: EmulatorClient, count: int) -> list[int]:
    """``count`` new people in the emulator (ids it chooses), a thousand a request."""
    ids: list[int] = []
    for start in range(0, count, ADD_USERS_CHUNK):
        size = min(ADD_USERS_CHUNK, count - start)
        added = await client.add_users([{"first_name": "Sam", "language_code": "en"}] * size)
        ids.extend(int(person["id"]) for person in added)
    return ids


async def add_people(client: EmulatorClient, ids: list[int]) -> None:
    """People with these ids in the emulator, a thousand a request."""
    for start in range(0, len(ids), ADD_USERS_CHUNK):
        chunk = ids[start : start + ADD_USERS_CHUNK]
        await client.add_users(
            [{"first_name": f"Person {i}", "user_id": i, "language_code": "en"} for i in chunk]
        )


class TandemRun:
    def __init__(self, client: EmulatorClient, tandem: Tandem) -> None:
        self.client, self.tandem = client, tandem

    async def _wait(self, injected: object) -> None:
        await asyncio.wait_for(self.tandem.dispatcher.wait_handled(injected.update_id), 60)  # type: ignore[attr-defined]

    async def send(self, user_id: int, text: str) -> None:
        await self._wait(await self.client.send_text(user_id, text))

    async def press(self, user_id: int, pattern: str) -> None:
        await self._wait(await self.client.press_button(user_id, user_id, pattern))

    def steps(self, user_id: int) -> list[Step]:
        """A volunteer who applies at once: /start, the role, the consent, the name, the language.
        Each step ends when the bot's answers to it are delivered."""
        return [
            lambda: self.send(user_id, "/start"),
            lambda: self.press(user_id, "volunteer"),
            lambda: self.press(user_id, "^Yes$"),
            lambda: self.send(user_id, "Sam"),
            lambda: self.press(user_id, "^English$"),
        ]

    async def user(self, user_id: int, latencies: list[float]) -> None:
        """The whole flow, each step as soon as the previous one was answered."""
        for step in self.steps(user_id):
            await timed(latencies, step)


@contextlib.asynccontextmanager
async def running_tandem(
    client: EmulatorClient, framework: Framework, **overrides: Any
) -> AsyncIterator[TandemRun]:
    """Tandem on a fresh SQLite file, talking to ``client``'s emulator (settings as shipped,
    but for ``overrides``)."""
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as folder:
        settings = load_settings(
            bot_token=TOKEN,
            framework=framework,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            api_base_url=client.base_url,
            polling_timeout=1,
            **overrides,
        )
        tandem = await build(settings, SystemClock())
        await tandem.start()
        try:
            yield TandemRun(client, tandem)
        finally:
            await tandem.stop()
