"""PTB's requests over aiohttp (``handlers.ptb_request``) against real loopback sockets: an answer
comes back as PTB expects it, and each way a request can fail is told apart as delivery needs it,
a request that never left (safe to repeat) from one whose answer did not come (maybe carried out).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TelegramError, TimedOut

from handlers.ptb_messenger import classify
from handlers.ptb_request import AiohttpRequest
from tests.journeys import free_port, serving

TOKEN = "123:ABC"


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connections=4, connect_timeout=2, read_timeout=0.5, pool_timeout=1)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


async def serve(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


async def test_an_answer_comes_back_as_ptb_reads_it(request_: AiohttpRequest) -> None:
    seen: dict[str, str] = {}

    async def send_message(request: web.Request) -> web.Response:
        # A JSON body of the strings a form would carry, which the Bot API reads alike.
        assert request.content_type == "application/json"
        seen.update(await request.json())
        message = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}, "text": seen["text"]}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/sendMessage", send_message)
    async with serving(app) as address:
        bot = Bot(TOKEN, base_url=f"{address}/bot", request=request_)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="y:1")]])
        sent = await bot.send_message(5, "Grüß dich ✓", reply_markup=keyboard)
        assert (sent.message_id, sent.text) == (7, "Grüß dich ✓")
        assert seen["chat_id"] == "5"
        button = {"text": "Ja", "callback_data": "y:1"}
        assert json.loads(seen["reply_markup"]) == {"inline_keyboard": [[button]]}


async def test_an_answer_that_is_not_json_is_an_error_that_quotes_nothing(
    request_: AiohttpRequest, caplog: pytest.LogCaptureFixture
) -> None:
    async def send_message(request: web.Request) -> web.Response:
        return web.Response(text="<html>Grüß dich</html>", content_type="text/html")  # a proxy's page

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/sendMessage", send_message)
    async with serving(app) as address:
        bot = Bot(TOKEN, base_url=f"{address}/bot", request=request_)
        with pytest.raises(TelegramError, match="Invalid server response"):
            await bot.send_message(5, "Grüß dich")
    assert "Grüß" not in caplog.text


async def test_no_server_is_a_request_that_never_left(request_: AiohttpRequest) -> None:
    with pytest.raises(NetworkError) as failed:
        await request_.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/sendMessage")
    rejection = classify(failed.value)
    assert rejection is not None and rejection.kind == "transient"


async def test_no_answer_in_time_is_in_doubt(request_: AiohttpRequest) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        await asyncio.sleep(5)

    server, port = await serve(silent)
    try:
        with pytest.raises(TimedOut) as failed:
            await request_.post(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage")
    finally:
        server.close()
    rejection = classify(failed.value)
    assert rejection is not None and rejection.kind == "unanswered"


async def test_a_connection_dropped_after_the_request_is_in_doubt(request_: AiohttpRequest) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.close()

    server, port = await serve(hang_up)
    try:
        with pytest.raises(NetworkError) as failed:
            await request_.post(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage")
    finally:
        server.close()
    rejection = classify(failed.value)
    assert rejection is not None and rejection.kind == "unanswered"
