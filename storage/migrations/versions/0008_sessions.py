"""weekly slots and sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot_weekday", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("slot_time", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("slot_place", sa.String(length=16), nullable=True))
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("learner_met", sa.String(length=8), nullable=True),
        sa.Column("mentor_met", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_sessions_pair_id_pairs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"], ["people.id"], name=op.f("fk_sessions_cancelled_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_pair_id_starts_at", "sessions", ["pair_id", "starts_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sessions_pair_id_starts_at", table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("slot_place")
        batch_op.drop_column("slot_time")
        batch_op.drop_column("slot_weekday")
