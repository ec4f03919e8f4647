"""Shared fixtures: a running Tandem on the emulator (per framework) and a core without HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.simulation import Simulation

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["aiogram", "ptb"])
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def sim(framework: str) -> AsyncIterator[Simulation]:
    simulation = Simulation(framework=framework, start=START)  # type: ignore[arg-type]
    await simulation.start()
    try:
        yield simulation
    finally:
        await simulation.stop()
