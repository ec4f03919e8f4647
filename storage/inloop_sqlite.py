"""SQLite on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every step of a statement (open a cursor, execute, fetch, close) on a thread of
its own and waits for it: four hand-offs a statement, some 33 an update. Tandem serialises SQLite's
writers in-process (``Database.unit_of_work``), so while one transaction waits on those hand-offs no
other can run, and the hand-offs, not SQLite, bound how many updates a process answers. A statement
on a local file takes tens of microseconds; run here, it costs that and no more.

What the thread gave, and how it is kept: another process (``tandem admin``, a second replica on
the same file) may hold SQLite's write lock, and waiting for it inside SQLite would stop the loop.
So the connection waits for nobody (``timeout=0``), each unit of work takes the write lock first
(``BEGIN IMMEDIATE``), and a lock held elsewhere is waited for here, with ``asyncio.sleep``
(``begin_immediate``). Once a transaction holds the lock, nothing in it waits on another process.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import Engine, Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.util import EMPTY_DICT, immutabledict

LOCK_WAIT = 30.0  # seconds a unit of work waits for another process's write lock


class Cursor:
    """An aiosqlite-shaped cursor whose coroutines finish at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    """An aiosqlite-shaped connection over a plain ``sqlite3`` one, used on the loop's thread."""

    _thread = SimpleNamespace(daemon=True)  # the dialect marks aiosqlite's thread a daemon

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = self._conn = connection

    def cursor(self) -> Cursor:
        return Cursor(self._connection.cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._connection.create_function(*args, **kw)

    async def commit(self) -> None:
        self._connection.commit()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def close(self) -> None:
        self._connection.close()

    def stop(self) -> None:
        self._connection.close()

    def __await__(self) -> Any:  # what ``connect`` returns is awaited once
        yield from ()
        return self


def _connect(database: str, **kw: Any) -> Connection:
    kw.pop("timeout", None)
    kw["check_same_thread"] = False
    return Connection(sqlite3.connect(database, timeout=0, **kw))


# aiosqlite's names (its exceptions are sqlite3's) with our ``connect``; ``Connection.stop``
# tells the dialect it can close a connection at once.
_module = SimpleNamespace(**{name: getattr(aiosqlite, name) for name in aiosqlite.__all__})
_module.connect = _connect
_module.Connection = Connection
DBAPI = AsyncAdapt_aiosqlite_dbapi(_module, sqlite3)  # type: ignore[arg-type]


def locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (another process holds the write lock)."""
    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


async def wait_for_lock(attempt: int, started: float) -> None:
    """Between two tries of ``BEGIN IMMEDIATE``: a short pause, longer each time, within
    ``LOCK_WAIT``; past it, the lock is given up on (the caller raises)."""
    if time.monotonic() - started > LOCK_WAIT:
        raise TimeoutError("another process held SQLite's write lock for too long")
    await asyncio.sleep(min(0.002 * 2**attempt, 0.1))


def connect(database: str) -> sqlite3.Connection:
    """A plain connection for ``InLoopSession``'s engine, as ``_connect`` makes for the dialect."""
    return sqlite3.connect(database, timeout=0, check_same_thread=False)


class InLoopSession(AsyncSession):
    """An ``AsyncSession`` over a plain ``sqlite3`` engine whose methods run at once.

    The asyncio session runs each call in a greenlet of its own and switches out of it at every
    step of the driver: some twenty switches and five greenlets a unit of work, about half the cost
    of a short transaction. On the loop's own thread (above) no step of SQLite waits, so there is
    nothing to switch for: the calls an update makes go straight to the ``Session``. The others
    (``refresh``, ``run_sync``, ``stream``…) keep the asyncio session's way, which works the same
    over a driver that never waits; but for ``connection()``, whose asyncio connection needs an
    asyncio driver: ``run_sync`` reaches the ``Session``'s, and ``begin_immediate`` starts a unit
    of work."""

    def __init__(self, engine: Engine, **kw: Any) -> None:
        super().__init__(**kw)
        self.sync_session.bind = engine

    async def execute(
        self,
        statement: Executable,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] = EMPTY_DICT,
        bind_arguments: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Result[Any]:
        options = immutabledict(execution_options).union(PREBUFFERED) if execution_options else PREBUFFERED
        return self.sync_session.execute(
            statement, params, execution_options=options, bind_arguments=bind_arguments, **kw
        )

    async def scalar(
        self,
        statement: Executable,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] = EMPTY_DICT,
        bind_arguments: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Any:
        result = await self.execute(
            statement, params, execution_options=execution_options, bind_arguments=bind_arguments, **kw
        )
        return result.scalar()

    async def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        return self.sync_session.get(entity, ident, **kw)

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        self.sync_session.flush(objects)

    async def delete(self, instance: object) -> None:
        self.sync_session.delete(instance)

    async def commit(self) -> None:
        self.sync_session.commit()

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()

    def begin_immediate(self) -> None:
        """Take SQLite's write lock now; ``locked`` says when another process holds it."""
        self.sync_session.connection().exec_driver_sql("BEGIN IMMEDIATE")


PREBUFFERED = immutabledict({"prebuffer_rows": True})  # as the asyncio session reads results
