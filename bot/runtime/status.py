"""What ``tandem run`` tells whoever started it: what runs (framework, mode, database, programme),
the next step while the programme has no coordinator, and every few minutes one line of what it
did (``TANDEM_SUMMARY_MINUTES``). Counts and settings only: nothing anybody wrote, no password."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import bot
from bot.clock import Clock
from bot.config import Settings
from bot.rules import ProgrammeRules
from bot.runtime import metrics
from storage.database import Database, shown, sqlite_path

log = logging.getLogger(__name__)

INVITE_COMMAND = "tandem admin invite coordinator"


def summary(
    settings: Settings, rules: ProgrammeRules, *, webhook: bool, username: str, group: int | None = None
) -> list[str]:
    """The start-up summary, a few lines: what runs, on which database, for which programme;
    ``group``: the coordinators' group as recorded (/setup), else the setting."""
    mode = f"webhook on {settings.webhook_path}" if webhook else "long polling"
    bot_api = settings.api_base_url or "Telegram"
    path = sqlite_path(settings.database_url)
    database = f"SQLite file {path.resolve()}" if path else f"PostgreSQL {shown(settings.database_url)}"
    source = settings.programme_file or "the shipped example (TANDEM_PROGRAMME_FILE names your own)"
    chosen = group if group is not None else settings.coordinator_chat_id
    shown_group = chosen or "none set (/setup in the group sets it; until then alerts go to each coordinator)"
    return [
        f"tandem {bot.__version__}: {settings.framework}, {mode}, as @{username} on {bot_api}",
        f"database: {database}",
        f"programme: {rules.name_in('en')!r} from {source}; time zone {rules.timezone or settings.timezone}, "
        f"{_count(rules.places, 'place')}, {_count(rules.mentor_checks, 'mentor check')}",
        f"coordinators' group: {shown_group}",
    ]


async def next_step(db: Database) -> str | None:
    """What to do first, while the programme has no coordinator (else None)."""
    async with db.unit_of_work() as uow:
        if await uow.people.with_role("coordinator"):
            return None
    return (
        f"next step: the programme has no coordinator yet. Run `{INVITE_COMMAND}` (with the same "
        "TANDEM_* settings) and open the link it prints in Telegram, or send the bot /start CODE"
    )


class ErrorCount(logging.Handler):
    """Counts what is logged at ERROR or above, by anyone, for the periodic line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1


async def every(
    minutes: float, db: Database, clock: Clock, errors: ErrorCount, since: dict[str, int]
) -> None:
    """Log one line of what this process did since the last line (the first: since ``since``,
    the counts before the bot took its first update), until cancelled."""
    before, errors_before = since, 0
    while True:
        await asyncio.sleep(minutes * 60)
        now, errors_now = metrics.totals(), errors.seen
        try:
            async with db.unit_of_work() as uow:
                figures = await uow.operations.figures(clock.now())
            queue = f"{figures.outbox_waiting} to send, {figures.due_jobs_waiting} due jobs waiting"
        except Exception as exc:  # the database may be away for a moment: say so, go on
            queue = f"unknown ({type(exc).__name__})"
        log.info(
            "last %s min: %d updates, %d messages sent, %d due jobs run; queue: %s; errors: %d",
            f"{minutes:g}",
            now["updates"] - before["updates"],
            now["sent"] - before["sent"],
            now["jobs"] - before["jobs"],
            queue,
            errors_now - errors_before,
        )
        before, errors_before = now, errors_now


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")
