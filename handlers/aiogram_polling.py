"""Building an aiogram Bot for a Bot API address, and running a dispatcher's long polling
in the background of an already running event loop (tests, simulate, the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

import orjson
from aiogram import Bot, Dispatcher, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiohttp import ClientError, ClientTimeout

from bot.adapter import AdapterOptions
from handlers import log_privacy
from handlers.bot_api import JSON_BODY, json_text

logger = logging.getLogger("handlers.aiogram")

# aiogram parametrizes Response[...] on every call; pydantic keeps such generic classes only
# weakly, so under load they are collected and rebuilt (a few ms each, about a tenth of an update's
# CPU in `tandem bench updates` when one was missing). Holding the ones our calls use keeps them
# built once.
_PINNED: dict[object, type] = {}


def pin_responses(*used: type[methods.TelegramMethod[Any]]) -> None:
    """Keep ``Response[...]`` of each method's result built for the life of the process."""
    for method in used:
        returning = method.__returning__
        if returning not in _PINNED:
            _PINNED[returning] = Response[returning]  # type: ignore[valid-type]


pin_responses(
    methods.GetMe,
    methods.GetUpdates,
    methods.DeleteWebhook,
    methods.SendMessage,
    methods.EditMessageText,
    methods.EditMessageReplyMarkup,
    methods.AnswerCallbackQuery,
    methods.SendDocument,
    methods.SendPhoto,
    methods.SendVoice,
    methods.SetWebhook,
    methods.SetMyCommands,
    methods.GetChatAdministrators,
    methods.GetChatMemberCount,
    methods.GetChatMember,
)

# How long start() waits for the polling task to come up before calling it failed.
STARTUP_SECONDS = 30.0


class JsonSession(AiohttpSession):
    """aiogram's session, but a call without files goes as a JSON body, which the Bot API takes as
    it takes a form. aiogram writes every call as a form, whose encoding quotes each byte of each
    value in Python: about 80 µs for a question with its keyboard, a twentieth of an update's CPU
    (cProfile). The values are the strings aiogram would have put in the form, so Telegram reads
    the same parameters; errors are aiogram's, as for any call."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        files: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:  # as aiogram's form: an empty value is left out
                fields[key] = prepared
        if files:  # an upload: multipart, aiogram's own way
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        wait = ClientTimeout(total=self.timeout if timeout is None else timeout)
        try:
            async with session.post(url, data=orjson.dumps(fields), headers=JSON_BODY, timeout=wait) as resp:
                content = await resp.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method, message=f"{type(exc).__name__}: {exc}") from exc
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=content)
        return cast(TelegramType, response.result)


def build_bot(options: AdapterOptions) -> Bot:
    log_privacy.install("aiogram")
    # No DefaultBotProperties: texts go out as plain text, never parsed as HTML or Markdown.
    api = (
        PRODUCTION if options.base_url is None else TelegramAPIServer.from_base(options.base_url.rstrip("/"))
    )
    session = JsonSession(
        api=api, timeout=options.request_timeout, json_loads=orjson.loads, json_dumps=json_text
    )
    return Bot(options.token, session=session)


class Polling:
    """One dispatcher polling one bot; ``start`` returns once getUpdates is about to run."""

    def __init__(self, bot: Bot, dispatcher: Dispatcher, options: AdapterOptions) -> None:
        self._bot = bot
        self._dp = dispatcher
        self._options = options
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()
        dispatcher.startup.register(self._on_startup)

    async def start(self, *, handle_as_tasks: bool) -> None:
        await self._bot.me()  # getMe, cached for the dispatcher and for command parsing
        # aiogram never deletes a webhook itself; with one set, getUpdates fails with 409.
        await self._bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(
            self._dp.start_polling(
                self._bot,
                handle_signals=False,
                polling_timeout=self._options.polling_timeout,
                handle_as_tasks=handle_as_tasks,
                close_bot_session=False,  # closed in stop(), after the work in progress
            ),
            name="aiogram-polling",
        )
        await self._wait_started(self._task)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            await self._dp.stop_polling()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task

    async def _on_startup(self) -> None:
        self._started.set()

    async def _wait_started(self, task: asyncio.Task[None]) -> None:
        # Stopping before the dispatcher holds its lock would raise "Polling is not started",
        # so start() only returns once polling is really running (or has failed).
        started = asyncio.create_task(self._started.wait())
        done, _ = await asyncio.wait(
            {started, task}, timeout=STARTUP_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        started.cancel()
        if task in done:
            task.result()  # re-raises why polling could not start
            raise RuntimeError("aiogram polling ended during start-up")
        if not done:
            raise TimeoutError("aiogram polling did not start")
