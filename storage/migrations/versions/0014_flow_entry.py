"""flow entry

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry", sa.String(length=64), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.drop_column("entry")
