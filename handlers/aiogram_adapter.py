"""The aiogram 3 adapter: updates (polled by ``handlers.polling``, or posted to the webhook) into
the EventSink, and the Messenger over the Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from pydantic import ValidationError

from bot.adapter import Adapter, AdapterOptions, EventSink, WebhookTarget
from bot.messenger import Messenger
from handlers.aiogram_messenger import AiogramMessenger
from handlers.aiogram_polling import build_bot
from handlers.aiogram_updates import convert_update, update_kind
from handlers.delivery import RetryPolicy
from handlers.inbound import hand_over, readable
from handlers.polling import LongPolling

# How long stop() lets updates already being handled finish before closing the connection.
DRAIN_SECONDS = 10.0


def create_adapter(options: AdapterOptions) -> Adapter:
    return AiogramAdapter(options)


class AiogramAdapter:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._bot = build_bot(options)
        self._messenger = AiogramMessenger(self._bot, RetryPolicy.from_options(options))
        self._polling: LongPolling | None = None
        self._dispatcher: Dispatcher | None = None
        self._sink: EventSink | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def messenger(self) -> Messenger:
        return self._messenger

    async def start(self, sink: EventSink, webhook: WebhookTarget | None = None) -> None:
        self._sink = sink
        dispatcher = Dispatcher()
        dispatcher.include_router(self._build_router())
        self._dispatcher = dispatcher
        await self._bot.me()  # getMe, cached for command parsing
        if webhook is not None:
            if webhook.url:
                await self._bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret,
                    allowed_updates=dispatcher.resolve_used_update_types(),
                )
            return
        # Updates are handled concurrently. Per-chat order is kept by the core, which takes a
        # chat's lock before its first await, in the order the polling loop starts their tasks.
        self._polling = LongPolling(self._options, self.feed, dispatcher.resolve_used_update_types())
        await self._polling.start()

    async def bot_username(self) -> str:
        return (await self._bot.me()).username or ""

    async def feed(self, update: Mapping[str, Any]) -> None:
        dispatcher = self._dispatcher
        if dispatcher is None:
            raise RuntimeError("the adapter was not started")
        try:
            parsed = Update.model_validate(dict(update), context={"bot": self._bot})
        except (ValidationError, RecursionError) as exc:
            raise ValueError("not a Telegram update") from exc
        readable(convert_update(parsed, (await self._bot.me()).username))  # an id beyond 64 bits
        if await dispatcher.feed_update(self._bot, parsed) is UNHANDLED and self._sink is not None:
            # A kind aiogram does not know passes no handler; the sink still hears of it once.
            await self._sink.ignore(parsed.update_id, update_kind(parsed))

    async def stop(self) -> None:
        polling, self._polling = self._polling, None
        if polling is not None:
            await polling.stop()
        self._dispatcher = None
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=DRAIN_SECONDS)
        await self._bot.session.close()

    def _build_router(self) -> Router:
        # Routers attach to one dispatcher only, hence a new one per start(). One handler
        # on every update type: the core, not aiogram's filters, decides what matters, and
        # registering them all makes aiogram ask Telegram for every kind of update.
        router = Router(name="tandem")
        for name, observer in router.observers.items():
            if name != "error":
                observer.register(self._on_update)
        return router

    async def _on_update(self, event: TelegramObject, event_update: Update, bot: Bot) -> None:
        if self._sink is None:
            return
        username = (await bot.me()).username
        update_id = event_update.update_id
        work = hand_over(self._sink, update_id, lambda: convert_update(event_update, username))
        task = asyncio.create_task(work, name=f"update-{update_id}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        # Shielded: stop() cancels the polling task, but an update being handled finishes.
        await asyncio.shield(task)
