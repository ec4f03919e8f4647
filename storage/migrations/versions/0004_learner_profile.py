"""learner profile and consent

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("guardian_name", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("guardian_contact", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("guardian_confirmed_at", sa.DateTime(timezone=True), nullable=True))
        # Rows from before get an empty profile.
        batch_op.add_column(sa.Column("profile", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("profile")
        batch_op.drop_column("guardian_confirmed_at")
        batch_op.drop_column("guardian_contact")
        batch_op.drop_column("guardian_name")
        batch_op.drop_column("consent_at")
