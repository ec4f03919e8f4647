"""people stored before this release who never agreed are forgotten within a day

Since migration 0019's release a newcomer who does not agree is forgotten a day after their first
update, by a due job written with their row. People who arrived before kept their row for ever;
this gives each of them the same job, due when it would have been (a day after they arrived), so
whoever is long past it is forgotten at the first tick after the upgrade.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FORGET_JOB = "person.forget_unconsented"  # bot.services.consent.FORGET_JOB, as it was written
KEPT_WITHOUT_CONSENT = timedelta(hours=23)

people = sa.table(
    "people",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("consent_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
)
due_jobs = sa.table(
    "due_jobs",
    sa.column("kind", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("due_at", UTCDateTime()),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("dedupe_key", sa.String),
    sa.column("created_at", UTCDateTime()),
)


def upgrade() -> None:
    bind = op.get_bind()
    never_agreed = sa.select(people.c.id, people.c.created_at).where(
        people.c.consent_at.is_(None), sa.or_(people.c.role.is_(None), people.c.role != "coordinator")
    )
    keys = {row.dedupe_key for row in bind.execute(sa.select(due_jobs.c.dedupe_key))}
    rows = [
        {
            "kind": FORGET_JOB,
            "payload": {"person_id": person_id},
            "due_at": arrived + KEPT_WITHOUT_CONSENT,
            "status": "pending",
            "attempts": 0,
            "dedupe_key": f"forget:{person_id}",
            "created_at": arrived,
        }
        for person_id, arrived in bind.execute(never_agreed)
        if f"forget:{person_id}" not in keys
    ]
    if rows:
        bind.execute(due_jobs.insert(), rows)


def downgrade() -> None:
    pass  # the jobs forget only people who never agreed; they stay
