"""The chats written down and read back into a fresh emulator (what `tandem demo` keeps across a
restart): what each chat shows, its buttons and files still working, its menu, ids that go on."""

from __future__ import annotations

import json

import aiohttp
import pytest

from bot.emulator import Emulator
from bot.emulator.snapshot import restore, snapshot

from .conftest import TOKEN, BotCaller


async def test_a_fresh_emulator_shows_the_chats_and_takes_up_where_they_were(
    emu: Emulator, api: BotCaller, session: aiohttp.ClientSession
) -> None:
    ada = emu.add_user("Ada", language_code="de")["id"]
    bob = emu.add_user("Bob")["id"]
    group = emu.add_group("Coordinators", [ada])
    emu.send_text(ada, "/start")
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "c1:yes"}]]}
    question = await api.ok("sendMessage", chat_id=ada, text="Weiter?", reply_markup=keyboard)
    form = aiohttp.FormData({"chat_id": str(group), "caption": "Invite"})
    form.add_field("photo", b"\x89PNG qr code", filename="invite.png", content_type="image/png")
    card = await session.post(api.url("sendPhoto"), data=form)
    photo = (await card.json())["result"]
    menu = [{"command": "match", "description": "Match"}]
    await api.ok("setMyCommands", commands=menu, scope={"type": "chat", "chat_id": ada})
    emu.block(bob)
    saved = json.loads(json.dumps(snapshot(emu)))  # as it goes through the file

    fresh = Emulator()
    fresh.add_user("Ada", language_code="de")
    fresh.add_user("Bob")
    fresh.add_group("Coordinators", [ada])
    restore(fresh, saved)
    await fresh.start()
    try:
        async with BotCaller.session_for(fresh) as again:
            assert [e.to_json() for e in fresh.transcript()] == [e.to_json() for e in emu.transcript()]
            assert fresh.menu(ada) == menu and fresh.state.users[bob].blocked
            # A button from before: its press carries the message, and the bot can edit it.
            fresh.press(ada, ada, question["message_id"], "c1:yes")
            press = fresh.transcript(ada)[-1]
            assert (press.kind, press.text) == ("press", "Ja")
            (update,) = await again.ok("getUpdates")
            assert update["callback_query"]["message"]["text"] == "Weiter?"
            await again.ok(
                "editMessageText", chat_id=ada, message_id=question["message_id"], text="Weiter? → Ja"
            )
            # The photo is still there, and numbering goes on: messages, lines, updates.
            file_id = photo["photo"][-1]["file_id"]
            path = (await again.ok("getFile", file_id=file_id))["file_path"]
            async with again.session.get(f"{fresh.base_url}/file/bot{TOKEN}/{path}") as resp:
                assert await resp.read() == b"\x89PNG qr code"
            sent = fresh.send_text(ada, "hallo")
            assert sent.message_id == question["message_id"] + 1
            assert sent.update_id > update["update_id"] >= saved["counters"]["update"]
            assert fresh.transcript()[-1].seq > emu.transcript()[-1].seq
    finally:
        await fresh.stop()


def test_a_snapshot_that_does_not_fit_changes_nothing(emu: Emulator) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_text(ada, "/start")
    saved = snapshot(emu)

    elsewhere = Emulator()  # nobody added: Ada's chat is not there
    with pytest.raises(ValueError, match="chats"):
        restore(elsewhere, saved)
    damaged = Emulator()
    damaged.add_user("Ada")
    broken = {**saved, "entries": [*saved["entries"], {"seq": "x"}]}
    with pytest.raises((KeyError, TypeError, ValueError)):
        restore(damaged, broken)
    assert damaged.transcript() == [] and damaged.state.messages == {}
    with pytest.raises(ValueError, match="version"):
        restore(damaged, {**saved, "version": 99})
