"""per-session figures for coordinators: late cancellations, response times

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancelled_late", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for column in ("confirm_asked_at", "learner_answered_at", "mentor_answered_at"):
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        for column in ("mentor_answered_at", "learner_answered_at", "confirm_asked_at", "cancelled_late"):
            batch_op.drop_column(column)
