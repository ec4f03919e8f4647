"""The composition root: settings, clock and adapter in; a running Tandem out."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.adapter import Adapter, AdapterOptions, EventSink, WebhookTarget, load_adapter
from bot.clock import Clock
from bot.config import Settings
from bot.events import BotCommand, Outbound
from bot.feature import menu
from bot.features import (
    announcements,
    basics,
    cases,
    console,
    expenses,
    group,
    joining,
    matchmaking,
    operations,
    reports,
    rights,
    roundtable_attendance,
    roundtables,
    screening,
    team,
    training,
)
from bot.i18n import Translator, shipped_locales
from bot.messenger import DeliveryError, GroupCensus, Messenger
from bot.rules import load_rules
from bot.runtime import metrics
from bot.runtime.budget import SharedBudget
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.postman import Postman
from bot.runtime.ratelimit import SendLimiter
from bot.runtime.routes import Routes
from bot.runtime.scheduler import Scheduler, Sending
from bot.services.courses import load_courses
from conversations import (
    checkin,
    concern,
    goals,
    monitoring,
    progress,
    reflection,
    relationship_check,
    relay,
    sessions,
)
from storage.database import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)

# The features, in the order /help and the command menus list them.
FEATURES = (
    joining.FEATURE,
    basics.FEATURE,
    rights.FEATURE,
    cases.FEATURE,
    screening.FEATURE,
    team.FEATURE,
    group.FEATURE,
    training.FEATURE,
    matchmaking.FEATURE,
    sessions.FEATURE,
    goals.FEATURE,
    checkin.FEATURE,
    reflection.FEATURE,
    progress.FEATURE,
    monitoring.FEATURE,
    relationship_check.FEATURE,
    concern.FEATURE,
    relay.FEATURE,
    reports.FEATURE,
    console.FEATURE,
    announcements.FEATURE,
    roundtables.FEATURE,
    roundtable_attendance.FEATURE,
    expenses.FEATURE,
    operations.FEATURE,
)


def routes() -> Routes:
    """The features' tables merged; a command, prefix, job or flow claimed twice stops here."""
    return Routes.merge(FEATURES)


@dataclass
class Tandem:
    settings: Settings
    clock: Clock
    db: Database
    adapter: Adapter
    dispatcher: Dispatcher
    scheduler: Scheduler

    async def start(self, webhook: WebhookTarget | None = None) -> None:
        """Connect and take updates: long polling, or a webhook whose updates come to ``feed``."""
        await self.adapter.start(self.dispatcher, webhook)
        self.settings.bot_username = await self.adapter.bot_username()  # for invite links
        await self.publish_commands()
        group = await self.dispatcher.coordinators_chat()
        if group is not None:  # who can read the alerts there?
            await self.dispatcher.census(group)
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stall every update now and then.
        gc.freeze()

    async def stop(self) -> None:
        try:
            await self.adapter.stop()
        finally:
            await self.db.dispose()

    async def publish_commands(self) -> None:
        """The command menu in every shipped language (Telegram picks by the user's language)."""
        for code in (None, *shipped_locales()):
            t = Translator(code or self.settings.default_locale, self.settings.zone)
            commands = menu(self.dispatcher.routes.features, None, t)
            try:
                await self.adapter.messenger.set_commands(commands, language=code)
            except DeliveryError as exc:
                log.warning("could not publish commands (%s)", type(exc).__name__)


class Offline:
    """The adapter of ``tandem admin``: it never talks to Telegram (what a command says waits in
    the outbox for the running bot), so no framework is loaded, which takes seconds, and no
    token is needed."""

    @property
    def messenger(self) -> Messenger:
        return self

    async def deliver(self, action: Outbound) -> int | None:
        raise DeliveryError("offline: the running bot sends it")

    async def set_commands(
        self, commands: Sequence[BotCommand], *, chat_id: int | None = None, language: str | None = None
    ) -> None:
        raise DeliveryError("offline: the running bot publishes the menus")

    async def census(self, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
        raise DeliveryError("offline: the running bot counts the group's members")

    async def start(self, sink: EventSink, webhook: WebhookTarget | None = None) -> None:
        raise RuntimeError("an offline Tandem does not take updates")

    async def feed(self, update: Mapping[str, Any]) -> None:
        raise RuntimeError("an offline Tandem does not take updates")

    async def stop(self) -> None:
        return None

    async def bot_username(self) -> str:
        return ""


async def build(settings: Settings, clock: Clock, *, migrate: bool = True, offline: bool = False) -> Tandem:
    """Wire everything; upgrade the schema first when asked (always on SQLite in ``run``).
    ``offline``: for operator commands, with no adapter and no token."""
    if settings.bot_token is None and not offline:
        raise ValueError("TANDEM_BOT_TOKEN is required")
    rules = load_rules(settings.programme_file)  # a mistake in it stops us before the database
    load_courses()  # so does one in a training course file
    if migrate:
        await upgrade(settings.database_url)
    db = Database(settings.database_url)
    # SQLite is one process: its budget stays in memory. Replicas share theirs through the database.
    budget = None if db.is_sqlite else SharedBudget(db, settings.send_per_second)
    limiter = SendLimiter(settings.send_rates, budget=budget)

    def flood(retry_after: float) -> None:  # a 429: counted, and the limiter pauses
        metrics.FLOOD_WAITS.inc()
        limiter.pause(retry_after)

    adapter: Adapter = Offline()
    if not offline:
        options = AdapterOptions(
            token=settings.bot_token or "",
            base_url=settings.api_base_url,
            polling_timeout=settings.polling_timeout,
            request_timeout=settings.request_timeout,
            on_flood=flood,
        )
        adapter = load_adapter(settings.framework, options)
    postman = Postman(db, adapter.messenger, clock, limiter)
    dispatcher = Dispatcher(db, clock, settings, rules, postman, routes())
    postman.watch_group(dispatcher.coordinators_chat, dispatcher.group_lost)
    sending = Sending(
        per_second=settings.send_per_second,
        lead=timedelta(seconds=settings.tick_seconds + 2),
        paid=settings.allow_paid_broadcast,
    )
    scheduler = Scheduler(db, clock.now, dispatcher.run_job, postman, sending)
    return Tandem(settings, clock, db, adapter, dispatcher, scheduler)
