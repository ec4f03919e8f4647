"""Fixtures for running both adapters against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.adapter import FRAMEWORKS, Adapter, AdapterOptions, Framework, load_adapter, recorded
from bot.emulator import Emulator, Limits
from bot.events import Inbound

TOKEN = "42:TEST"


class RecordingSink:
    """Keeps every event and ignored update, in arrival order (which records them, as far as
    long polling is concerned)."""

    def __init__(self) -> None:
        self.events: list[Inbound] = []
        self.ignored: list[tuple[int, str]] = []
        self._arrived = asyncio.Condition()

    @property
    def count(self) -> int:
        return len(self.events) + len(self.ignored)

    async def handle(self, event: Inbound) -> None:
        await self._note(lambda: self.events.append(event))

    async def ignore(self, update_id: int, kind: str) -> None:
        await self._note(lambda: self.ignored.append((update_id, kind)))

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self.count >= count)

    async def _note(self, record: Callable[[], None]) -> None:
        async with self._arrived:
            record()
            recorded()
            self._arrived.notify_all()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    # Limits off: these tests force their 429s; the flood limits have their own tests.
    emu = Emulator(limits=Limits(enabled=False))
    await emu.start()
    yield emu
    await emu.stop()


def options_for(emu: Emulator, **overrides: Any) -> AdapterOptions:
    # Short polls so stop() never waits long; two 5xx retries keep the give-up test quick.
    options = AdapterOptions(
        token=TOKEN, base_url=emu.base_url, polling_timeout=1, request_timeout=5.0, max_retries_5xx=2
    )
    return replace(options, **overrides)


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> Framework:
    framework: Framework = request.param
    return framework


Started = tuple[Adapter, RecordingSink]


@pytest.fixture
async def start_adapter(
    emulator: Emulator, framework: Framework
) -> AsyncIterator[Callable[..., Awaitable[Started]]]:
    """Start the framework's adapter (options may be overridden); stopped after the test."""
    running: list[Adapter] = []

    async def start(**overrides: Any) -> Started:
        adapter = load_adapter(framework, options_for(emulator, **overrides))
        sink = RecordingSink()
        await adapter.start(sink)
        running.append(adapter)
        return adapter, sink

    yield start
    for adapter in running:
        await adapter.stop()


@pytest.fixture
async def started(start_adapter: Callable[..., Awaitable[Started]]) -> Started:
    return await start_adapter()
