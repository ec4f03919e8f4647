"""a voice note on a case-log entry (a learner's reply to a coordinator)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("case_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice_file_id", sa.String(length=256), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("case_entries", schema=None) as batch_op:
        batch_op.drop_column("voice_file_id")
