"""Shared fixtures: a running Tandem on the emulator (per framework), a core without HTTP, and a
demo programme already set up."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo.runner import Demo
from bot.simulation import Simulation
from storage.database import Database
from storage.scratch import ScratchDatabase
from tests.journeys import START

# Folders whose tests never open the database under test: the PostgreSQL pass of tools/test.sh
# (-m "not single_pass") leaves them out, as running them twice would test nothing new. The
# adapters' tests convert updates and deliver messages against the emulator and a stand-in core.
SINGLE_PASS_FOLDERS = frozenset({"emulator", "locales", "browser", "demo", "adapters"})
# Unit tests that open the database under test (scratch databases, the schema, the benchmarks on
# PostgreSQL); every other unit test checks rules, texts, parsing or arithmetic, or opens a SQLite
# file of its own, and runs in the SQLite pass only. A new unit test that opens a scratch database
# belongs here.
UNIT_MODULES_ON_THE_DATABASE = frozenset(
    {
        "test_bench_webhook.py",
        "test_bench_week.py",
        "test_due_job_cancel.py",
        "test_flow_state_reads.py",
        "test_json_columns.py",
        "test_migrations.py",
        "test_outbox_insert.py",
        "test_send_budget.py",
    }
)
# The end-to-end tests run through both adapters in the SQLite pass. The adapters never touch the
# database, so the PostgreSQL pass runs each file's tests through one of them, chosen by a stable
# hash of the file's name (half the files each, so both adapters still meet PostgreSQL); the other
# adapter's runs are marked single_pass. Files about concurrency (two people at once, replicas,
# locking) keep both adapters there.
BOTH_ADAPTERS_ON_POSTGRES = frozenset(
    {
        "test_dispatch_faults.py",
        "test_expenses.py",
        "test_invites.py",
        "test_match_batches.py",
        "test_pair_races.py",
        "test_webhook.py",
    }
)
FRAMEWORKS = ("aiogram", "ptb")


def postgres_adapter(file_name: str) -> str:
    """The adapter an end-to-end file's tests take in the PostgreSQL pass."""
    return FRAMEWORKS[zlib.crc32(file_name.encode()) % len(FRAMEWORKS)]


def single_pass(item: pytest.Item) -> bool:
    folder, name = item.path.parent.name, item.path.name
    if SINGLE_PASS_FOLDERS & set(item.path.parts[-3:-1]):
        return True
    if folder == "unit":
        return name not in UNIT_MODULES_ON_THE_DATABASE
    if folder == "e2e" and name not in BOTH_ADAPTERS_ON_POSTGRES:
        framework = getattr(item, "callspec", None) and item.callspec.params.get("framework")
        return framework in FRAMEWORKS and framework != postgres_adapter(name)
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if single_pass(item):
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


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    """A migrated scratch database: SQLite, or PostgreSQL in its pass (TANDEM_TEST_POSTGRES_URL).
    A unit module that uses it belongs in ``UNIT_MODULES_ON_THE_DATABASE``."""
    scratch = await ScratchDatabase.create()
    database = Database(scratch.url)
    try:
        yield database
    finally:
        await database.dispose()
        await scratch.drop()
