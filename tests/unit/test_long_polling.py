"""The shared long polling against a Bot API that answers badly: a proxy's web page instead of
JSON, or JSON that is not the Bot API's. Each is a failed poll: waited out and polled again,
and the updates behind it still arrive, once each."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web

from bot.adapter import AdapterOptions, recorded
from handlers.polling import LongPolling
from tests.journeys import serving

TOKEN = "42:TEST"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}}}


@pytest.mark.parametrize(
    "bad",
    [
        web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        web.Response(status=200, text="", content_type="application/json"),
        web.json_response(["not", "an", "answer"]),
    ],
    ids=["web page", "empty", "not the Bot API's"],
)
async def test_a_bad_answer_to_a_poll_is_polled_again(
    bad: web.Response, caplog: pytest.LogCaptureFixture
) -> None:
    polls: list[dict[str, Any]] = []
    confirmed = asyncio.Event()  # a poll past the update: it was recorded and confirmed

    async def get_updates(request: web.Request) -> web.StreamResponse:
        polls.append(await request.json())
        if len(polls) == 1:
            return bad
        if polls[-1].get("offset") == 8:
            confirmed.set()
        waiting = [] if confirmed.is_set() else [UPDATE]
        return web.json_response({"ok": True, "result": waiting})

    async def delete_webhook(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/getUpdates", get_updates)
    app.router.add_post(f"/bot{TOKEN}/deleteWebhook", delete_webhook)
    fed: list[int] = []

    async def feed(update: dict[str, Any]) -> None:
        fed.append(update["update_id"])
        recorded()

    caplog.set_level(logging.WARNING, logger="handlers.polling")
    async with serving(app) as address:
        options = AdapterOptions(token=TOKEN, base_url=address, polling_timeout=0)
        polling = LongPolling(options, feed, ["message"])
        try:
            await polling.start()
            await asyncio.wait_for(confirmed.wait(), 10)
        finally:
            await polling.stop()
    assert fed == [7]
    failures = [r.getMessage() for r in caplog.records if "getUpdates failed" in r.getMessage()]
    assert failures == ["getUpdates failed (getUpdates: not a Bot API answer); polling again in 0.5 s"]
