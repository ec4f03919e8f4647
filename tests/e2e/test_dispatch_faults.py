"""The dispatcher under faults: a bot process killed with SIGKILL halfway through a fan-out of
1,000 due reminders sends each of them once after it is started again.

The Bot API has no idempotency key, so the one message whose request may have reached Telegram
when the process died (sent, but not yet recorded as sent) cannot be told apart from one that
did not: it is sent again, never dropped. The test finds that message from the database and
the transcript at the moment of the kill and holds the bot to exactly that: every other
reminder exactly once, the one in doubt at most twice.

On PostgreSQL, two replicas share the fan-out (jobs and outbox rows claimed with FOR UPDATE SKIP
LOCKED) and one of them is killed: the same holds, with the survivor sending the rest.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.devtools.fanout import REMINDER, seed_due_reminders
from bot.emulator import Emulator, Limits
from storage.database import Database
from storage.migrate import upgrade
from storage.models import DueJob, OutboxMessage
from storage.scratch import ScratchDatabase, postgres_server
from tests.journeys import free_port

REMINDERS = 1000
KILL_AFTER = 400
# Fast enough to keep the test short; the pace itself is the benchmark's business.
EMULATED = Limits(bot_per_second=400.0, bot_burst=400.0)
SEND_PER_SECOND = "300"


async def start_bot(
    tmp_path: Path,
    emulator: Emulator,
    database_url: str,
    framework: str,
    *,
    replica: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_FRAMEWORK": framework,
        "TANDEM_API_BASE_URL": emulator.base_url,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_POLLING_TIMEOUT": "1",
        "TANDEM_HTTP_PORT": "0",
        "TANDEM_TICK_SECONDS": "0.2",
        "TANDEM_SEND_PER_SECOND": SEND_PER_SECOND,
        **(replica or {}),
    }
    mode = ("--webhook",) if replica else ()
    log = (tmp_path / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *mode, cwd=tmp_path, env=env, stdout=log, stderr=log
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


async def until_all_sent_then_stop(
    process: asyncio.subprocess.Process, emulator: Emulator, database_url: str
) -> Counter[int]:
    """Wait until no work is left and every reminder is in the transcript (what a killed process
    was delivering goes once its lease ends), then stop the process with SIGTERM."""
    try:
        for _ in range(600):
            if await work_left(database_url) == 0 and len(delivered(emulator)) == REMINDERS:
                break
            await asyncio.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    return delivered(emulator)


def assert_each_once_but_the_one_in_doubt(after: Counter[int], ids: list[int], in_doubt: set[int]) -> None:
    assert sorted(after) == sorted(ids), "every reminder arrived"
    twice = {chat for chat, count in after.items() if count > 1}
    assert twice <= in_doubt, "only the message in flight at the kill may arrive twice"
    assert max(after.values()) <= 2


@pytest.mark.single_pass  # SQLite by design
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
        try:
            await emulator.wait_for(lambda: sum(delivered(emulator).values()) >= KILL_AFTER, timeout=120)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        before = delivered(emulator)
        assert first.returncode == -signal.SIGKILL
        assert KILL_AFTER <= len(before) < REMINDERS, "the kill came halfway through"
        in_doubt = await pending_chats(database_url) & set(before)
        assert len(in_doubt) <= 1, "at most the one message in flight is in doubt"

        second = await start_bot(tmp_path, emulator, database_url, framework)
        after = await until_all_sent_then_stop(second, emulator, database_url)
    assert emulator.stats.too_many_requests == 0
    assert_each_once_but_the_one_in_doubt(after, ids, in_doubt)


async def sent_by(port: int) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        for line in (await r.text()).splitlines():
            if line.startswith("tandem_messages_sent_total "):
                return float(line.split()[1])
    return 0.0


@pytest.mark.skipif(
    postgres_server() is None,
    reason="several replicas need PostgreSQL (set TANDEM_TEST_POSTGRES_URL); SQLite runs one process",
)
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
async def test_two_replicas_share_a_fan_out_and_one_gone_halfway_loses_and_repeats_nothing(
    tmp_path: Path, framework: str, stop: signal.Signals
) -> None:
    """SIGKILL: at most the message in flight is in doubt. SIGTERM: the job in progress finishes,
    the replica exits cleanly, and the other sends the rest: every reminder exactly once."""
    scratch = await ScratchDatabase.create()
    db = Database(scratch.url)
    ids = await seed_due_reminders(db, datetime.now(UTC), REMINDERS)
    await db.dispose()
    ports = [free_port(), free_port()]
    replicas: list[asyncio.subprocess.Process] = []
    try:
        async with Emulator(limits=EMULATED) as emulator:
            for user_id in ids:
                emulator.add_user(f"Person {user_id}", user_id=user_id, language_code="en")
            replicas += [
                await start_bot(
                    tmp_path,
                    emulator,
                    scratch.url,
                    framework,
                    replica={
                        "TANDEM_REPLICAS": "2",  # the send budget is shared through the database
                        "TANDEM_HTTP_PORT": str(port),
                        "TANDEM_WEBHOOK_SECRET": "fault-test",
                    },
                )
                for port in ports
            ]
            await emulator.wait_for(lambda: sum(delivered(emulator).values()) >= KILL_AFTER, timeout=120)
            shares = [await sent_by(port) for port in ports]
            assert all(share > 0 for share in shares), f"both replicas were sending: {shares}"
            gone, survivor = replicas
            gone.send_signal(stop)
            await asyncio.wait_for(gone.wait(), 30)
            before = delivered(emulator)
            assert KILL_AFTER <= len(before) < REMINDERS, "it went halfway through"
            # Which row was in flight cannot be read off the database here: the survivor keeps
            # sending, and its own in-flight row looks the same. What counts is the outcome.
            after = await until_all_sent_then_stop(survivor, emulator, scratch.url)
    finally:
        for process in replicas:  # none left behind when something above failed
            if process.returncode is None:
                process.kill()
                await process.wait()
        await scratch.drop()
    assert gone.returncode == (-signal.SIGKILL if stop == signal.SIGKILL else 0)
    assert survivor.returncode == 0
    assert emulator.stats.too_many_requests == 0
    assert sorted(after) == sorted(ids), "every reminder arrived"
    twice = [chat for chat, count in after.items() if count > 1]
    assert len(twice) <= (1 if stop == signal.SIGKILL else 0), "only a killed replica's message in flight"
    assert max(after.values()) <= 2
