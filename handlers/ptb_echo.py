"""A bare python-telegram-bot bot that answers every text with itself: the benchmark baseline."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.adapter import AdapterOptions, EchoBot
from handlers.ptb_polling import build_application, start_polling, stop_polling


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


class PtbEchoBot:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._app = build_application(options, stock=True)
        # New text messages only, as aiogram's router.message(F.text) sees them.
        self._app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, echo))

    async def start(self) -> None:
        await start_polling(self._app, self._options)

    async def stop(self) -> None:
        await stop_polling(self._app)


def create_echo_bot(options: AdapterOptions) -> EchoBot:
    return PtbEchoBot(options)
