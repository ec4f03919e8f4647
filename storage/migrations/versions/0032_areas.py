"""areas: every person and invite belongs to a programme area (coordinators: several, or "*" for
all); what exists moves into the default area, and today's coordinators see every area

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("area", sa.String(length=200), server_default="main", nullable=False))
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("area", sa.String(length=200), server_default="main", nullable=False))
    # Until now every coordinator saw the whole programme: they stay programme leads.
    op.execute("UPDATE people SET area = '*' WHERE role = 'coordinator'")
    op.execute("UPDATE invites SET area = '*' WHERE role = 'coordinator'")


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.drop_column("area")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("area")
