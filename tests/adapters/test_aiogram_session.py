"""aiogram's calls through ``handlers.aiogram_polling.JsonSession``: a call without files goes as
a JSON body of the strings aiogram's form would carry (the Bot API reads the two alike), an upload
still goes as aiogram's multipart form, and a failure is aiogram's own error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from handlers.aiogram_polling import JsonSession
from tests.journeys import free_port, serving

TOKEN = "123:ABC"
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[Bot, list[tuple[str, str, dict[str, Any]]]]]:
    """A Bot on a JsonSession against a loopback server that notes each call: its method, its
    content type and its parameters."""
    calls: list[tuple[str, str, dict[str, Any]]] = []

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}  # the fields, not the file
        calls.append((method, request.content_type, params))
        if params.get("text") == "refused":
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: refused"}, status=400
            )
        return web.json_response({"ok": True, "result": {**MESSAGE, "text": params.get("text", "")}})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", api)
    async with serving(app) as address:
        session = JsonSession(api=TelegramAPIServer.from_base(address), timeout=5)
        try:
            yield Bot(TOKEN, session=session), calls
        finally:
            await session.close()


async def test_a_call_without_files_is_a_json_body_of_the_forms_strings(
    telegram: tuple[Bot, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    bot, calls = telegram
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="y:1")]])
    sent = await bot.send_message(5, "Grüß dich ✓", reply_markup=keyboard)
    assert (sent.message_id, sent.text) == (7, "Grüß dich ✓")
    method, content_type, params = calls[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert (params["chat_id"], params["text"]) == ("5", "Grüß dich ✓")
    button = {"text": "Ja", "callback_data": "y:1"}
    assert json.loads(params["reply_markup"]) == {"inline_keyboard": [[button]]}


async def test_an_upload_is_still_a_multipart_form(
    telegram: tuple[Bot, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    bot, calls = telegram
    await bot.send_document(5, BufferedInputFile(b"%PDF-1.4", filename="report.pdf"), caption="Report")
    method, content_type, params = calls[-1]
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert params["caption"] == "Report" and params["chat_id"] == "5"


async def test_failures_are_aiograms_own_errors(
    telegram: tuple[Bot, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    bot, _ = telegram
    with pytest.raises(TelegramBadRequest, match="refused"):
        await bot.send_message(5, "refused")
    nowhere = JsonSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{free_port()}"), timeout=5)
    try:
        with pytest.raises(TelegramNetworkError, match="ClientConnectorError"):
            await Bot(TOKEN, session=nowhere).send_message(5, "hello")
    finally:
        await nowhere.close()
