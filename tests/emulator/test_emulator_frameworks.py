"""Both real clients, unmodified, against the emulator over HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.emulator import Emulator

TOKEN = "42:TEST"


async def test_aiogram_bot_calls(emu: Emulator) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
    from aiogram.types import (
        BotCommand,
        BotCommandScopeChat,
        BufferedInputFile,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
    )

    ada = emu.add_user("Ada", language_code="de")["id"]
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    bot = Bot(TOKEN, session=session)
    try:
        me = await bot.get_me()
        assert (me.id, me.is_bot, me.username) == (4242, True, "tandem_test_bot")
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="v1:yes")]]
        )
        msg = await bot.send_message(ada, "<b>Meet</b> on Monday?", reply_markup=keyboard, parse_mode="HTML")
        assert msg.text == "Meet on Monday?" and msg.chat.type == "private"
        assert msg.reply_markup is not None
        assert msg.reply_markup.inline_keyboard[0][0].callback_data == "v1:yes"
        edited = await bot.edit_message_text(
            "Meet on Tuesday?", chat_id=ada, message_id=msg.message_id, reply_markup=keyboard
        )
        assert not isinstance(edited, bool) and edited.text == "Meet on Tuesday?"
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text(
                "Meet on Tuesday?", chat_id=ada, message_id=msg.message_id, reply_markup=keyboard
            )
        doc = await bot.send_document(
            ada, BufferedInputFile(b"a;b\n1;2\n", filename="plan.csv"), caption="Plan"
        )
        assert doc.document is not None and doc.document.file_name == "plan.csv"
        data = await bot.download(doc.document.file_id)
        assert data is not None and data.read() == b"a;b\n1;2\n"

        emu.press_button(ada, None, "Yes")
        (update,) = await bot.get_updates(timeout=0)
        assert update.callback_query is not None and update.callback_query.data == "v1:yes"
        assert await bot.answer_callback_query(update.callback_query.id, text="Noted") is True

        scope = BotCommandScopeChat(chat_id=ada)
        commands = [BotCommand(command="start", description="Los")]
        assert await bot.set_my_commands(commands, scope=scope, language_code="de")
        got = await bot.get_my_commands(scope=scope, language_code="de")
        assert [c.command for c in got] == ["start"]
        chat = await bot.get_chat(ada)
        assert chat.id == ada

        emu.force_429(ada, retry_after=3)
        with pytest.raises(TelegramRetryAfter) as retry:
            await bot.send_message(ada, "x")
        assert retry.value.retry_after == 3
        emu.block(ada)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(ada, "x")
    finally:
        await bot.session.close()


@pytest.mark.filterwarnings("ignore:.*retry_after")  # PTB 22's timedelta migration notice
async def test_ptb_bot_calls(emu: Emulator) -> None:
    from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton
    from telegram import InlineKeyboardMarkup as Markup
    from telegram.error import BadRequest, Forbidden, RetryAfter

    ada = emu.add_user("Ada")["id"]
    bot = Bot(TOKEN, base_url=f"{emu.base_url}/bot", base_file_url=f"{emu.base_url}/file/bot")
    await bot.initialize()
    try:
        assert bot.username == "tandem_test_bot"
        keyboard = Markup([[InlineKeyboardButton("Yes", callback_data="v1:yes")]])
        msg = await bot.send_message(ada, "Meet on Monday?", reply_markup=keyboard)
        assert msg.text == "Meet on Monday?" and msg.chat.type == "private"
        assert msg.reply_markup is not None
        assert msg.reply_markup.inline_keyboard[0][0].callback_data == "v1:yes"
        edited = await bot.edit_message_text(
            "Meet on Tuesday?", chat_id=ada, message_id=msg.message_id, reply_markup=keyboard
        )
        assert not isinstance(edited, bool) and edited.text == "Meet on Tuesday?"
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text(
                "Meet on Tuesday?", chat_id=ada, message_id=msg.message_id, reply_markup=keyboard
            )
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(ada, "x" * 4097)
        doc = await bot.send_document(ada, b"a;b\n1;2\n", filename="plan.csv", caption="Plan")
        assert doc.document is not None and doc.document.file_name == "plan.csv"
        file = await bot.get_file(doc.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a;b\n1;2\n"

        emu.press_button(ada, None, "Yes")
        (update,) = await bot.get_updates(timeout=0)
        assert update.callback_query is not None and update.callback_query.data == "v1:yes"
        assert await bot.answer_callback_query(update.callback_query.id, text="Noted") is True

        scope = BotCommandScopeChat(ada)
        assert await bot.set_my_commands([BotCommand("start", "Go")], scope=scope)
        assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["start"]
        assert (await bot.get_chat(ada)).id == ada

        emu.force_429(ada, retry_after=3)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(ada, "x")
        assert retry.value.retry_after in (3, timedelta(seconds=3))
        emu.block(ada)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(ada, "x")
    finally:
        await bot.shutdown()


async def test_aiogram_polling_round_trip(emu: Emulator) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.filters import CommandStart
    from aiogram.types import Message

    ada = emu.add_user("Ada")["id"]
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Welcome, {message.from_user.first_name if message.from_user else ''}")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        emu.send_text(ada, "/start")
        await emu.wait_for(lambda: any(e.sender == "bot" for e in emu.transcript(ada)), 5)
        assert emu.transcript(ada)[-1].text == "Welcome, Ada"
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 3)
        await bot.session.close()


async def test_ptb_polling_round_trip(emu: Emulator) -> None:
    from telegram import Update
    from telegram.ext import Application, CommandHandler, ContextTypes

    ada = emu.add_user("Ada")["id"]

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"Welcome, {update.effective_user.first_name}" if update.effective_user else "Welcome"
        )

    app: Any = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=5)
    try:
        emu.send_text(ada, "/start")
        await emu.wait_for(lambda: any(e.sender == "bot" for e in emu.transcript(ada)), 5)
        assert emu.transcript(ada)[-1].text == "Welcome, Ada"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert emu.pending_updates() == 0
