"""The python-telegram-bot 22 adapter: long polling into the EventSink, and the Messenger."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.adapter import Adapter, AdapterOptions, EventSink
from bot.messenger import Messenger
from handlers.delivery import RetryPolicy
from handlers.inbound import hand_over
from handlers.ptb_messenger import PtbMessenger
from handlers.ptb_polling import build_application, start_polling, stop_polling
from handlers.ptb_updates import convert_update


def create_adapter(options: AdapterOptions) -> Adapter:
    return PtbAdapter(options)


class PtbAdapter:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._app = build_application(options)
        self._messenger = PtbMessenger(self._app.bot, RetryPolicy.from_options(options))
        self._sink: EventSink | None = None
        # Every update, whatever its type: the core decides what matters. PTB handles them
        # one at a time by default, which keeps each chat's events in order.
        self._app.add_handler(TypeHandler(Update, self._on_update))

    @property
    def messenger(self) -> Messenger:
        return self._messenger

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        await start_polling(self._app, self._options)

    async def bot_username(self) -> str:
        return self._app.bot.username or ""

    async def stop(self) -> None:
        await stop_polling(self._app)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._sink is None:
            return
        username = context.bot.username
        await hand_over(self._sink, update.update_id, lambda: convert_update(update, username))
