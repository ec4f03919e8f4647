"""The python-telegram-bot 22 adapter: updates (polled by ``handlers.polling``, or posted to the
webhook) into the EventSink, and the Messenger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.adapter import Adapter, AdapterOptions, EventSink, WebhookTarget
from bot.messenger import Messenger
from handlers.delivery import RetryPolicy
from handlers.inbound import hand_over, readable
from handlers.polling import LongPolling
from handlers.ptb_messenger import PtbMessenger
from handlers.ptb_polling import build_application, start_application, start_webhook, stop_application
from handlers.ptb_updates import convert_update


def create_adapter(options: AdapterOptions) -> Adapter:
    return PtbAdapter(options)


class PtbAdapter:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._app = build_application(options)
        self._messenger = PtbMessenger(self._app.bot, RetryPolicy.from_options(options))
        self._sink: EventSink | None = None
        self._polling: LongPolling | None = None
        # Every update, whatever its type: the core decides what matters.
        self._app.add_handler(TypeHandler(Update, self._on_update))

    @property
    def messenger(self) -> Messenger:
        return self._messenger

    async def start(self, sink: EventSink, webhook: WebhookTarget | None = None) -> None:
        self._sink = sink
        if webhook is None:
            await start_application(self._app)
            # Concurrent, as with aiogram; the core keeps each chat's events in the order the
            # polling loop starts their tasks.
            self._polling = LongPolling(self._options, self.feed, Update.ALL_TYPES)
            await self._polling.start()
        else:
            await start_webhook(self._app, webhook.url, webhook.secret)

    async def feed(self, update: Mapping[str, Any]) -> None:
        try:
            parsed = Update.de_json(dict(update), self._app.bot)
            # PTB checks no types: converting it once tells whether it is an update at all.
            chat_and_user = (parsed.effective_chat, parsed.effective_user)  # PTB reads their ids
            ids = [found.id for found in chat_and_user if found is not None]
            readable(convert_update(parsed, self._app.bot.username), ids)
        except Exception as exc:  # PTB's parsing raises whatever the malformed field causes
            raise ValueError("not a Telegram update") from exc
        await self._app.process_update(parsed)

    async def bot_username(self) -> str:
        return self._app.bot.username or ""

    async def stop(self) -> None:
        polling, self._polling = self._polling, None
        if polling is not None:
            await polling.stop()
        await stop_application(self._app)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._sink is None:
            return
        username = context.bot.username
        await hand_over(self._sink, update.update_id, lambda: convert_update(update, username))
