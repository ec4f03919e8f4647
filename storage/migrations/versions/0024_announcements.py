"""announcements: a coordinator's message to many, and a row per recipient's copy

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=3000), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("cohort", sa.String(length=60), nullable=True),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sent_by"], ["people.id"], name=op.f("fk_announcements_sent_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_table(
        "announcement_copies",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_copies_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_announcement_copies_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("announcement_id", "person_id", name=op.f("pk_announcement_copies")),
    )
    op.create_index(
        op.f("ix_announcement_copies_person_id"), "announcement_copies", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_announcement_copies_person_id"), table_name="announcement_copies")
    op.drop_table("announcement_copies")
    op.drop_table("announcements")
