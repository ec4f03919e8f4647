"""The dispatcher under faults: a bot process killed with SIGKILL halfway through a fan-out of
1,000 due reminders sends each of them once after it is started again.

The Bot API has no idempotency key, so the one message whose request may have reached Telegram
when the process died (sent, but not yet recorded as sent) cannot be told apart from one that
did not: it is sent again, never dropped. The test finds that message from the database and
the transcript at the moment of the kill and holds the bot to exactly that: every other
reminder exactly once, the one in doubt at most twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import Emulator, Limits
from bot.fanout import REMINDER, seed_due_reminders
from storage.database import Database
from storage.migrate import upgrade
from storage.models import DueJob, OutboxMessage

REMINDERS = 1000
KILL_AFTER = 400
# Fast enough to keep the test short; the pace itself is the benchmark's business.
EMULATED = Limits(bot_per_second=400.0, bot_burst=400.0)
SEND_PER_SECOND = "300"


async def start_bot(
    tmp_path: Path, emulator: Emulator, database_url: str, framework: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_FRAMEWORK": framework,
        "TANDEM_API_BASE_URL": emulator.base_url,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_POLLING_TIMEOUT": "1",
        "TANDEM_TICK_SECONDS": "0.2",
        "TANDEM_SEND_PER_SECOND": SEND_PER_SECOND,
    }
    log = (tmp_path / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    finally:
        log.close()


def delivered(emulator: Emulator) -> Counter[int]:
    return Counter(
        entry.chat_id
        for entry in emulator.transcript()
        if entry.sender == "bot" and REMINDER in (entry.text or "")
    )


async def work_left(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.unit_of_work() as uow:
            jobs = await uow.session.scalar(
                select(func.count()).select_from(DueJob).where(DueJob.status == "pending")
            )
            rows = await uow.session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(jobs or 0) + int(rows or 0)
    finally:
        await db.dispose()


async def pending_chats(database_url: str) -> set[int]:
    db = Database(database_url)
    try:
        async with db.unit_of_work() as uow:
            rows = await uow.session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.status == "pending")
            )
            return set(rows)
    finally:
        await db.dispose()


async def test_a_fan_out_killed_halfway_sends_each_reminder_once(tmp_path: Path, framework: str) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'tandem.db'}"
    await upgrade(database_url)
    db = Database(database_url)
    ids = await seed_due_reminders(db, datetime.now(UTC), REMINDERS)
    await db.dispose()
    async with Emulator(limits=EMULATED) as emulator:
        for user_id in ids:
            emulator.add_user(f"Person {user_id}", user_id=user_id, language_code="en")

        first = await start_bot(tmp_path, emulator, database_url, framework)
        await emulator.wait_for(lambda: sum(delivered(emulator).values()) >= KILL_AFTER, timeout=120)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before = delivered(emulator)
        assert first.returncode == -signal.SIGKILL
        assert KILL_AFTER <= len(before) < REMINDERS, "the kill came halfway through"
        in_doubt = await pending_chats(database_url) & set(before)
        assert len(in_doubt) <= 1, "at most the one message in flight is in doubt"

        second = await start_bot(tmp_path, emulator, database_url, framework)
        try:
            for _ in range(600):
                if await work_left(database_url) == 0 and len(delivered(emulator)) == REMINDERS:
                    break
                await asyncio.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
        after = delivered(emulator)
    assert emulator.stats.too_many_requests == 0
    assert sorted(after) == sorted(ids), "every reminder arrived"
    twice = {chat for chat, count in after.items() if count > 1}
    assert twice <= in_doubt, "only the message in flight at the kill may arrive twice"
    assert max(after.values()) <= 2
