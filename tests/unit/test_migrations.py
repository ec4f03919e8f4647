"""The migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from storage.migrate import alembic_config, head_revision, upgrade_sync
from storage.models import Base


def test_upgrade_matches_the_models_and_downgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade_sync(url)
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()
    command.downgrade(alembic_config(url), "base")
    upgrade_sync(url)
    engine.dispose()
