"""The aiogram 3 adapter: updates (polled by ``handlers.polling``, or posted to the webhook) into
the EventSink, and the Messenger over the Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiogram.types import Update
from pydantic import ValidationError

from bot.adapter import Adapter, AdapterOptions, EventSink, WebhookTarget
from bot.messenger import Messenger
from handlers.aiogram_messenger import AiogramMessenger
from handlers.aiogram_polling import build_bot
from handlers.aiogram_updates import convert_update
from handlers.delivery import RetryPolicy
from handlers.inbound import hand_over, readable
from handlers.polling import LongPolling

# How long stop() lets updates already being handled finish before closing the connection.
DRAIN_SECONDS = 10.0
# Every kind of update aiogram knows: the core decides what matters, and an update it cannot use
# is recorded as ignored, once.
UPDATE_KINDS = [name for name in Update.model_fields if name != "update_id"]


def create_adapter(options: AdapterOptions) -> Adapter:
    return AiogramAdapter(options)


class AiogramAdapter:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._bot = build_bot(options)
        self._messenger = AiogramMessenger(self._bot, RetryPolicy.from_options(options))
        self._polling: LongPolling | None = None
        self._sink: EventSink | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def messenger(self) -> Messenger:
        return self._messenger

    async def start(self, sink: EventSink, webhook: WebhookTarget | None = None) -> None:
        self._sink = sink
        await self._bot.me()  # getMe, cached for command parsing
        if webhook is not None:
            if webhook.url:
                secret = webhook.secret
                await self._bot.set_webhook(webhook.url, secret_token=secret, allowed_updates=UPDATE_KINDS)
            return
        # Updates are handled concurrently. Per-chat order is kept by the core, which takes a
        # chat's lock before its first await, in the order the polling loop starts their tasks.
        self._polling = LongPolling(self._options, self.feed, UPDATE_KINDS)
        await self._polling.start()

    async def bot_username(self) -> str:
        return (await self._bot.me()).username or ""

    async def feed(self, update: Mapping[str, Any]) -> None:
        """One update, parsed by aiogram's types, to the sink. Not through aiogram's dispatcher:
        the core routes every kind of update itself, and the dispatcher's routers, filters and
        middlewares (its per-update FSM context among them) cost a twentieth of an update."""
        sink = self._sink
        if sink is None:
            raise RuntimeError("the adapter was not started")
        try:
            parsed = Update.model_validate(dict(update), context={"bot": self._bot})
        except (ValidationError, RecursionError) as exc:
            raise ValueError("not a Telegram update") from exc
        username = (await self._bot.me()).username
        readable(convert_update(parsed, username))  # an id beyond 64 bits
        update_id = parsed.update_id
        work = hand_over(sink, update_id, lambda: convert_update(parsed, username))
        task = asyncio.create_task(work, name=f"update-{update_id}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        # Shielded: stop() cancels the polling task, and a webhook's client may hang up, but an
        # update being handled finishes.
        await asyncio.shield(task)

    async def stop(self) -> None:
        polling, self._polling = self._polling, None
        if polling is not None:
            await polling.stop()
        self._sink = None
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=DRAIN_SECONDS)
        await self._bot.session.close()
