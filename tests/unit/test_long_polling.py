"""The shared long polling against a Bot API that answers badly: a proxy's web page instead of
JSON, or JSON that is not the Bot API's. Each is a failed poll: waited out and polled again,
and the updates behind it still arrive, once each."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from bot.adapter import AdapterOptions, recorded
from handlers.polling import LongPolling, skim_updates
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


# --- reading a poll's answer: only the updates not in hand --------------------------------------


def answer(updates: list[dict[str, Any]]) -> bytes:
    return json.dumps({"ok": True, "result": updates}, separators=(",", ":"), ensure_ascii=False).encode()


def text_update(update_id: int, text: str) -> dict[str, Any]:
    message = {"message_id": update_id, "date": 1, "chat": {"id": 5, "type": "private"}, "text": text}
    return {"update_id": update_id, "message": message}


def test_a_poll_answer_is_read_for_the_updates_not_in_hand() -> None:
    updates = [text_update(10, "hi"), text_update(11, 'a quote " and {"update_id":99,'), text_update(12, "é")]
    assert skim_updates(answer(updates), {10, 12}) == [{"update_id": 10}, updates[1], {"update_id": 12}]
    assert skim_updates(answer([]), {10}) == []


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"ok": True, "result": [text_update(10, "hi"), text_update(11, "yo")]}).encode(),  # spaced
        b'{"ok":false,"error_code":409,"description":"Conflict"}',
        answer([text_update(10, "hi"), text_update(11, "yo")])[:-9] + b"]}",  # cut short
        answer([{"message": {"message_id": 1}, "update_id": 11}]),  # the id not first
        b'{"ok":true,"result":[{"update_id":11}]}',  # an update of nothing: read whole
    ],
    ids=["spaced", "an error", "cut short", "id not first", "id alone"],
)
def test_a_poll_answer_in_another_form_is_left_to_be_read_whole(raw: bytes) -> None:
    assert skim_updates(raw, {10}) is None


# Texts made of what a getUpdates answer is made of, the start of an update included.
pieces = ['"', "\\", "{", "}", ",", ":", "[", "]", " ", "é", '{"update_id":', "update_id", "1"]
texts = st.lists(st.sampled_from(pieces), max_size=12).map("".join)


@given(
    st.lists(st.tuples(st.integers(1, 2**40), texts), max_size=8, unique_by=lambda pair: pair[0]),
    st.sets(st.integers(0, 7)),
)
def test_whatever_the_texts_an_update_not_in_hand_reads_as_itself(
    pairs: list[tuple[int, str]], held: set[int]
) -> None:
    updates = [text_update(update_id, text) for update_id, text in sorted(pairs)]
    in_hand = {updates[i]["update_id"] for i in held if i < len(updates)}
    expected = [{"update_id": u["update_id"]} if u["update_id"] in in_hand else u for u in updates]
    assert skim_updates(answer(updates), in_hand or {0}) == expected
