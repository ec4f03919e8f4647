"""The control API over HTTP (EmulatorClient) and the Server-Sent-Events stream."""

from __future__ import annotations

import asyncio

import pytest

from bot.emulator import Emulator, EmulatorClient, EmulatorError, Limits

from .conftest import BotCaller


async def test_client_round_trip(emu: Emulator, api: BotCaller) -> None:
    async with EmulatorClient(emu.base_url) as client:
        ada = (await client.add_user("Ada", language_code="fr"))["id"]
        bob = (await client.add_user("Bob", user_id=555))["id"]
        assert bob == 555 and emu.users()[0]["language_code"] == "fr"
        group = await client.add_group("Roundtable", [ada, bob])
        assert group < 0
        sent = await client.send_text(ada, "/start")
        assert sent.message_id == 1 and sent.update_id > 0
        keyboard = {"inline_keyboard": [[{"text": "Join", "callback_data": "join"}]]}
        msg = await api.ok("sendMessage", chat_id=ada, text="Hi", reply_markup=keyboard)
        pressed = await client.press_button(ada, None, "Jo")
        await client.press(ada, ada, msg["message_id"], "join")
        await client.send_location(ada, 1.5, 2.5)
        await client.send_contact(ada, "+1", "Ada")
        await client.send_photo(ada, "me.jpg")
        await client.send_document(ada, "a.txt", b"abc")
        await client.send_voice(ada, 1)
        await client.send_sticker(ada, "🙂")
        await client.send_text(bob, "hello group", chat_id=group)
        blocked = await client.block(ada)
        await client.unblock(ada)
        assert (await client.redeliver(pressed.update_id)).update_id == pressed.update_id
        raw = await client.inject_raw({"poll": {"id": "9"}})
        assert raw.message_id is None

        entries = await client.transcript(ada)
        assert [e.kind for e in entries][:3] == ["command", "text", "press"]
        assert entries[1].buttons == [["Join"]] and entries[1].data == [["join"]]
        assert entries[1].t.tzinfo is not None
        later = await client.transcript(since_seq=entries[0].seq)
        assert later[0].seq == entries[0].seq + 1 and group in {e.chat_id for e in later}
        current = await client.message(ada, msg["message_id"])
        assert current is not None and current["buttons"][0][0]["data"] == "join"
        await api.ok("setMyCommands", commands=[{"command": "help", "description": "Help"}])
        assert await client.menu(ada) == await client.menu(group, bob) == emu.commands()

        await client.fail_next("sendMessage", status=502)
        assert (await api("sendMessage", chat_id=ada, text="x"))[0] == 502
        await client.set_limits(Limits(enabled=False))
        assert emu.limits.enabled is False
        await client.answer_late("sendMessage", 0.2)
        assert (await api("sendMessage", chat_id=ada, text="late"))[0] == 200
        await client.force_429(ada, retry_after=2)
        assert (await api("sendMessage", chat_id=ada, text="x"))[0] == 429
        stats = await client.stats()
        assert stats["errors_5xx"] == 1 and stats["too_many_requests"] == 1
        assert stats["calls"]["sendMessage"] == 4
        state = await client.state()
        assert state["pending_updates"] == await client.pending_updates() == emu.pending_updates()
        assert blocked.update_id in [u["update_id"] for u in await api.ok("getUpdates")]

        with pytest.raises(EmulatorError) as err:
            await client.press_button(ada, None, "nothing like this")
        assert err.value.status == 404
        with pytest.raises(EmulatorError):
            await client.send_text(999999, "who am I")


async def test_bot_accounts_and_messages_sent_as_a_chat(emu: Emulator, api: BotCaller) -> None:
    async with EmulatorClient(emu.base_url) as client:
        ada = (await client.add_user("Ada"))["id"]
        helper = (await client.add_user("Helper", is_bot=True))["id"]
        group = await client.add_group("Roundtable", [ada, helper])
        channel = await client.add_group("News", [], kind="channel")
        await client.send_text(helper, "hello", chat_id=group)
        await client.send_as_chat(group, "/help")  # an anonymous admin, as the group
        await client.send_as_chat(group, "posted", sender_chat_id=channel)
    emu.send_as_chat(group, "again")  # the stand-in account exists once
    bot_says, anonymous, posted, again = [u["message"] for u in await api.ok("getUpdates")]
    assert bot_says["from"]["is_bot"] is True and "sender_chat" not in bot_says
    assert anonymous["from"] == {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    assert anonymous["sender_chat"] == {"id": group, "type": "supergroup", "title": "Roundtable"}
    assert anonymous["chat"]["id"] == group and anonymous["entities"][0]["type"] == "bot_command"
    assert posted["from"]["username"] == "Channel_Bot" and posted["from"]["is_bot"] is True
    assert posted["sender_chat"] == {"id": channel, "type": "channel", "title": "News"}
    assert again["from"]["id"] == 1087968824 and emu.users()[0]["is_bot"] is False
    assert [e.kind for e in emu.transcript(group)] == ["text", "command", "text", "text"]


async def test_events_stream(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_text(ada, "before")
    seen: list[str] = []

    async def follow() -> None:
        async with EmulatorClient(emu.base_url) as client:
            async for entry in client.events(chat_id=ada):
                seen.append(entry.text)
                if len(seen) == 3:
                    return

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.05)
    await api.ok("sendMessage", chat_id=ada, text="live")
    emu.send_text(emu.add_user("Bob")["id"], "other chat")
    emu.send_text(ada, "after")
    await asyncio.wait_for(task, 2)
    assert seen == ["before", "live", "after"]


async def test_events_stream_ends_on_stop(api: BotCaller) -> None:
    emu = Emulator()
    await emu.start()
    client = EmulatorClient(emu.base_url)

    async def drain() -> int:
        return len([e async for e in client.events()])

    task = asyncio.create_task(drain())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(emu.stop(), 1)
    assert await asyncio.wait_for(task, 1) == 0
    await client.close()


async def test_members_of_a_group_as_telegram_tells_a_bot(emu: Emulator, api: BotCaller) -> None:
    async with EmulatorClient(emu.base_url) as client:
        ada = (await client.add_user("Ada"))["id"]
        bob = (await client.add_user("Bob"))["id"]
        eve = (await client.add_user("Eve"))["id"]
        group = await client.add_group("Staff", [ada, bob])  # Ada created it
        await api.ok("getUpdates", allowed_updates=["message", "chat_member", "my_chat_member"])

        # The bot is no administrator: a join comes as the group's service message only.
        (joined,) = await client.join_group(group, eve, ada)
        assert await api.ok("getChatMemberCount", chat_id=group) == 4  # the bot is a member too
        admins = await api.ok("getChatAdministrators", chat_id=group)
        assert [(m["user"]["id"], m["status"]) for m in admins] == [(ada, "creator")]
        assert (await api.ok("getChatMember", chat_id=group, user_id=eve))["status"] == "member"

        # An administrator hears of everyone joining and leaving; Bob is never listed to it.
        promoted = await client.promote_bot(group, ada)
        service, update = await client.leave_group(group, eve, ada)
        assert (await api.ok("getChatMember", chat_id=group, user_id=eve))["status"] == "left"
        admins = await api.ok("getChatAdministrators", chat_id=group)
        assert [m["status"] for m in admins] == ["creator", "administrator"]
        assert bob not in {m["user"]["id"] for m in admins}
        updates = {u["update_id"]: u for u in await api.ok("getUpdates", offset=joined.update_id)}
        assert updates[joined.update_id]["message"]["new_chat_members"][0]["id"] == eve
        assert updates[promoted.update_id]["my_chat_member"]["new_chat_member"]["status"] == "administrator"
        assert updates[service.update_id]["message"]["left_chat_member"]["id"] == eve
        change = updates[update.update_id]["chat_member"]
        assert (change["new_chat_member"]["status"], change["from"]["id"]) == ("kicked", ada)

        # A bot that did not ask for chat_member updates never gets them.
        await client.join_group(group, eve, service_message=False)
        assert await api.ok("getUpdates", offset=update.update_id + 1, allowed_updates=["message"]) == []
        assert await client.pending_updates() == 0
