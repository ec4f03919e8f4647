"""relationship_checks: each of a pair's answers to the relationship check (five items, 1 to 5);
roundtables: who came (marked by the organiser) and their answer to the question after

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

ITEMS = ("closeness", "trust", "usefulness", "enjoyment", "going_on")


def upgrade() -> None:
    op.create_table(
        "relationship_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(item, sa.Integer(), nullable=False) for item in ITEMS),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_relationship_checks_pair_id_pairs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_relationship_checks_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationship_checks")),
    )
    op.create_index(op.f("ix_relationship_checks_pair_id"), "relationship_checks", ["pair_id"], unique=False)
    op.create_index(
        op.f("ix_relationship_checks_person_id"), "relationship_checks", ["person_id"], unique=False
    )
    with op.batch_alter_table("roundtables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attendance_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("roundtable_guests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("came", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("feedback", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roundtable_guests", schema=None) as batch_op:
        batch_op.drop_column("feedback")
        batch_op.drop_column("came")
    with op.batch_alter_table("roundtables", schema=None) as batch_op:
        batch_op.drop_column("attendance_at")
    op.drop_index(op.f("ix_relationship_checks_person_id"), table_name="relationship_checks")
    op.drop_index(op.f("ix_relationship_checks_pair_id"), table_name="relationship_checks")
    op.drop_table("relationship_checks")
