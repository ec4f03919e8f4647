"""every copy of an alert tracked (message_refs gets a row per copy); group_chats: whether the
coordinators' group still takes the bot's messages

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OLD = sa.table(
    "message_refs",
    sa.column("key", sa.String()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("message_id", sa.BigInteger()),
    sa.column("sent_at", sa.DateTime(timezone=True)),
)


def _refs() -> list[dict[str, object]]:
    """The tracked messages, kept across the table's rebuild (their alerts stay editable)."""
    rows = op.get_bind().execute(sa.select(OLD).order_by(OLD.c.sent_at))
    return [dict(row._mapping) for row in rows]


def upgrade() -> None:
    kept = _refs()
    op.drop_table("message_refs")
    refs = op.create_table(
        "message_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_refs")),
    )
    with op.batch_alter_table("message_refs", schema=None) as batch_op:
        batch_op.create_index("ix_message_refs_key", ["key"], unique=False)
    if kept:
        op.bulk_insert(refs, kept)
    op.create_table(
        "group_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_chats")),
    )


def downgrade() -> None:
    op.drop_table("group_chats")
    newest: dict[object, dict[str, object]] = {ref["key"]: ref for ref in _refs()}  # the last copy
    with op.batch_alter_table("message_refs", schema=None) as batch_op:
        batch_op.drop_index("ix_message_refs_key")
    op.drop_table("message_refs")
    refs = op.create_table(
        "message_refs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_message_refs")),
    )
    if newest:
        op.bulk_insert(refs, list(newest.values()))
