"""Sending and editing messages: full objects, Telegram's checks, files, commands, transcript."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from bot.emulator import Emulator

from .conftest import TOKEN, BotCaller

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
YES = {"inline_keyboard": [[{"text": "Yes", "callback_data": "v1:yes"}]]}


async def test_send_message_returns_the_full_message(api: BotCaller) -> None:
    fixed = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    emu = Emulator(now=lambda: fixed)
    await emu.start()
    try:
        caller = BotCaller(api.session, emu.base_url)
        ada = emu.add_user("Ada", last_name="L")["id"]
        msg = await caller.ok("sendMessage", chat_id=ada, text="Hello", reply_markup=YES)
    finally:
        await emu.stop()
    assert msg == {
        "message_id": 1,
        "from": {"id": 4242, "is_bot": True, "first_name": "Tandem", "username": "tandem_test_bot"},
        "chat": {"id": ada, "type": "private", "first_name": "Ada", "last_name": "L"},
        "date": int(fixed.timestamp()),
        "text": "Hello",
        "reply_markup": YES,
    }
    (entry,) = emu.transcript(ada)
    assert (entry.sender, entry.text, entry.buttons, entry.data, entry.t) == (
        "bot",
        "Hello",
        [["Yes"]],
        [["v1:yes"]],
        fixed,
    )


async def test_text_length_limits(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    assert (await api.ok("sendMessage", chat_id=ada, text="x" * 4096))["text"] == "x" * 4096
    status, body = await api("sendMessage", chat_id=ada, text="x" * 4097)
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    for empty in ("", "   "):
        status, body = await api("sendMessage", chat_id=ada, text=empty)
        assert status == 400 and body["description"] == "Bad Request: message text is empty"
    status, body = await api("sendMessage", chat_id=ada)
    assert body["description"] == "Bad Request: message text is empty"
    assert len(emu.transcript(ada)) == 1
    assert emu.stats.bad_requests == 4


async def test_html_is_measured_and_stored_as_plain_text(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    html = "<b>" + "x" * 4096 + "</b>"
    msg = await api.ok("sendMessage", chat_id=ada, text=html, parse_mode="HTML")
    assert msg["text"] == "x" * 4096
    msg = await api.ok("sendMessage", chat_id=ada, text="<i>a &lt; b</i>", parse_mode="HTML")
    assert msg["text"] == "a < b"
    assert emu.transcript(ada)[-1].raw == "<i>a &lt; b</i>"
    status, body = await api("sendMessage", chat_id=ada, text="<b>open", parse_mode="HTML")
    assert status == 400 and "can't parse entities" in body["description"]
    status, body = await api("sendMessage", chat_id=ada, text="a<br>b", parse_mode="HTML")
    assert status == 400 and 'Unsupported start tag "br"' in body["description"]


async def test_callback_data_over_64_bytes_is_refused(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    ok = {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 32}]]}
    await api.ok("sendMessage", chat_id=ada, text="64 bytes", reply_markup=ok)
    bad = {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}
    status, body = await api("sendMessage", chat_id=ada, text="65 bytes", reply_markup=bad)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    plain = {"inline_keyboard": [[{"text": "no action"}]]}
    status, body = await api("sendMessage", chat_id=ada, text="t", reply_markup=plain)
    assert status == 400


async def test_unknown_chat_and_unknown_file(emu: Emulator, api: BotCaller) -> None:
    status, body = await api("sendMessage", chat_id=777, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    ada = emu.add_user("Ada")["id"]
    status, body = await api("sendPhoto", chat_id=ada, photo="nope", caption="c")
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    emu.send_photo(ada, "p.jpg")
    (update,) = await api.ok("getUpdates", timeout=0)
    file_id = update["message"]["photo"][-1]["file_id"]
    resent = await api.ok("sendPhoto", chat_id=ada, photo=file_id)
    assert resent["photo"][-1]["file_id"] == file_id
    assert [e.document for e in emu.transcript(ada)] == ["p.jpg", "p.jpg"]


async def test_edit_text_and_not_modified(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    sent = await api.ok("sendMessage", chat_id=ada, text="Meet?", reply_markup=YES)
    mid = sent["message_id"]
    edited = await api.ok("editMessageText", chat_id=ada, message_id=mid, text="Meet at 5?", reply_markup=YES)
    assert edited["text"] == "Meet at 5?" and edited["reply_markup"] == YES
    assert edited["message_id"] == mid and isinstance(edited["edit_date"], int)
    status, body = await api(
        "editMessageText", chat_id=ada, message_id=mid, text="Meet at 5?", reply_markup=YES
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)
    status, body = await api("editMessageText", chat_id=ada, message_id=99, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    # Without reply_markup the keyboard goes away, as on Telegram.
    done = await api.ok("editMessageText", chat_id=ada, message_id=mid, text="Meet at 5?")
    assert "reply_markup" not in done
    current = emu.message(ada, mid)
    assert current is not None and current.text == "Meet at 5?" and current.buttons == []


async def test_edit_reply_markup_and_transcript_with_edits(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_text(ada, "/start")
    mid = (await api.ok("sendMessage", chat_id=ada, text="Pick", reply_markup=YES))["message_id"]
    await api.ok("editMessageText", chat_id=ada, message_id=mid, text="Picked", reply_markup=YES)
    await api.ok("editMessageReplyMarkup", chat_id=ada, message_id=mid)
    status, body = await api("editMessageReplyMarkup", chat_id=ada, message_id=mid)
    assert (status, body["description"]) == (400, NOT_MODIFIED)
    rows = [(e.sender, e.message_id, e.text, e.buttons, e.edit) for e in emu.transcript(ada)]
    assert rows == [
        (ada, 1, "/start", [], False),
        ("bot", 2, "Pick", [["Yes"]], False),
        ("bot", 2, "Picked", [["Yes"]], True),
        ("bot", 2, "Picked", [], True),
    ]
    seqs = [e.seq for e in emu.transcript()]
    assert seqs == sorted(seqs) and emu.transcript(ada, since_seq=seqs[1])[0].seq == seqs[2]
    status, body = await api("editMessageText", chat_id=ada, message_id=1, text="hack")
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")


async def test_answer_callback_query_once(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    await api.ok("sendMessage", chat_id=ada, text="Pick", reply_markup=YES)
    emu.press_button(ada, None, "Yes")
    (update,) = await api.ok("getUpdates", timeout=0)
    query_id = update["callback_query"]["id"]
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Noted") is True
    status, body = await api("answerCallbackQuery", callback_query_id=query_id)
    assert status == 400 and "query is too old" in body["description"]
    assert emu.transcript(ada)[-1].kind == "answer" and emu.transcript(ada)[-1].text == "Noted"


async def test_document_upload_then_download(
    emu: Emulator, api: BotCaller, session: aiohttp.ClientSession
) -> None:
    ada = emu.add_user("Ada")["id"]
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ada))
    form.add_field("caption", "Your report")
    form.add_field("document", b"id,name\n1,Ada\n", filename="report.csv", content_type="text/csv")
    async with session.post(api.url("sendDocument"), data=form) as resp:
        msg = (await resp.json())["result"]
    doc = msg["document"]
    assert doc["file_name"] == "report.csv" and doc["mime_type"] == "text/csv"
    assert doc["file_size"] == 14 and msg["caption"] == "Your report"
    entry = emu.transcript(ada)[-1]
    assert (entry.kind, entry.document, entry.text) == ("document", "report.csv", "Your report")
    info = await api.ok("getFile", file_id=doc["file_id"])
    async with session.get(f"{emu.base_url}/file/bot{TOKEN}/{info['file_path']}") as resp:
        assert resp.status == 200 and await resp.read() == b"id,name\n1,Ada\n"
    again = await api.ok("sendDocument", chat_id=ada, document=doc["file_id"])
    assert again["document"]["file_id"] == doc["file_id"]
    # aiogram-style: the part is named freely and referenced by attach://
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ada))
    form.add_field("photo", "attach://f1")
    form.add_field("f1", b"\xff\xd8jpeg", filename="pic.jpg", content_type="image/jpeg")
    async with session.post(api.url("sendPhoto"), data=form) as resp:
        photo = (await resp.json())["result"]["photo"]
    assert photo[-1]["file_size"] == 6 and emu.transcript(ada)[-1].document == "pic.jpg"
    status, body = await api("sendDocument", chat_id=ada, document="x", caption="c" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


async def test_files_sent_by_users_can_be_downloaded(
    emu: Emulator, api: BotCaller, session: aiohttp.ClientSession
) -> None:
    ada = emu.add_user("Ada")["id"]
    emu.send_document(ada, "plan.txt", b"goals")
    emu.send_voice(ada, 2)
    doc, voice = (u["message"] for u in await api.ok("getUpdates", timeout=0))
    for file_id, expected in ((doc["document"]["file_id"], 5), (voice["voice"]["file_id"], None)):
        info = await api.ok("getFile", file_id=file_id)
        async with session.get(f"{emu.base_url}/file/bot{TOKEN}/{info['file_path']}") as resp:
            data = await resp.read()
        assert len(data) == (expected or info["file_size"]) and data
    status, _ = await api("getFile", file_id="missing")
    assert status == 400


async def test_my_commands_per_scope_and_language(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada")["id"]
    en = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]
    de = [{"command": "start", "description": "Starten"}]
    chat_scope = {"type": "chat", "chat_id": ada}
    assert await api.ok("setMyCommands", commands=en) is True
    assert await api.ok("setMyCommands", commands=de, language_code="de") is True
    assert await api.ok("setMyCommands", commands=de, scope=chat_scope) is True
    assert await api.ok("getMyCommands") == en
    assert await api.ok("getMyCommands", language_code="de") == de
    assert await api.ok("getMyCommands", language_code="fr") == []
    assert await api.ok("getMyCommands", scope=chat_scope) == de
    assert emu.commands({"type": "chat", "chat_id": ada}) == de
    assert await api.ok("deleteMyCommands", language_code="de") is True
    assert await api.ok("getMyCommands", language_code="de") == []
    bad = [{"command": "Bad Command", "description": "x"}]
    status, body = await api("setMyCommands", commands=bad)
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")


async def test_get_chat_delete_message_and_chat_action(emu: Emulator, api: BotCaller) -> None:
    ada = emu.add_user("Ada", username="ada")["id"]
    group = emu.add_group("Coordinators", [ada])
    chat = await api.ok("getChat", chat_id=group)
    assert (chat["id"], chat["type"], chat["title"]) == (group, "supergroup", "Coordinators")
    assert (await api.ok("getChat", chat_id="@ada"))["id"] == ada
    mid = (await api.ok("sendMessage", chat_id=group, text="Alert"))["message_id"]
    assert await api.ok("deleteMessage", chat_id=group, message_id=mid) is True
    status, body = await api("deleteMessage", chat_id=group, message_id=mid)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    assert await api.ok("sendChatAction", chat_id=ada, action="typing") is True
    assert [e.kind for e in emu.transcript(group)] == ["text", "delete"]


async def test_the_menu_a_person_sees_follows_telegrams_order_of_scopes(
    emu: Emulator, api: BotCaller
) -> None:
    ada = emu.add_user("Ada", language_code="de")["id"]
    bob = emu.add_user("Bob", language_code="fr")["id"]
    group = emu.add_group("Coordinators", [ada, bob])

    def menu(commands: list[dict[str, str]]) -> list[str]:
        return [c["command"] for c in commands]

    assert emu.menu(ada) == []
    await api.ok("setMyCommands", commands=[{"command": "help", "description": "Help"}])
    await api.ok("setMyCommands", commands=[{"command": "hilfe", "description": "Hilfe"}], language_code="de")
    assert (menu(emu.menu(ada)), menu(emu.menu(bob))) == (["hilfe"], ["help"])  # their language first
    private = [{"command": "start", "description": "Start"}]
    await api.ok("setMyCommands", commands=private, scope={"type": "all_private_chats"})
    assert menu(emu.menu(bob)) == ["start"] and menu(emu.menu(group, bob)) == ["help"]
    await api.ok(
        "setMyCommands",
        commands=[{"command": "match", "description": "Match"}],
        scope={"type": "chat", "chat_id": ada},
    )
    assert menu(emu.menu(ada)) == ["match"] and menu(emu.menu(bob)) == ["start"]  # a chat's own menu wins
    groups = [{"command": "cases", "description": "Cases"}]
    await api.ok("setMyCommands", commands=groups, scope={"type": "all_group_chats"})
    assert menu(emu.menu(group, ada)) == ["cases"]
    member = {"type": "chat_member", "chat_id": group, "user_id": bob}
    await api.ok("setMyCommands", commands=[{"command": "ack", "description": "Ack"}], scope=member)
    assert (menu(emu.menu(group, bob)), menu(emu.menu(group, ada))) == (["ack"], ["cases"])
    await api.ok("deleteMyCommands", scope={"type": "chat", "chat_id": ada})
    assert menu(emu.menu(ada)) == ["start"]
    with pytest.raises(ValueError):
        emu.menu(group)  # in a group, whose menu?
