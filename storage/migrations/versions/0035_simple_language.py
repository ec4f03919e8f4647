"""simple language: a person may choose short sentences and buttons first (people.simple_language);
a mentor's note after a session may be a voice note (mentor_notes.voice_file_id)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("simple_language", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("mentor_notes") as batch:
        batch.add_column(sa.Column("voice_file_id", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentor_notes") as batch:
        batch.drop_column("voice_file_id")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("simple_language")
