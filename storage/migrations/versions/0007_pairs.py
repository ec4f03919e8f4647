"""pairs: proposals, introductions, first meetings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_told_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_meeting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_meeting_place", sa.String(length=16), nullable=True),
        sa.Column("learner_continues", sa.String(length=8), nullable=True),
        sa.Column("mentor_continues", sa.String(length=8), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["people.id"], name=op.f("fk_pairs_learner_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["people.id"], name=op.f("fk_pairs_mentor_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["people.id"], name=op.f("fk_pairs_proposed_by_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairs")),
    )
    op.create_index(op.f("ix_pairs_learner_id"), "pairs", ["learner_id"], unique=False)
    op.create_index(op.f("ix_pairs_mentor_id"), "pairs", ["mentor_id"], unique=False)
    op.create_index("ix_pairs_status_position", "pairs", ["status", "position"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_pairs_status_position", table_name="pairs")
    op.drop_index(op.f("ix_pairs_mentor_id"), table_name="pairs")
    op.drop_index(op.f("ix_pairs_learner_id"), table_name="pairs")
    op.drop_table("pairs")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("waiting_told_at")
