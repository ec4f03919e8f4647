"""``tandem run``: the bot, its scheduler and its HTTP server, started and stopped in order.

Stopping (SIGTERM) is graceful: updates are refused from then on (the webhook answers 503, so
Telegram re-sends them, to another replica; polling stops fetching), the event in progress
finishes, and due jobs not yet run stay in the database for the next start or another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from aiohttp import web

from bot.adapter import WebhookTarget
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.context import coordinators_chat
from bot.runtime import metrics, status
from bot.runtime.scheduler import RealTimeTicker
from bot.runtime.web import Ops, OpsServer
from storage.database import causes, network_reason, sqlite_path, unreachable
from storage.migrate import current_revision, head_revision

if TYPE_CHECKING:
    from bot.app import Tandem

log = logging.getLogger(__name__)


class Builder(Protocol):
    """The composition root's ``build`` (passed in: the runtime does not import what composes it)."""

    def __call__(self, settings: Settings, clock: Clock, *, migrate: bool = True) -> Awaitable[Tandem]: ...


class AlreadyRunning(Exception):
    """A second process found the SQLite database locked by a running Tandem."""


class CannotListen(Exception):
    """The HTTP server's address is taken or not allowed (a setting to change, not a retry)."""


class SchemaBehind(Exception):
    """The shared database is not at this release's schema: `tandem db upgrade` first."""


class Unreachable(Exception):
    """The database or the Bot API cannot be reached, or refuses us: the message is one line
    naming which, where, and what to check (the cause, with its stack, is for DEBUG)."""


class Pages(Protocol):
    """Web pages served beside the webhook (the coordinators' console), added by the entry point."""

    def __call__(self, app: web.Application, tandem: Tandem) -> None: ...


class Service:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        build: Builder,
        *,
        webhook: bool = False,
        pages: Pages | None = None,
    ) -> None:
        if webhook and settings.webhook_secret is None:
            raise ConfigError("TANDEM_WEBHOOK_SECRET: required in webhook mode (1-256 of A-Z a-z 0-9 _ -)")
        self.settings = settings
        self.clock = clock
        self.build = build
        self.webhook = webhook
        self.pages = pages
        self.tandem: Tandem | None = None
        self.server: OpsServer | None = None
        self._ticker: RealTimeTicker | None = None
        self._lock: IO[str] | None = None
        self._errors = status.ErrorCount()
        self._summary: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.settings
        path = sqlite_path(settings.database_url)
        try:
            if path is not None:
                self._lock = _single_process(path)
            self.tandem = tandem = await self._connect_database(path is not None)
        except Exception as exc:
            problem = unreachable(exc, settings.database_url)
            if problem is None:
                raise
            raise Unreachable(problem) from exc
        ops = Ops(tandem.db, self.clock, webhook_secret=settings.webhook_secret if self.webhook else None)
        pages = self.pages
        self.server = OpsServer(
            ops,
            settings.http_host,
            settings.http_port,
            settings.webhook_path,
            pages=None if pages is None else lambda app: pages(app, tandem),
        )
        try:
            await self.server.start()
        except OSError as exc:
            raise CannotListen(
                f"cannot listen on {settings.http_host}:{settings.http_port} ({exc.strerror or exc}); "
                "set TANDEM_HTTP_HOST / TANDEM_HTTP_PORT"
            ) from None
        target = (
            WebhookTarget(settings.webhook_secret, settings.webhook_url) if settings.webhook_secret else None
        )
        since = metrics.totals()  # the first periodic line counts from before the first update
        logging.getLogger().addHandler(self._errors)
        try:
            await tandem.start(target if self.webhook else None)
        except Exception as exc:
            raise Unreachable(bot_api_problem(exc, settings.api_base_url)) from exc
        ops.adapter = tandem.adapter
        self._ticker = RealTimeTicker(tandem.scheduler, settings.tick_seconds)
        self._ticker.start()
        ops.ticking = self._ticker.alive
        await self._tell_what_runs(tandem, since)

    async def _connect_database(self, sqlite: bool) -> Tandem:
        # SQLite upgrades itself; a shared PostgreSQL is upgraded on purpose (`tandem db upgrade`).
        url = self.settings.database_url
        if not sqlite:
            revision, head = await current_revision(url), head_revision()
            if revision != head:
                raise SchemaBehind(
                    f"the database is at schema revision {revision}, this release needs {head}: "
                    "run `tandem db upgrade` first (once, not on every replica)"
                )
        return await self.build(self.settings, self.clock, migrate=sqlite)

    async def _tell_what_runs(self, tandem: Tandem, since: dict[str, int]) -> None:
        """The start-up summary and the next step; then a line every TANDEM_SUMMARY_MINUTES."""
        settings, rules = self.settings, tandem.dispatcher.rules
        username = settings.bot_username or "?"
        async with tandem.db.unit_of_work() as uow:
            group = await coordinators_chat(uow, settings)
        for line in status.summary(settings, rules, webhook=self.webhook, username=username, group=group):
            log.info("%s", line)
        step = await status.next_step(tandem.db)
        if step is not None:
            log.info("%s", step)
        if settings.summary_minutes > 0:
            self._summary = asyncio.create_task(
                status.every(settings.summary_minutes, tandem.db, self.clock, self._errors, since)
            )

    async def stop(self) -> None:
        started = self.tandem is not None
        if started:
            log.info("tandem stopping")
        try:
            if self._summary is not None:
                self._summary.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._summary
            logging.getLogger().removeHandler(self._errors)
            if self.server is not None:
                self.server.ops.draining = True  # /readyz says so; the webhook refuses updates
            if self._ticker is not None:
                await self._ticker.stop()
            if self.server is not None:
                await self.server.drain()
            if self.tandem is not None:
                await self.tandem.stop()
        finally:
            if self.server is not None:
                await self.server.stop()
            if self._lock is not None:
                self._lock.close()
        if started:
            log.info("tandem stopped")


def bot_api_problem(exc: BaseException, base_url: str | None) -> str:
    """One line for a Bot API that could not be reached, or refused the bot, at start. Never the
    framework's message: some quote the token."""
    where = base_url or "https://api.telegram.org"
    if any(isinstance(cause, OSError) or _network_kind(cause) for cause in causes(exc)):
        return (
            f"cannot reach the Bot API at {where} ({network_reason(exc)}): check the network "
            "(a proxy, a firewall) or TANDEM_API_BASE_URL"
        )
    kind = type(exc).__name__
    return (
        f"the Bot API at {where} refused to start the bot ({kind}): check TANDEM_BOT_TOKEN "
        "(and TANDEM_WEBHOOK_URL with --webhook)"
    )


def _network_kind(exc: BaseException) -> bool:
    """The frameworks' and HTTP clients' own network errors (NetworkError, TimedOut, ConnectError...)."""
    name = type(exc).__name__.lower()
    return any(word in name for word in ("network", "timedout", "timeout", "connect"))


def _single_process(database: Path) -> IO[str]:
    """SQLite has one writer: a second `tandem run` on the same file stops with a clear message."""
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{database}.lock", "a+")  # held open for the process's life; "a+" leaves
    try:  # the running one's pid in place when a second process is refused
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(
            f"{database} is in use by another Tandem process; SQLite runs one process only "
            "(use PostgreSQL for several replicas)"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
