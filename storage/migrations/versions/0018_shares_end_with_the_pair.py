"""what a learner shared with a mentor whose pair has ended is no longer shared

Before this release a shared progress chart and shared goals stayed shared after a pair ended,
and the next mentor saw them. Learners who have no running pair now, but had one, get theirs back.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

people = sa.table("people", sa.column("id", sa.Integer), sa.column("role"), sa.column("profile", sa.JSON))
pairs = sa.table("pairs", sa.column("learner_id", sa.Integer), sa.column("status"))
goals = sa.table("goals", sa.column("person_id", sa.Integer), sa.column("shared", sa.Boolean))


def upgrade() -> None:
    bind = op.get_bind()

    def learners(*statuses: str) -> set[int]:
        query = sa.select(pairs.c.learner_id).where(pairs.c.status.in_(statuses))
        return {row.learner_id for row in bind.execute(query)}

    had_a_pair = learners("ended", "declined") - learners("introduced", "active")
    for row in bind.execute(sa.select(people.c.id, people.c.profile).where(people.c.role == "learner")):
        if row.id not in had_a_pair:
            continue
        profile = dict(row.profile or {})
        if profile.get("share_progress"):
            profile["share_progress"] = False
            bind.execute(people.update().where(people.c.id == row.id).values(profile=profile))
        bind.execute(goals.update().where(goals.c.person_id == row.id).values(shared=False))


def downgrade() -> None:
    pass  # what was withdrawn is not shared again
