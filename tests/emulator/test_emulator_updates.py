"""getMe, routing, getUpdates (offsets, long polls), injected updates, redelivery, stop()."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.emulator import Emulator

from .conftest import BotCaller


async def test_get_me_has_what_both_clients_parse(api: BotCaller) -> None:
    me = await api.ok("getMe")
    assert me == {
        "id": 4242,
        "is_bot": True,
        "first_name": "Tandem",
        "username": "tandem_test_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def test_method_names_are_case_insensitive_and_get_works(
    api: BotCaller, session: aiohttp.ClientSession
) -> None:
    assert (await api.ok("GETME"))["id"] == 4242
    async with session.get(api.url("getme")) as resp:
        assert resp.status == 200 and (await resp.json())["result"]["is_bot"] is True


async def test_bad_token_is_401_and_unknown_method_404(
    api: BotCaller, session: aiohttp.ClientSession
) -> None:
    async with session.post(api.url("getMe", token="not-a-token")) as resp:
        assert resp.status == 401
        assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    status, body = await api("sendCarrierPigeon")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_json_and_query_string_bodies(
    emu: Emulator, api: BotCaller, session: aiohttp.ClientSession
) -> None:
    user = emu.add_user("Ada")
    async with session.post(api.url("sendMessage"), json={"chat_id": user["id"], "text": "hi"}) as r:
        assert (await r.json())["result"]["text"] == "hi"
    async with session.get(api.url("sendMessage"), params={"chat_id": user["id"], "text": "yo"}) as r:
        assert (await r.json())["result"]["text"] == "yo"


async def test_get_updates_offset_confirms_and_limit(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    ids = [emu.send_text(ada, f"m{i}").update_id for i in range(3)]
    first = await api.ok("getUpdates", timeout=0, limit=2)
    assert [u["update_id"] for u in first] == ids[:2]
    assert emu.pending_updates() == 1
    again = await api.ok("getUpdates", timeout=0)  # no offset: unconfirmed ones come again
    assert [u["update_id"] for u in again] == ids
    rest = await api.ok("getUpdates", offset=ids[1] + 1, timeout=0)
    assert [u["update_id"] for u in rest] == ids[2:]
    assert rest[0]["message"]["text"] == "m2"
    assert await api.ok("getUpdates", offset=ids[2] + 1, timeout=0) == []
    assert emu.delivered_update_ids == ids
    assert emu.pending_updates() == 0


async def test_timeout_zero_returns_at_once(api: BotCaller) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=0) == []
    assert time.monotonic() - started < 0.2


async def test_long_poll_wakes_on_new_update(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await asyncio.sleep(0.05)
    assert not poll.done()
    started = time.monotonic()
    update_id = emu.send_text(ada, "wake up").update_id
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 0.5
    assert [u["update_id"] for u in updates] == [update_id]


async def test_long_poll_times_out_empty(api: BotCaller) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_a_second_poll_terminates_the_first_with_409(emu: Emulator, api: BotCaller) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=10))
    await asyncio.sleep(0.05)
    assert await api.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and "terminated by other getUpdates request" in body["description"]


async def test_stop_returns_quickly_during_a_long_poll(
    api: BotCaller, session: aiohttp.ClientSession
) -> None:
    emu = Emulator()
    await emu.start()
    caller = BotCaller(session, emu.base_url)
    poll = asyncio.create_task(caller("getUpdates", timeout=30))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await emu.stop()
    assert time.monotonic() - started < 0.5
    status, body = await asyncio.wait_for(poll, 1)
    assert status == 200 and body["result"] == []


async def test_command_has_bot_command_entity(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada", username="ada", language_code="de")["id"]
    emu.send_text(ada, "/start@tandem_test_bot payload_1")
    emu.send_text(ada, "plain")
    first, second = await api.ok("getUpdates", timeout=0)
    message = first["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    assert message["from"] == {
        "id": ada,
        "is_bot": False,
        "first_name": "Ada",
        "username": "ada",
        "language_code": "de",
    }
    assert message["chat"] == {"id": ada, "type": "private", "first_name": "Ada", "username": "ada"}
    assert isinstance(message["date"], int)
    assert "entities" not in second["message"]
    kinds = [e.kind for e in emu.transcript(ada)]
    assert kinds == ["command", "text"]


async def test_user_media_updates(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_location(ada, 49.61, 6.13)
    emu.send_contact(ada, "+352 123", "Ada")
    emu.send_photo(ada, "me.jpg")
    emu.send_document(ada, "cv.pdf", b"%PDF-1.7 hello")
    emu.send_voice(ada, 3)
    emu.send_sticker(ada, "👍")
    updates = [u["message"] for u in await api.ok("getUpdates", timeout=0)]
    assert updates[0]["location"] == {"latitude": 49.61, "longitude": 6.13}
    assert updates[1]["contact"] == {"phone_number": "+352 123", "first_name": "Ada", "user_id": ada}
    assert updates[2]["photo"][0]["width"] == 1280
    assert updates[3]["document"]["file_name"] == "cv.pdf"
    assert updates[4]["voice"]["duration"] == 3
    assert updates[5]["sticker"]["emoji"] == "👍"
    entries = emu.transcript(ada)
    assert [e.kind for e in entries] == [
        "location",
        "contact",
        "photo",
        "document",
        "voice",
        "sticker",
    ]
    assert [e.document for e in entries[2:4]] == ["me.jpg", "cv.pdf"]


async def test_redeliver_sends_the_same_update_id_again(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    first = emu.send_text(ada, "once").update_id
    second = emu.send_text(ada, "twice").update_id
    got = await api.ok("getUpdates", timeout=0)
    assert [u["update_id"] for u in got] == [first, second]
    emu.redeliver(first)
    assert emu.pending_updates() == 1
    again = await api.ok("getUpdates", offset=second + 1, timeout=0)
    assert [u["update_id"] for u in again] == [first]
    assert again[0] == got[0]
    assert await api.ok("getUpdates", offset=first + 1, timeout=0) == []


async def test_press_payload_and_forged_press(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "v1:yes"}]]}
    sent = await api.ok("sendMessage", chat_id=ada, text="Meet?", reply_markup=keyboard)
    emu.press_button(ada, None, r"^Ye")
    emu.press(ada, ada, 999, "v1:forged")
    real, forged = (u["callback_query"] for u in await api.ok("getUpdates", timeout=0))
    assert real["data"] == "v1:yes" and real["message"] == sent
    assert real["from"]["id"] == ada and isinstance(real["id"], str) and real["chat_instance"]
    assert forged["message"] == {"chat": sent["chat"], "message_id": 999, "date": 0}
    presses = [e for e in emu.transcript(ada) if e.kind == "press"]
    assert [(p.text, p.callback, p.sender) for p in presses] == [
        ("Yes", "v1:yes", ada),
        ("", "v1:forged", ada),
    ]
    with pytest.raises(LookupError):
        emu.press_button(ada, None, "No such")


async def test_inject_raw_and_wait_for(emu: Emulator, api: BotCaller) -> None:
    update_id = emu.inject_raw({"poll": {"id": "1"}}).update_id

    async def later() -> None:
        await asyncio.sleep(0.05)
        await api.ok("getUpdates", timeout=0, allowed_updates=["poll"])

    task = asyncio.create_task(later())
    await emu.wait_for(lambda: update_id in emu.delivered_update_ids, timeout=2)
    await task
    with pytest.raises(TimeoutError):
        await emu.wait_for(lambda: False, timeout=0.05)


async def test_updates_not_in_allowed_updates_are_dropped(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.block(ada)
    text_id = emu.send_text(ada, "hello").update_id  # also unblocks: another my_chat_member
    got = await api.ok("getUpdates", timeout=0, allowed_updates=["message"])
    assert [u["update_id"] for u in got] == [text_id]
