"""The migrations build exactly the models' schema, and go down and up again, on SQLite and (in
the PostgreSQL pass, TANDEM_TEST_POSTGRES_URL) on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, insert, select, table
from sqlalchemy.ext.asyncio import create_async_engine

from bot.services import consent
from storage.database import Database
from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Base, DueJob
from storage.scratch import ScratchDatabase


def differences(connection: Any) -> tuple[list[Any], str | None]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return compare_metadata(context, Base.metadata), context.get_current_revision()


async def old_person(session: Any, **values: Any) -> int:
    """A person as an older revision stored one: only the columns given (the model has more)."""
    people = table("people", *(column(name) for name in values), column("id"))
    return int((await session.execute(insert(people).values(**values).returning(people.c.id))).scalar_one())


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


async def test_people_stored_before_consent_was_kept_a_day_are_given_their_day() -> None:
    """Migration 0020: whoever never agreed gets the job that forgets them a day after they came,
    once; people who agreed, coordinators, and those who already have the job are left as they are."""
    scratch = await ScratchDatabase.create(migrated=False)
    try:
        await upgrade(scratch.url, "0019")
        db = Database(scratch.url)
        now = datetime.now(UTC)
        async with db.unit_of_work() as uow:
            ids = {}
            for name, role, agreed, arrived in [
                ("only_start", None, None, now - timedelta(hours=2)),
                ("old_learner", "learner", None, now - timedelta(days=40)),
                ("agreed", "learner", now, now),
                ("coordinator", "coordinator", None, now),
                ("has_job", None, None, now),
            ]:
                ids[name] = await old_person(  # the columns of 0019
                    uow.session, telegram_user_id=len(ids) + 1, chat_id=len(ids) + 1, first_name=name,
                    role=role, consent_at=agreed, created_at=arrived, updated_at=arrived,
                )  # fmt: skip
            await uow.session.execute(  # as keep_for_a_day wrote it then (the columns of 0019)
                insert(DueJob).values(
                    kind=consent.FORGET_JOB, payload={"person_id": ids["has_job"]},
                    due_at=now + timedelta(hours=18), status="pending", attempts=0,
                    dedupe_key=consent.forget_key(ids["has_job"]), created_at=now,
                )
            )  # fmt: skip
        await db.dispose()

        await upgrade(scratch.url)

        db = Database(scratch.url)
        async with db.unit_of_work() as uow:
            jobs = (
                await uow.session.execute(select(DueJob).where(DueJob.kind == consent.FORGET_JOB))
            ).scalars()
            due = {job.payload["person_id"]: job.due_at for job in jobs}
        await db.dispose()
        assert set(due) == {ids["only_start"], ids["old_learner"], ids["has_job"]}
        assert due[ids["has_job"]] < now + timedelta(hours=19)  # its own day, not a new one
        # due a day after they arrived, as for a newcomer: the long-gone at the first tick
        assert due[ids["only_start"]] == now + timedelta(hours=21)
        assert due[ids["old_learner"]] < now
    finally:
        await scratch.drop()


async def test_existing_people_move_into_the_default_area_and_coordinators_see_all() -> None:
    """Migration 0032: learners, mentors and their invites go to the default area ("main");
    today's coordinators (and coordinator invites) become programme leads ("*")."""
    scratch = await ScratchDatabase.create(migrated=False)
    try:
        await upgrade(scratch.url, "0031")
        db = Database(scratch.url)
        now = datetime.now(UTC)
        async with db.unit_of_work() as uow:
            ids = {}
            for n, role in enumerate(("learner", "mentor", "coordinator", None)):
                ids[role] = await old_person(
                    uow.session, telegram_user_id=n + 1, chat_id=n + 1, first_name=str(role), role=role,
                    created_at=now, updated_at=now,
                )  # fmt: skip
        await db.dispose()
        await upgrade(scratch.url)
        db = Database(scratch.url)
        async with db.unit_of_work() as uow:
            areas = {role: (await uow.people.get(pid)).area for role, pid in ids.items()}  # type: ignore[union-attr]
        await db.dispose()
        assert areas == {"learner": "main", "mentor": "main", "coordinator": "*", None: "main"}
    finally:
        await scratch.drop()
