"""Throwaway databases for tests, simulations and benchmarks: a temporary SQLite file, or a fresh
PostgreSQL database cloned from a migrated template when ``TANDEM_TEST_POSTGRES_URL`` names a server.

Cloning costs a file copy instead of running every migration, so every test gets its own database.
On SQLite the migrated template is a file made once per process; on PostgreSQL a database made once
per server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storage.database import sqlite_path
from storage.migrate import head_revision, upgrade

POSTGRES_ENV = "TANDEM_TEST_POSTGRES_URL"
PREFIX = "tandem_t_"


def postgres_server() -> str | None:
    """The PostgreSQL server scratch databases go to, if one is configured."""
    return os.environ.get(POSTGRES_ENV) or None


@dataclass
class ScratchDatabase:
    """One throwaway database; ``url`` is an async SQLAlchemy URL at the schema's head."""

    url: str = ""
    _folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _server: str | None = field(default=None, repr=False)

    @classmethod
    async def create(cls, *, server: str | None = None, migrated: bool = True) -> ScratchDatabase:
        server = server if server is not None else postgres_server()
        if server is None:
            if migrated:
                return _copy_sqlite(await _sqlite_template())
            folder = tempfile.TemporaryDirectory(prefix="tandem-db-")
            return cls(f"sqlite+aiosqlite:///{Path(folder.name) / 'tandem.db'}", folder)
        name = PREFIX + secrets.token_hex(6)
        template = await _template(server) if migrated else None
        await _execute(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return cls(_with_database(server, name), None, server)

    async def copy(self) -> ScratchDatabase:
        """Another throwaway database holding what this one holds now (a copy of the file, or on
        PostgreSQL a database made with this one as its template), so that many tests can start
        from a state built once. Nothing may be connected to this one meanwhile."""
        if self._server is None:
            source = sqlite_path(self.url)
            assert source is not None
            return _copy_sqlite(source)
        name = PREFIX + secrets.token_hex(6)
        await _execute(self._server, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(self.url).database}"')
        return ScratchDatabase(_with_database(self._server, name), None, self._server)

    @property
    def is_postgres(self) -> bool:
        return self._server is not None

    async def drop(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        if self._server is not None:
            name = make_url(self.url).database
            await _execute(self._server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._server = None


# The migrated SQLite file per head revision, made once per process and removed when it exits.
_sqlite_templates: dict[str | None, tempfile.TemporaryDirectory[str]] = {}


async def _sqlite_template() -> Path:
    """The migrated SQLite file for the current head, built once per process. Running every
    migration commits to disk once per migration (about a second); a copy of the file is instant,
    and a test suite makes a database per test."""
    head = head_revision()
    if head not in _sqlite_templates:
        folder = tempfile.TemporaryDirectory(prefix="tandem-template-")
        await upgrade(f"sqlite+aiosqlite:///{Path(folder.name) / 'tandem.db'}")
        _sqlite_templates.setdefault(head, folder)  # another task may have built one meanwhile
    return Path(_sqlite_templates[head].name) / "tandem.db"


def _copy_sqlite(source: Path) -> ScratchDatabase:
    """A throwaway SQLite database holding what the file at ``source`` holds."""
    folder = tempfile.TemporaryDirectory(prefix="tandem-db-")
    target = Path(folder.name) / source.name
    for suffix in ("", "-wal"):  # a log left behind holds commits not yet in the file
        part = source.with_name(source.name + suffix)
        if part.exists():
            shutil.copyfile(part, target.with_name(target.name + suffix))
    return ScratchDatabase(f"sqlite+aiosqlite:///{target}", folder)


async def _template(server: str) -> str:
    """The migrated template for the current head, built once per server (under a lock)."""
    import asyncpg

    name = f"tandem_template_{head_revision()}"
    connection = await asyncpg.connect(_dsn(server))
    try:
        await connection.execute("SELECT pg_advisory_lock(7264)")
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                building = name + "_building"
                await connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                await connection.execute(f'CREATE DATABASE "{building}"')
                await upgrade(_with_database(server, building))
                await connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await connection.execute("SELECT pg_advisory_unlock(7264)")
    finally:
        await connection.close()
    return name


async def _execute(server: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_dsn(server))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _with_database(server: str, name: str) -> str:
    url: URL = make_url(server).set(database=name)
    return url.render_as_string(hide_password=False)


def _dsn(server: str) -> str:
    """asyncpg's own connection string (no SQLAlchemy driver suffix)."""
    return make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
