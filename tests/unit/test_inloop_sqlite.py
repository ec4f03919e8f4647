"""SQLite runs on the event loop's thread (``storage.inloop_sqlite``): no thread of aiosqlite's, and
a write lock another process holds is waited for without stopping the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database


async def test_statements_run_without_a_thread_of_their_own(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'tandem.db'}")
    try:
        before = threading.active_count()
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INTEGER)"))
            await uow.session.execute(text("INSERT INTO t VALUES (1), (2)"))
        async with db.unit_of_work() as uow:
            assert (await uow.session.execute(text("SELECT sum(x) FROM t"))).scalar() == 3
        assert threading.active_count() == before
    finally:
        await db.dispose()


async def test_a_failed_unit_of_work_leaves_nothing_and_other_calls_work(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'tandem.db'}")
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INTEGER)"))
        with pytest.raises(RuntimeError):
            async with db.unit_of_work() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("a bug halfway")
        async with db.unit_of_work() as uow:  # the calls the session does not make directly
            await uow.session.execute(text("INSERT INTO t VALUES (2), (3)"))
            assert await uow.session.run_sync(lambda s: s.execute(text("SELECT sum(x) FROM t")).scalar()) == 5
            ordered = text("SELECT x FROM t ORDER BY x")
            assert [row[0] async for row in await uow.session.stream(ordered)] == [2, 3]
            assert list(await uow.session.scalars(ordered)) == [2, 3]
    finally:
        await db.dispose()


async def test_a_lock_held_by_another_process_is_waited_for_while_the_loop_runs(tmp_path: Path) -> None:
    path = tmp_path / "tandem.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INTEGER)"))
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # as `tandem admin` writing meanwhile
        other.execute("INSERT INTO t VALUES (10)")

        ticks = 0

        async def loop_keeps_running() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        async def write() -> int:
            async with db.unit_of_work() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (1)"))
                return int((await uow.session.execute(text("SELECT sum(x) FROM t"))).scalar() or 0)

        ticker = asyncio.create_task(loop_keeps_running())
        writer = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writer.done(), "the unit of work waits for the other process's lock"
        assert ticks >= 5, "and the loop runs meanwhile"
        other.execute("COMMIT")
        assert await asyncio.wait_for(writer, 5) == 11  # then it runs, and reads what was committed
        ticker.cancel()
        other.close()
    finally:
        await db.dispose()


async def test_a_lock_never_released_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.inloop_sqlite.LOCK_WAIT", 0.2)
    path = tmp_path / "tandem.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.unit_of_work() as uow:
            await uow.session.execute(text("CREATE TABLE t (x INTEGER)"))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(TimeoutError):
            async with db.unit_of_work() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (1)"))
        other.execute("ROLLBACK")
        other.close()
        async with db.unit_of_work() as uow:  # and the next unit of work is fine
            await uow.session.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        await db.dispose()
