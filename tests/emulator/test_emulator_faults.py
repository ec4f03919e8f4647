"""Blocked users, injected faults, and webhook delivery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.emulator import Emulator

from .conftest import BotCaller


async def test_block_gives_403_and_a_my_chat_member_update(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    await api.ok("sendMessage", chat_id=ada, text="before")
    update_id = emu.block(ada).update_id
    status, body = await api("sendMessage", chat_id=ada, text="after")
    assert (status, body) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    assert emu.stats.forbidden == 1
    (update,) = await api.ok("getUpdates", timeout=0)
    assert update["update_id"] == update_id
    change = update["my_chat_member"]
    assert change["chat"]["id"] == ada and change["from"]["id"] == ada
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"] == {
        "user": {"id": 4242, "is_bot": True, "first_name": "Tandem", "username": "tandem_test_bot"},
        "status": "kicked",
        "until_date": 0,
    }
    emu.unblock(ada)
    (update,) = await api.ok("getUpdates", offset=update_id + 1, timeout=0)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "member"
    await api.ok("sendMessage", chat_id=ada, text="welcome back")
    kinds = [e.kind for e in emu.transcript(ada)]
    assert kinds == ["text", "kicked", "member", "text"]


async def test_a_group_that_removes_the_bot_answers_403_until_it_is_added_back(
    emu: Emulator, api: BotCaller
) -> None:
    ada = emu.add_user("Ada")["id"]
    group = emu.add_group("Staff", [ada])
    sent = await api.ok("sendMessage", chat_id=group, text="before")
    removed = emu.remove_bot(group, ada)
    assert removed is not None
    for method, params in (
        ("sendMessage", {"text": "after"}),
        ("editMessageText", {"message_id": sent["message_id"], "text": "edited"}),
    ):
        status, body = await api(method, chat_id=group, **params)
        assert (status, body["description"]) == (403, "Forbidden: bot was kicked from the supergroup chat")
    (update,) = await api.ok("getUpdates", timeout=0)
    change = update["my_chat_member"]
    assert (update["update_id"], change["chat"]["id"], change["from"]["id"]) == (
        removed.update_id,
        group,
        ada,
    )
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == ("member", "kicked")
    emu.return_bot(group, ada)
    await api.ok("sendMessage", chat_id=group, text="back")
    other = emu.add_group("Old staff", [ada])
    assert emu.remove_bot(other) is None  # deleted: nothing comes
    status, body = await api("sendMessage", chat_id=other, text="anyone?")
    assert (status, body["description"]) == (403, "Forbidden: the group chat was deleted")
    assert [e.kind for e in emu.transcript(group)] == ["text", "kicked", "member", "text"]


async def test_fail_next_500_then_normal(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.fail_next("sendMessage", count=2)
    for _ in range(2):
        status, body = await api("sendMessage", chat_id=ada, text="x")
        assert (status, body) == (
            500,
            {"ok": False, "error_code": 500, "description": "Internal Server Error"},
        )
    await api.ok("sendMessage", chat_id=ada, text="x")
    emu.fail_next(None, status=502)
    assert await api.ok("getUpdates", timeout=0) == []  # not hit by an unnamed fault
    assert await api.ok("getMe")
    status, body = await api("sendChatAction", chat_id=ada, action="typing")
    assert (status, body["description"]) == (502, "Bad Gateway")
    assert emu.stats.errors_5xx == 3
    assert len(emu.transcript(ada)) == 1


async def test_fail_next_slow_answers_late_but_normally(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.fail_next("sendmessage", status=None, delay=0.3)
    started = time.monotonic()
    msg = await api.ok("sendMessage", chat_id=ada, text="slow")
    assert time.monotonic() - started >= 0.3
    assert msg["text"] == "slow"
    started = time.monotonic()
    await api.ok("sendMessage", chat_id=ada, text="fast")
    assert time.monotonic() - started < 0.2
    with pytest.raises(ValueError):
        emu.fail_next("sendMessage", status=None)


async def test_a_late_answer_comes_after_the_call_was_carried_out(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.answer_late("sendMessage", 0.5)
    started = time.monotonic()
    call = asyncio.create_task(api.ok("sendMessage", chat_id=ada, text="sent, answered late"))
    await emu.wait_for(lambda: len(emu.transcript(ada)) == 1, timeout=0.4)  # in the chat at once
    assert not call.done()
    msg = await call
    assert time.monotonic() - started >= 0.5
    assert msg["text"] == "sent, answered late"
    # A client that stops waiting sooner still sent it: the next call is answered at once.
    emu.answer_late("sendMessage", 2.0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(api("sendMessage", chat_id=ada, text="gave up waiting"), 0.3)
    await api.ok("sendMessage", chat_id=ada, text="next")
    assert [e.text for e in emu.transcript(ada)] == ["sent, answered late", "gave up waiting", "next"]
    with pytest.raises(ValueError):
        emu.answer_late("sendMessage", 0)


class Receiver:
    """A tiny webhook endpoint that records what it receives."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.fail_first = fail_first
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((await request.json(), secret))
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver(fail_first=1)
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield rec
    await runner.cleanup()


async def test_webhook_push_with_secret_and_409_for_get_updates(
    emu: Emulator, api: BotCaller, receiver: Receiver
) -> None:
    ada = emu.add_user("Ada")["id"]
    assert await api.ok("setWebhook", url=receiver.url, secret_token="s3cr3t") is True
    info = await api.ok("getWebhookInfo")
    assert info["url"] == receiver.url and info["pending_update_count"] == 0
    status, body = await api("getUpdates", timeout=0)
    assert status == 409 and "webhook is active" in body["description"]
    first = emu.send_text(ada, "hello").update_id  # the receiver fails once: retried
    second = emu.send_text(ada, "again").update_id
    await emu.wait_for(lambda: len(receiver.received) == 2, timeout=3)
    assert [(u["update_id"], s) for u, s in receiver.received] == [
        (first, "s3cr3t"),
        (second, "s3cr3t"),
    ]
    assert receiver.received[0][0]["message"]["text"] == "hello"
    assert emu.pending_updates() == 0 and emu.delivered_update_ids == [first, second]
    assert emu.stats.webhook_failures == 1
    info = await api.ok("getWebhookInfo")
    assert "500" in info["last_error_message"]
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    emu.send_text(ada, "polling again")
    (update,) = await api.ok("getUpdates", timeout=0)
    assert update["message"]["text"] == "polling again"


async def test_delete_webhook_drops_pending_updates(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_text(ada, "old")
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    assert emu.pending_updates() == 0
    assert await api.ok("getUpdates", timeout=0) == []
