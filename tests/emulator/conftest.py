"""Fixtures: a fresh emulator per test and a minimal Bot API caller over real HTTP."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import Emulator

TOKEN = "42:TEST"


class BotCaller:
    """Calls the emulated Bot API like a client library: form-encoded, nested objects as JSON."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    def url(self, method: str, token: str = TOKEN) -> str:
        return f"{self.base_url}/bot{token}/{method}"

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items() if v is not None}
        async with self.session.post(self.url(method), data=form) as resp:
            return resp.status, await resp.json()

    @classmethod
    @contextlib.asynccontextmanager
    async def session_for(cls, emu: Emulator) -> AsyncIterator[BotCaller]:
        async with aiohttp.ClientSession() as session:
            yield cls(session, emu.base_url)

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"] is True, body
        return body["result"]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def api(emu: Emulator, session: aiohttp.ClientSession) -> BotCaller:
    return BotCaller(session, emu.base_url)
