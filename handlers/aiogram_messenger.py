"""The Messenger port over an aiogram ``Bot``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiogram import Bot
from aiogram import types as tg
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiohttp import ClientConnectorError, ConnectionTimeoutError

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
from handlers.aiogram_polling import pin_responses
from handlers.bot_api import NO_KEYBOARD, census, json_text, keyboard_json
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


def classify(exc: Exception) -> Rejection | None:
    """aiogram's exceptions in the neutral terms of ``handlers.delivery``."""
    if isinstance(exc, TelegramRetryAfter):
        return Rejection("flood", exc.message, retry_after=float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return Rejection("forbidden", exc.message)
    if isinstance(exc, TelegramBadRequest):
        return bad_request(exc.message)
    if isinstance(exc, TelegramEntityTooLarge):  # a network error by class, but permanent
        return Rejection("refused", exc.message)
    if isinstance(exc, TelegramServerError):
        return Rejection("transient", exc.message)
    if isinstance(exc, TelegramNetworkError):
        # Only a connection that never opened tells for sure that Telegram did not get the call.
        never_sent = isinstance(exc.__cause__, ClientConnectorError | ConnectionTimeoutError)
        return Rejection("transient" if never_sent else "unanswered", exc.message)
    if isinstance(exc, TelegramAPIError):
        return Rejection("refused", exc.message)
    return None


def markup(keyboard: Keyboard | None) -> tg.InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    rows = [
        [tg.InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row]
        for row in keyboard
    ]
    return tg.InlineKeyboardMarkup(inline_keyboard=rows)


# Texts and edits, the most of what Tandem sends, go as the lean methods below. ``Bot.send_message``
# builds pydantic models of the keyboard on the way out and of the whole ``Message`` on the way back
# (its sender, its chat, the keyboard again), and Tandem reads only the message's id. The keyboard
# goes as the Bot API's JSON, as aiogram would write it; errors are read by aiogram as for any method.


class _SendText(TelegramMethod[tg.MessageId]):
    __returning__ = tg.MessageId
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    reply_markup: str | None = None
    allow_paid_broadcast: bool | None = None


class _EditText(TelegramMethod[tg.MessageId | bool]):
    __returning__ = tg.MessageId | bool  # True for a message sent in inline mode
    __api_method__ = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    reply_markup: str | None


class _EditKeyboard(TelegramMethod[tg.MessageId | bool]):
    __returning__ = tg.MessageId | bool
    __api_method__ = "editMessageReplyMarkup"

    chat_id: int
    message_id: int
    reply_markup: str | None


pin_responses(_SendText, _EditText, _EditKeyboard)


def _keyboard(keyboard: Keyboard | None, *, edit: bool = False) -> str | None:
    """The Bot API's JSON of a keyboard; an edit without one sends an empty one, which removes the
    old keyboard rather than relying on omission."""
    written = keyboard_json(keyboard) or (NO_KEYBOARD if edit else None)
    return None if written is None else json_text(written)


class AiogramMessenger:
    def __init__(self, bot: Bot, policy: RetryPolicy | None = None) -> None:
        self._bot = bot
        self._courier = Courier(classify, policy or RetryPolicy())

    @property
    def stats(self) -> DeliveryStats:
        return self._courier.stats

    async def deliver(self, action: Outbound) -> int | None:
        return await self._courier.run(lambda: self._call(action), target_of(action))

    async def _call(self, action: Outbound) -> int | None:
        match action:
            case SendText():
                return await self._send_text(action)
            case EditText():
                return await self._edit_text(action)
            case EditKeyboard():
                return await self._edit_keyboard(action)
            case SendDocument():
                return await self._send_document(action)
            case SendVoice():
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
                await self._answer(action)
                return None
        raise TypeError(f"not an outbound action: {type(action).__name__}")

    async def set_commands(
        self,
        commands: Sequence[BotCommand],
        *,
        chat_id: int | None = None,
        language: str | None = None,
    ) -> None:
        menu = [tg.BotCommand(command=c.command, description=c.description) for c in commands]
        scope: tg.BotCommandScopeUnion = (
            tg.BotCommandScopeChat(chat_id=chat_id) if chat_id is not None else tg.BotCommandScopeDefault()
        )

        async def call() -> None:
            await self._bot.set_my_commands(menu, scope=scope, language_code=language)

        await self._courier.run(call, Target("setMyCommands", chat_id))

    async def census(self, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
        return await census(self._bot, (await self._bot.me()).id, self._read, chat_id, ask)

    async def _read(self, call: Callable[[], Awaitable[Result]], method: str, chat_id: int) -> Result:
        return await self._courier.run(call, Target(method, chat_id))

    async def _send_text(self, action: SendText) -> int:
        sent = await self._bot(
            _SendText(
                chat_id=action.chat_id,
                text=action.text,
                reply_markup=_keyboard(action.keyboard),
                allow_paid_broadcast=action.paid or None,
            )
        )
        return sent.message_id

    async def _edit_text(self, action: EditText) -> int:
        await self._bot(
            _EditText(
                chat_id=action.chat_id,
                message_id=action.message_id,
                text=action.text,
                reply_markup=_keyboard(action.keyboard, edit=True),
            )
        )
        return action.message_id

    async def _edit_keyboard(self, action: EditKeyboard) -> int:
        await self._bot(
            _EditKeyboard(
                chat_id=action.chat_id,
                message_id=action.message_id,
                reply_markup=_keyboard(action.keyboard, edit=True),
            )
        )
        return action.message_id

    async def _send_document(self, action: SendDocument) -> int:
        # A fresh input file per attempt: a retried upload must send the bytes again.
        file = tg.BufferedInputFile(action.content, filename=action.filename)
        keyboard = markup(action.keyboard)
        if action.as_photo:
            sent = await self._bot.send_photo(
                action.chat_id, file, caption=action.caption, reply_markup=keyboard
            )
        else:
            sent = await self._bot.send_document(
                action.chat_id, file, caption=action.caption, reply_markup=keyboard
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

    async def _answer(self, action: AnswerButton) -> None:
        await self._bot.answer_callback_query(action.callback_id, text=action.text, show_alert=action.alert)
