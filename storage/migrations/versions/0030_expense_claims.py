"""expense claims: what mentors spent with their learners, and the coordinators' decisions

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expense_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("payee", sa.String(length=120), nullable=True),
        sa.Column("cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("receipt_kind", sa.String(length=16), nullable=True),
        sa.Column("receipt_file_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=1000), nullable=True),
        sa.Column("answer", sa.String(length=1000), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["people.id"], name=op.f("fk_expense_claims_mentor_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["people.id"],
            name=op.f("fk_expense_claims_decided_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claims")),
    )
    op.create_index(op.f("ix_expense_claims_mentor_id"), "expense_claims", ["mentor_id"], unique=False)
    op.create_index(
        "ix_expense_claims_status_spent_on", "expense_claims", ["status", "spent_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_expense_claims_status_spent_on", table_name="expense_claims")
    op.drop_index(op.f("ix_expense_claims_mentor_id"), table_name="expense_claims")
    op.drop_table("expense_claims")
