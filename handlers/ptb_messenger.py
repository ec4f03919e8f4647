"""The Messenger port over a python-telegram-bot ``Bot``."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx
import telegram as tg
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.events import (
    AnswerButton,
    BotCommand,
    EditKeyboard,
    EditText,
    Keyboard,
    Outbound,
    SendDocument,
    SendFile,
    SendText,
    SendVoice,
)
from bot.messenger import GroupCensus
from handlers import ptb_request
from handlers.bot_api import NO_KEYBOARD, census, keyboard_json
from handlers.delivery import (
    Courier,
    DeliveryStats,
    Rejection,
    RetryPolicy,
    Target,
    bad_request,
    target_of,
)

Result = TypeVar("Result")

# Failures before the request was complete (httpx for the stock transport, aiohttp for ours):
# Telegram cannot have carried it out.
NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
    *ptb_request.NEVER_SENT,
)


def classify(exc: Exception) -> Rejection | None:
    """PTB's exceptions in the neutral terms of ``handlers.delivery``."""
    if isinstance(exc, RetryAfter):
        return Rejection("flood", exc.message, retry_after=retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return Rejection("forbidden", exc.message)
    if isinstance(exc, BadRequest):  # a subclass of NetworkError, so it must come first
        return bad_request(exc.message)
    if isinstance(exc, NetworkError):  # 5xx (no cause), dropped connections and TimedOut
        cause = exc.__cause__
        if cause is None or isinstance(cause, NEVER_SENT):
            return Rejection("transient", exc.message)
        return Rejection("unanswered", exc.message)  # a read failed: it may have been carried out
    if isinstance(exc, TelegramError):
        return Rejection("refused", exc.message)
    return None


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 returns an int (with a deprecation warning) or, with PTB_TIMEDELTA set and in
    # PTB 23, a timedelta.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# Sends and edits go through ``Bot.do_api_request``: ``send_message`` and the like build a whole
# ``Message`` from Telegram's answer (an eighth of an update's CPU on this framework, measured), of
# which Tandem reads only the id. PTB warns when a method it has is called that way; that is the point.
warnings.filterwarnings("ignore", r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request", PTBUserWarning)


def markup(keyboard: Keyboard | None) -> tg.InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    rows = [
        [tg.InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row]
        for row in keyboard
    ]
    return tg.InlineKeyboardMarkup(rows)


def _edited_id(result: dict[str, Any] | bool, fallback: int) -> int:
    # Edits answer True instead of the message for inline-mode messages.
    return int(result["message_id"]) if isinstance(result, dict) else fallback


class PtbMessenger:
    def __init__(self, bot: tg.Bot, policy: RetryPolicy | None = None) -> None:
        self._bot = bot
        self._courier = Courier(classify, policy or RetryPolicy())

    @property
    def stats(self) -> DeliveryStats:
        return self._courier.stats

    async def deliver(self, action: Outbound) -> int | None:
        return await self._courier.run(lambda: self._call(action), target_of(action))

    async def set_commands(
        self,
        commands: Sequence[BotCommand],
        *,
        chat_id: int | None = None,
        language: str | None = None,
    ) -> None:
        menu = [tg.BotCommand(c.command, c.description) for c in commands]
        scope: tg.BotCommandScope = (
            tg.BotCommandScopeChat(chat_id) if chat_id is not None else tg.BotCommandScopeDefault()
        )

        async def call() -> None:
            await self._bot.set_my_commands(menu, scope=scope, language_code=language)

        await self._courier.run(call, Target("setMyCommands", chat_id))

    async def census(self, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
        return await census(self._bot, self._bot.id, self._read, chat_id, ask)

    async def _read(self, call: Callable[[], Awaitable[Result]], method: str, chat_id: int) -> Result:
        return await self._courier.run(call, Target(method, chat_id))

    async def _call(self, action: Outbound) -> int | None:
        match action:
            case SendText():
                sent = await self._raw(
                    "sendMessage",
                    chat_id=action.chat_id,
                    text=action.text,
                    reply_markup=keyboard_json(action.keyboard),
                    allow_paid_broadcast=action.paid or None,
                )
                return int(sent["message_id"])
            case EditText():
                edited = await self._raw(
                    "editMessageText",
                    chat_id=action.chat_id,
                    message_id=action.message_id,
                    text=action.text,
                    reply_markup=keyboard_json(action.keyboard) or NO_KEYBOARD,
                )
                return _edited_id(edited, action.message_id)
            case EditKeyboard():
                edited = await self._raw(
                    "editMessageReplyMarkup",
                    chat_id=action.chat_id,
                    message_id=action.message_id,
                    reply_markup=keyboard_json(action.keyboard) or NO_KEYBOARD,
                )
                return _edited_id(edited, action.message_id)
            case SendDocument():
                return await self._send_document(action)
            case SendVoice():
                # A string is a file id to Telegram: the voice note is passed on, not uploaded again.
                sent = await self._bot.send_voice(
                    action.chat_id,
                    action.file_id,
                    caption=action.caption,
                    reply_markup=markup(action.keyboard),
                )
                return sent.message_id
            case SendFile():
                return await self._send_file(action)
            case AnswerButton():
                await self._bot.answer_callback_query(
                    action.callback_id, text=action.text, show_alert=action.alert
                )
                return None
        raise TypeError(f"not an outbound action: {type(action).__name__}")

    async def _raw(self, method: str, **fields: Any) -> Any:
        """The answer's JSON, not a PTB object; None fields are left out (PTB drops them)."""
        return await self._bot.do_api_request(method, api_kwargs=fields)

    async def _send_document(self, action: SendDocument) -> int:
        keyboard = markup(action.keyboard)
        if action.as_photo:
            sent = await self._bot.send_photo(
                action.chat_id,
                action.content,
                caption=action.caption,
                reply_markup=keyboard,
                filename=action.filename,
            )
        else:
            sent = await self._bot.send_document(
                action.chat_id,
                action.content,
                caption=action.caption,
                reply_markup=keyboard,
                filename=action.filename,
            )
        return sent.message_id

    async def _send_file(self, action: SendFile) -> int:
        # A string is a file id to Telegram: the file is passed on, not uploaded again.
        keyboard = markup(action.keyboard)
        if action.kind == "photo":
            sent = await self._bot.send_photo(
                action.chat_id, action.file_id, caption=action.caption, reply_markup=keyboard
            )
        else:
            sent = await self._bot.send_document(
                action.chat_id, action.file_id, caption=action.caption, reply_markup=keyboard
            )
        return sent.message_id
