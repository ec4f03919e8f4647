"""coordinator_groups: which group is the coordinators', recorded by /setup in the group (one row
per scope; "" is the whole programme, an area's id once there are areas)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator_groups",
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by"], ["people.id"], name=op.f("fk_coordinator_groups_set_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("area", name=op.f("pk_coordinator_groups")),
    )


def downgrade() -> None:
    op.drop_table("coordinator_groups")
