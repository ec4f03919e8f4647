"""roundtables: mentors' meetings to exchange experience, and who is invited and coming

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roundtables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("cohort", sa.String(length=60), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_roundtables_created_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roundtables")),
    )
    op.create_table(
        "roundtable_guests",
        sa.Column("roundtable_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["roundtable_id"],
            ["roundtables.id"],
            name=op.f("fk_roundtable_guests_roundtable_id_roundtables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_roundtable_guests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("roundtable_id", "person_id", name=op.f("pk_roundtable_guests")),
    )
    op.create_index(op.f("ix_roundtable_guests_person_id"), "roundtable_guests", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_roundtable_guests_person_id"), table_name="roundtable_guests")
    op.drop_table("roundtable_guests")
    op.drop_table("roundtables")
