"""Shared fixtures: a running Tandem on the emulator (per framework), a core without HTTP, and a
demo programme already set up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo.runner import Demo
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


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo folder with the programme set up, made once (it takes a while): the demo's tests
    start it on a copy, which is also what `tandem demo` does the second time it runs."""
    folder = tmp_path_factory.mktemp("seeded") / "demo"

    async def seed() -> None:
        demo = Demo(folder)
        await demo.start()
        await demo.stop()

    asyncio.run(seed())
    return folder
