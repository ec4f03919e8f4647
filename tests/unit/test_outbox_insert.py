"""An update's messages go into the outbox in one INSERT whose ids come back in the messages'
order (delivery follows that order, and a message's outcome is recorded against its id). On
SQLite here, on PostgreSQL in its pass (TANDEM_TEST_POSTGRES_URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select

from storage.database import Database
from storage.models import OutboxMessage

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def row(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "action": {"kind": "text"},
        "content": text.encode(),
        "status": "pending",
        "attempts": 0,
        "created_at": NOW,
        "next_attempt_at": NOW,
    }


async def test_rows_are_written_in_one_statement_with_their_ids_in_order(db: Database) -> None:
    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts.append(statement)

    event.listen(db.sync_engine, "before_cursor_execute", seen)
    texts = [f"message {i}" for i in range(7)]
    async with db.unit_of_work() as uow:
        await uow.outbox.add_many([row(1, "earlier")])
        inserts.clear()
        ids = await uow.outbox.add_many([row(100 + i, t) for i, t in enumerate(texts)])
    assert len(inserts) == 1, inserts
    async with db.unit_of_work() as uow:
        stored = (await uow.session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))).scalars()
        by_id = {m.id: (m.chat_id, m.content) for m in stored}
    assert [by_id[i] for i in ids] == [(100 + i, t.encode()) for i, t in enumerate(texts)]
