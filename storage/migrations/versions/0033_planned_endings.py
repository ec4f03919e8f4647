"""planned endings: a pair's planned end, each side's answer to "extend?", how it ended (planned or
early, and why), and the closing survey

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairs") as batch:
        batch.add_column(sa.Column("planned_end", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("learner_extends", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("mentor_extends", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("end_kind", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("early_reason", sa.String(length=16), nullable=True))
    # Every pair that ended before planned endings existed ended early.
    op.execute("UPDATE pairs SET end_kind = 'early' WHERE status = 'ended'")
    op.create_table(
        "closing_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("changed", sa.String(length=1000), nullable=True),
        sa.Column("goals", sa.String(length=8), nullable=False),
        sa.Column("recommend", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_closing_surveys_pair_id_pairs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_closing_surveys_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closing_surveys")),
    )
    op.create_index(op.f("ix_closing_surveys_pair_id"), "closing_surveys", ["pair_id"])
    op.create_index(op.f("ix_closing_surveys_person_id"), "closing_surveys", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_closing_surveys_person_id"), table_name="closing_surveys")
    op.drop_index(op.f("ix_closing_surveys_pair_id"), table_name="closing_surveys")
    op.drop_table("closing_surveys")
    with op.batch_alter_table("pairs") as batch:
        batch.drop_column("early_reason")
        batch.drop_column("end_kind")
        batch.drop_column("mentor_extends")
        batch.drop_column("learner_extends")
        batch.drop_column("planned_end")
