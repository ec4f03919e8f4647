"""relayed_messages: what one of a pair wrote to the other through the bot (/msg); on pairs,
when each agreed to write to the other directly (/direct), and the exact public place they
agreed on (/place)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("learner_direct_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mentor_direct_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("exact_place", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("exact_place_agreed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "relayed_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=4096), nullable=True),
        sa.Column("file_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_for", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"], name=op.f("fk_relayed_messages_pair_id_pairs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["people.id"],
            name=op.f("fk_relayed_messages_sender_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["people.id"],
            name=op.f("fk_relayed_messages_recipient_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["people.id"],
            name=op.f("fk_relayed_messages_decided_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_messages")),
    )
    with op.batch_alter_table("relayed_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relayed_messages_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relayed_messages_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(
            "ix_relayed_messages_sender_id_created_at", ["sender_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relayed_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_relayed_messages_sender_id_created_at")
        batch_op.drop_index(batch_op.f("ix_relayed_messages_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_relayed_messages_pair_id"))
    op.drop_table("relayed_messages")
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("exact_place_agreed_at")
        batch_op.drop_column("exact_place")
        batch_op.drop_column("mentor_direct_at")
        batch_op.drop_column("learner_direct_at")
