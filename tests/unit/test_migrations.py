"""The migrations build exactly the models' schema, and go down and up again, on SQLite and (in
the PostgreSQL pass, TANDEM_TEST_POSTGRES_URL) on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Base
from storage.scratch import ScratchDatabase


def differences(connection: Any) -> tuple[list[Any], str | None]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return compare_metadata(context, Base.metadata), context.get_current_revision()


async def test_upgrade_matches_the_models_and_downgrades_cleanly() -> None:
    scratch = await ScratchDatabase.create(migrated=False)  # an empty database
    try:
        await upgrade(scratch.url)
        engine = create_async_engine(scratch.url)
        async with engine.connect() as connection:
            diff, revision = await connection.run_sync(differences)
        await engine.dispose()
        assert diff == []
        assert revision == head_revision()
        await asyncio.to_thread(command.downgrade, alembic_config(scratch.url), "base")
        await upgrade(scratch.url)
    finally:
        await scratch.drop()
