"""Cancelling a job by its key: the pending job of that key no longer runs, one already done or
cancelled is left as it is, and a job the unit of work holds says so at once (the scheduler holds
the job it runs while its handler cancels others). On SQLite here, on PostgreSQL in its pass."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.database import Database
from storage.models import DueJob

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def job(key: str, status: str = "pending") -> dict[str, object]:
    return {
        "kind": "flow.nudge",
        "payload": {},
        "due_at": NOW,
        "dedupe_key": key,
        "status": status,
        "attempts": 0,
        "created_at": NOW,
    }


async def statuses(db: Database) -> dict[str, str]:
    async with db.unit_of_work() as uow:
        rows = (await uow.session.execute(select(DueJob.dedupe_key, DueJob.status))).all()
    return {str(key): status for key, status in rows}


async def test_only_the_pending_job_of_the_key_is_cancelled_and_a_held_one_says_so(db: Database) -> None:
    async with db.unit_of_work() as uow:
        for values in (job("nudge:1"), job("nudge:2"), job("nudge:3", "done")):
            await uow.jobs.add(values)
    async with db.unit_of_work() as uow:
        held = {j.dedupe_key: j for j in (await uow.session.execute(select(DueJob))).scalars()}
        await uow.jobs.cancel("nudge:1")
        await uow.jobs.cancel("nudge:3")
        await uow.jobs.cancel("nudge:9")  # none of that key: nothing happens
        assert held["nudge:1"].status == "cancelled"
        assert held["nudge:2"].status == "pending" and held["nudge:3"].status == "done"
    assert await statuses(db) == {"nudge:1": "cancelled", "nudge:2": "pending", "nudge:3": "done"}
