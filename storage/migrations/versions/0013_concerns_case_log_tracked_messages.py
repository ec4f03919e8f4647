"""concerns, case log, tracked messages

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_refs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_message_refs")),
    )
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("about_mentor", sa.Boolean(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=True),
        sa.Column("voice_file_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["people.id"],
            name=op.f("fk_concerns_acknowledged_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_concerns_pair_id_pairs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["people.id"], name=op.f("fk_concerns_raised_by_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["people.id"], name=op.f("fk_concerns_subject_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
    )
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concerns_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index("ix_concerns_status_severity", ["status", "severity"], unique=False)

    op.create_table(
        "case_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_case_entries_actor_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_case_entries_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_entries")),
    )
    with op.batch_alter_table("case_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_entries_concern_id"), ["concern_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("case_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_entries_concern_id"))

    op.drop_table("case_entries")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index("ix_concerns_status_severity")
        batch_op.drop_index(batch_op.f("ix_concerns_pair_id"))

    op.drop_table("concerns")
    op.drop_table("message_refs")
