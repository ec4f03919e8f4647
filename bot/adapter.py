"""The adapter port: what a framework adapter in ``handlers/`` offers the composition root.

Only the entry points (CLI, simulation, benchmarks) load an adapter, by name, at run time,
so the core never imports aiogram or python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bot.events import Inbound
from bot.messenger import Messenger

Framework = Literal["aiogram", "ptb"]

# Set by whoever must know when an update's effects are in the database (the webhook answers
# Telegram then; long polling confirms the update to Telegram then). The sink sets the event once
# the update's transaction committed, or once it recorded the update as ignored, failed or seen
# before; an update it could not record (the database failed) leaves it unset.
COMMITTED: ContextVar[asyncio.Event | None] = ContextVar("tandem_committed", default=None)


def recorded() -> None:
    """For a sink: the update it was handed is recorded (see ``COMMITTED``)."""
    signal = COMMITTED.get()
    if signal is not None:
        signal.set()


FRAMEWORKS: tuple[Framework, ...] = ("aiogram", "ptb")


class EventSink(Protocol):
    """Where an adapter hands every update: exactly one call per update. Each call says
    ``recorded()`` once the update is recorded (long polling confirms it to Telegram then)."""

    async def handle(self, event: Inbound) -> None:
        """Handle one inbound event (never raises for a person's input)."""
        ...

    async def ignore(self, update_id: int, kind: str) -> None:
        """Record an update that carries nothing the core can act on (no chat, no sender)."""
        ...


@dataclass(frozen=True, slots=True)
class AdapterOptions:
    token: str
    base_url: str | None = None  # None: the real https://api.telegram.org
    polling_timeout: int = 10  # seconds a getUpdates long poll may wait
    request_timeout: float = 30.0
    max_retries_5xx: int = 3
    max_retries_429: int = 5
    on_flood: Callable[[float], None] | None = None  # told of each 429's retry_after (the limiter)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Webhook mode: where Telegram posts updates and the secret it sends with each."""

    secret: str
    url: str | None = None  # None: the webhook is registered by someone else (or a test posts)


class Adapter(Protocol):
    @property
    def messenger(self) -> Messenger: ...

    async def start(self, sink: EventSink, webhook: WebhookTarget | None = None) -> None:
        """Connect (getMe). Without a webhook: deleteWebhook, then long polling in the
        background. With one: setWebhook (when it has a URL); updates come through ``feed``."""
        ...

    async def feed(self, update: Mapping[str, Any]) -> None:
        """Webhook mode: handle one update as Telegram posted it; returns when it is handled.
        Raises ValueError when the framework cannot read it as an update."""
        ...

    async def stop(self) -> None:
        """Stop polling, finish the update in progress, close connections."""
        ...

    async def bot_username(self) -> str:
        """The bot's @username (from getMe), for t.me deep links."""
        ...


class EchoBot(Protocol):
    """A bare bot of the same framework that answers every text with itself (benchmarks)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def load_adapter(framework: Framework, options: AdapterOptions) -> Adapter:
    module = importlib.import_module(f"handlers.{framework}_adapter")
    adapter: Adapter = module.create_adapter(options)
    return adapter


def load_echo_bot(framework: Framework, options: AdapterOptions) -> EchoBot:
    module = importlib.import_module(f"handlers.{framework}_echo")
    bot: EchoBot = module.create_echo_bot(options)
    return bot
