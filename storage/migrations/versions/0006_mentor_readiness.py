"""mentor readiness: screening, checks, training progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screening_note", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("interview_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("training_module", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("training_question", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("training_done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mentor_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_mentor_checks_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["people.id"],
            name=op.f("fk_mentor_checks_recorded_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_checks")),
    )
    op.create_index(op.f("ix_mentor_checks_person_id"), "mentor_checks", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mentor_checks_person_id"), table_name="mentor_checks")
    op.drop_table("mentor_checks")
    with op.batch_alter_table("people", schema=None) as batch_op:
        for column in (
            "suspended_at",
            "ready_at",
            "training_done_at",
            "training_question",
            "training_module",
            "interview_at",
            "screening_note",
        ):
            batch_op.drop_column(column)
