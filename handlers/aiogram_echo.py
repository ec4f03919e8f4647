"""A bare aiogram bot that answers every text with itself: the benchmark's baseline."""

from __future__ import annotations

from aiogram import Dispatcher, F, Router
from aiogram.types import Message

from bot.adapter import AdapterOptions, EchoBot
from handlers.aiogram_polling import Polling, build_bot


def build_router() -> Router:
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return router


class AiogramEchoBot:
    def __init__(self, options: AdapterOptions) -> None:
        self._options = options
        self._bot = build_bot(options)
        self._polling: Polling | None = None

    async def start(self) -> None:
        dispatcher = Dispatcher()
        dispatcher.include_router(build_router())
        self._polling = Polling(self._bot, dispatcher, self._options)
        await self._polling.start(handle_as_tasks=True)  # aiogram's own default

    async def stop(self) -> None:
        polling, self._polling = self._polling, None
        if polling is not None:
            await polling.stop()
        await self._bot.session.close()


def create_echo_bot(options: AdapterOptions) -> EchoBot:
    return AiogramEchoBot(options)
