"""Shared fixtures: a running Tandem on the emulator (per framework) and a core without HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.simulation import Simulation
from tests.journeys import START

# Folders whose tests never open the database under test: the PostgreSQL pass of tools/test.sh
# (-m "not single_pass") leaves them out, as running them twice would test nothing new.
SINGLE_PASS_FOLDERS = frozenset({"emulator", "locales", "browser", "demo"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SINGLE_PASS_FOLDERS & set(item.path.parts[-3:-1]):
            item.add_marker(pytest.mark.single_pass)


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
