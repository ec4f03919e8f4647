"""Engine, session factory and the unit of work (one database transaction per inbound event)."""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from storage import inloop_sqlite
from storage.repositories import UnitOfWork, write_flow_states

WITHHELD = "<withheld>"


class WithholdParameters(logging.Filter):
    """aiosqlite's DEBUG lines print each call with its SQL parameters, which carry what people
    wrote: the line stays, its arguments do not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(WITHHELD for _ in record.args)
        elif record.args:
            record.args = dict.fromkeys(record.args, WITHHELD)
        return True


logging.getLogger("aiosqlite").addFilter(WithholdParameters())


class Database:
    """Owns the engine. On SQLite it serialises writers in-process (SQLite has one writer)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # hide_parameters: an error's text would otherwise quote them, and they are what people wrote.
        self.engine: AsyncEngine = create_async_engine(
            url, echo=echo, hide_parameters=True, **_engine_options(url)
        )
        self.sync_engine = self.engine.sync_engine
        self._sessions: Callable[[], AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            path = sqlite_path(url)
            if path is not None:  # units of work skip the asyncio session (``InLoopSession``)
                self.sync_engine = _inloop_engine(path, echo)
                inloop = partial(inloop_sqlite.InLoopSession, self.sync_engine, expire_on_commit=False)
                self._sessions = inloop

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A transaction: commits when the block ends, rolls back when it raises."""
        if self._write_lock is None:
            async with self._session() as uow:
                yield uow
            return
        async with self._write_lock, self._session() as uow:
            await _begin_immediate(uow.session)
            yield uow

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[UnitOfWork]:
        session: AsyncSession = self._sessions()
        try:
            yield UnitOfWork(session)
            await write_flow_states(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await session.close()

    async def wipe_log(self) -> None:
        """SQLite: copy the write-ahead log into the database and truncate it, so the pages of rows
        just deleted (zeroed there by ``secure_delete``) no longer sit on disk in the log. A no-op
        on PostgreSQL, whose dead rows go at the next vacuum (docs/operations.md)."""
        if self._write_lock is None:
            return
        async with self._write_lock, self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.sync_engine is not self.engine.sync_engine:
            self.sync_engine.dispose()


_VERB = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM|SELECT|\w+)", re.I)
_TABLE = re.compile(r"\b(?:INTO|UPDATE|FROM)\s+\"?(\w+)", re.I)


def failed_statement(exc: DBAPIError) -> str:
    """A database error as a log may carry it: its kinds, PostgreSQL's SQLSTATE and the
    statement's verb and table (``UPDATE flow_states``). Never the parameters, which are what
    people wrote, nor the driver's message, which may quote them."""
    sql = " ".join((exc.statement or "").split())
    verb, table = _VERB.match(sql), _TABLE.search(sql)
    name = verb[1].upper() if verb else "a statement"
    if table:
        name += (" FROM " if name == "SELECT" else " ") + table[1]
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    driver = type(exc.orig).__name__ + (f", sqlstate {sqlstate}" if sqlstate else "")
    return f"{type(exc).__name__} ({driver}) in {name}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_folder(url: str) -> None:
    """A SQLite file's folder is made when missing (``var/`` in a fresh directory)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def shown(url: str) -> str:
    """A database URL as a terminal or a log may show it: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def unreachable(exc: BaseException, url: str) -> str | None:
    """One line naming why the database at ``url`` could not be reached or opened, and what to
    change; None when ``exc`` is something else (a bug keeps its traceback)."""
    parsed = make_url(url)
    path = sqlite_path(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    for cause in causes(exc):
        if isinstance(cause, OSError | DBAPIError) and path is not None:
            said = _said(cause) if isinstance(cause, DBAPIError) else cause.strerror or type(cause).__name__
            if isinstance(cause, OSError) or cause.statement is None:  # not a query's error
                return (
                    f"cannot open the SQLite database {path} ({said}): check TANDEM_DATABASE_URL "
                    "and that its folder can be written to"
                )
        elif isinstance(cause, OSError):
            return (
                f"cannot reach the database at {where} ({network_reason(exc)}): is PostgreSQL running "
                f"there? Check TANDEM_DATABASE_URL ({shown(url)})"
            )
        elif isinstance(cause, DBAPIError) and cause.statement is None:  # connecting, not a query
            return (
                f"the database at {where} refused the connection ({_said(cause)}): check the user, "
                f"password and database name in TANDEM_DATABASE_URL ({shown(url)})"
            )
    return None


def _said(exc: DBAPIError) -> str:
    """The driver's first line: when connecting, it names the database or the user, no data."""
    lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return lines[0] if lines else type(exc).__name__


def network_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words, from the deepest socket error behind ``exc`` (or
    the deepest error's kind: a client may not keep the socket's error as a cause)."""
    chain = list(causes(exc))
    found = [cause for cause in chain if isinstance(cause, OSError)]
    if not found:
        return type(chain[-1]).__name__
    root = found[-1]
    if isinstance(root, socket.gaierror):
        return "unknown host"
    if isinstance(root, ConnectionRefusedError) or root.errno == errno.ECONNREFUSED:
        return "connection refused"
    if isinstance(root, TimeoutError):
        return "timed out"
    text = root.strerror or str(root)
    return text.splitlines()[0] if text else type(root).__name__


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what caused it or was being handled when it was raised, and so on."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        yield found
        # ``raise ... from None`` suppresses the context: what was being handled is not a cause
        found = found.__cause__ or (None if found.__suppress_context__ else found.__context__)


def json_text(value: Any) -> str:
    """A JSON column's value as stored: written by orjson (each update writes a conversation's
    answers and a job's payload), but for what only the standard library writes (an integer
    beyond 64 bits, a key that is not a string), which it writes as it always has. A float that
    is not a number becomes null, JSON having no NaN (no answer can be one: numbers are asked
    within a range)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def json_value(text: str) -> Any:
    """A JSON column's stored text read back (a ``NaN`` the standard library wrote, as it reads it)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


JSON_CODEC = {"json_serializer": json_text, "json_deserializer": json_value}


def _engine_options(url: str) -> dict[str, Any]:
    if make_url(url).get_backend_name() == "sqlite":
        make_folder(url)
        # Writers are serialised in-process (see unit_of_work), so one connection serves all;
        # every unit of work ends in commit or rollback, so the pool's extra rollback on
        # check-in would be a wasted round trip to aiosqlite's thread.
        options = {"module": inloop_sqlite.DBAPI, "pool_reset_on_return": None, "poolclass": StaticPool}
        return {**options, **JSON_CODEC}
    return {"pool_pre_ping": True, **JSON_CODEC}


def _inloop_engine(path: Path, echo: bool) -> Engine:
    """The engine of ``InLoopSession``: a plain ``sqlite3`` connection on the loop's thread."""
    engine = create_engine(
        "sqlite://",
        creator=partial(inloop_sqlite.connect, str(path)),
        poolclass=StaticPool,
        pool_reset_on_return=None,  # every unit of work ends in commit or rollback
        hide_parameters=True,
        echo=echo,
        **JSON_CODEC,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


async def _begin_immediate(session: AsyncSession) -> None:
    """SQLite: the write lock first (the connection waits for nobody: ``storage.inloop_sqlite``);
    held by another process, it is waited for here, the loop running meanwhile."""
    started = time.monotonic()
    for attempt in itertools.count():
        try:
            if isinstance(session, inloop_sqlite.InLoopSession):
                session.begin_immediate()
            else:
                await (await session.connection()).exec_driver_sql("BEGIN IMMEDIATE")
            return
        except DBAPIError as exc:
            if not inloop_sqlite.locked(exc):
                raise
            await session.rollback()
            await inloop_sqlite.wait_for_lock(attempt, started)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")  # a deleted row's bytes are overwritten, not left
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
