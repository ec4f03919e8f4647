"""Both adapters against the emulator over real HTTP: updates in, actions out, faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import pytest

from bot.adapter import Framework, load_adapter, load_echo_bot
from bot.emulator import Emulator
from bot.events import (
    AnswerButton,
    Attachment,
    BotCommand,
    Button,
    ButtonPress,
    EditKeyboard,
    EditText,
    Inbound,
    MemberBlocked,
    SendDocument,
    Sender,
    SendFile,
    SendText,
    SendVoice,
    Text,
)
from bot.messenger import ChatUnreachable, DeliveryError, DeliveryInDoubt, MessageGone

from .conftest import RecordingSink, Started, options_for
from .samples import POLL

KEYBOARD = ((Button("Yes", data="y:1"), Button("Site", url="https://example.org")),)
StartAdapter = Callable[..., Awaitable[Started]]


def add_ada(emu: Emulator) -> int:
    user_id: int = emu.add_user("Ada", username="ada", language_code="de")["id"]
    return user_id


def ada_json(user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Ada",
        "username": "ada",
        "language_code": "de",
    }


def summary(event: Inbound) -> dict[str, Any]:
    """What an event says, without the ids the emulator chose."""
    fields = asdict(event)
    for key in ("update_id", "chat_id", "chat_type", "sender", "file_id", "callback_id"):
        fields.pop(key, None)
    return {"type": type(event).__name__, **fields}


def edited_message(user_id: int) -> dict[str, Any]:
    chat = {"id": user_id, "type": "private", "first_name": "Ada"}
    body = {"message_id": 1, "date": 1, "edit_date": 2, "chat": chat, "from": ada_json(user_id), "text": "x"}
    return {"edited_message": body}


def unblocked(user_id: int) -> dict[str, Any]:
    """The my_chat_member update of a person restarting the bot, to be broken on purpose."""
    bot = {"id": 4242, "is_bot": True, "first_name": "Tandem", "username": "tandem_test_bot"}
    change = {
        "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
        "from": ada_json(user_id),
        "date": 1,
        "old_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
        "new_chat_member": {"user": bot, "status": "member"},
    }
    return {"my_chat_member": change}


async def test_every_inbound_kind_arrives_converted(started: Started, emulator: Emulator) -> None:
    adapter, sink = started
    ada = add_ada(emulator)
    asked = await adapter.messenger.deliver(SendText(chat_id=ada, text="Pick", keyboard=KEYBOARD))
    assert asked is not None
    emulator.send_text(ada, "/Start abc")
    emulator.send_text(ada, "/help@tandem_test_bot")
    emulator.send_text(ada, "/start@otherbot")
    emulator.send_text(ada, "Hallo")
    emulator.send_location(ada, 49.5, 6.25)
    emulator.send_contact(ada, "+352 621 000", "Ada")
    emulator.send_photo(ada, "me.jpg", caption="me")
    emulator.send_document(ada, "cv.pdf", caption="CV")
    emulator.send_voice(ada, 3)
    emulator.send_sticker(ada, "👍")
    emulator.press(ada, ada, asked, "y:1")
    emulator.block(ada)
    emulator.unblock(ada)
    emulator.inject_raw(edited_message(ada))
    poll = emulator.inject_raw({"poll": POLL}).update_id

    await sink.wait_for(15)

    assert [summary(e) for e in sink.events] == [
        {"type": "Command", "name": "start", "args": "abc"},
        {"type": "Command", "name": "help", "args": ""},
        {"type": "Unsupported", "kind": "foreign_command"},
        {"type": "Text", "text": "Hallo"},
        {"type": "Location", "latitude": 49.5, "longitude": 6.25},
        {"type": "Contact", "phone_number": "+352 621 000", "first_name": "Ada", "contact_user_id": ada},
        {"type": "Attachment", "kind": "photo", "file_name": None, "caption": "me", "emoji": None,
         "duration": None},
        {"type": "Attachment", "kind": "document", "file_name": "cv.pdf", "caption": "CV",
         "emoji": None, "duration": None},
        {"type": "Attachment", "kind": "voice", "file_name": None, "caption": None, "emoji": None,
         "duration": 3},
        {"type": "Attachment", "kind": "sticker", "file_name": None, "caption": None, "emoji": "👍",
         "duration": None},
        {"type": "ButtonPress", "data": "y:1", "message_id": asked},
        {"type": "MemberBlocked"},
        {"type": "MemberUnblocked"},
        {"type": "Unsupported", "kind": "edited_message"},
    ]  # fmt: skip
    assert sink.ignored == [(poll, "poll")]
    assert {e.sender for e in sink.events} == {Sender(ada, "Ada", None, "ada", "de")}
    assert {(e.chat_id, e.chat_type) for e in sink.events} == {(ada, "private")}
    ids = [e.update_id for e in sink.events]
    assert ids == sorted(ids)


async def test_messages_of_a_chat_arrive_in_order(started: Started, emulator: Emulator) -> None:
    _, sink = started
    ada = add_ada(emulator)
    for n in range(20):
        emulator.send_text(ada, f"message {n}")
    await sink.wait_for(20)
    assert [e.text for e in sink.events if isinstance(e, Text)] == [f"message {n}" for n in range(20)]


async def test_send_and_edit_text(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    send, ada = adapter.messenger.deliver, add_ada(emulator)

    first = await send(SendText(chat_id=ada, text="Hallo", keyboard=KEYBOARD))
    assert isinstance(first, int)
    entry = emulator.transcript(ada)[-1]
    assert (entry.sender, entry.kind, entry.text) == ("bot", "text", "Hallo")
    assert (entry.buttons, entry.data) == ([["Yes", "Site"]], [["y:1", None]])

    assert await send(EditText(chat_id=ada, message_id=first, text="Hallo!", keyboard=KEYBOARD)) == first
    entry = emulator.transcript(ada)[-1]
    assert (entry.edit, entry.text, entry.buttons) == (True, "Hallo!", [["Yes", "Site"]])
    seen = len(emulator.transcript(ada))
    # Telegram answers "message is not modified": the adapter calls that done.
    assert await send(EditText(chat_id=ada, message_id=first, text="Hallo!", keyboard=KEYBOARD)) == first
    assert len(emulator.transcript(ada)) == seen

    assert await send(EditKeyboard(chat_id=ada, message_id=first, keyboard=None)) == first
    assert emulator.transcript(ada)[-1].buttons == []
    assert await send(EditText(chat_id=ada, message_id=first, text="Bye")) == first
    assert adapter.messenger.stats.retried == 0  # type: ignore[attr-defined]


async def test_send_document_and_photo(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    send, ada = adapter.messenger.deliver, add_ada(emulator)

    doc = await send(SendDocument(chat_id=ada, filename="report.pdf", content=b"%PDF-1.4", caption="Report"))
    entry = emulator.transcript(ada)[-1]
    assert (entry.message_id, entry.kind, entry.document, entry.text) == (
        doc,
        "document",
        "report.pdf",
        "Report",
    )

    photo = SendDocument(
        chat_id=ada, filename="chart.png", content=b"\x89PNG", as_photo=True, keyboard=KEYBOARD
    )
    sent = await send(photo)
    entry = emulator.transcript(ada)[-1]
    assert (entry.message_id, entry.kind, entry.buttons) == (sent, "photo", [["Yes", "Site"]])


async def test_a_voice_note_is_passed_on_by_its_file_id(started: Started, emulator: Emulator) -> None:
    adapter, sink = started
    send, ada = adapter.messenger.deliver, add_ada(emulator)
    bob = emulator.add_user("Bob")["id"]
    emulator.send_voice(ada, 7)
    await sink.wait_for(1)
    heard = sink.events[0]
    assert isinstance(heard, Attachment) and heard.kind == "voice"

    sent = await send(SendVoice(chat_id=bob, file_id=heard.file_id, caption="From Ada", keyboard=KEYBOARD))
    entry = emulator.transcript(bob)[-1]
    assert (entry.message_id, entry.sender, entry.kind, entry.file_id, entry.text) == (
        sent,
        "bot",
        "voice",
        heard.file_id,
        "From Ada",
    )
    message = emulator.message(bob, entry.message_id)
    assert message is not None and message.json["voice"]["duration"] == 7
    assert entry.buttons == [["Yes", "Site"]]

    with pytest.raises(DeliveryError, match=r"(?i)wrong file identifier"):
        await send(SendVoice(chat_id=bob, file_id="EMUNOPE", caption=None))
    photo = await send(SendDocument(chat_id=bob, filename="chart.png", content=b"\x89PNG", as_photo=True))
    photo_id = emulator.transcript(bob)[-1].file_id
    assert photo_id is not None
    with pytest.raises(DeliveryError, match=r"(?i)type of file mismatch"):
        await send(SendVoice(chat_id=bob, file_id=photo_id))
    assert emulator.transcript(bob)[-1].message_id == photo


async def test_a_photo_and_a_document_are_passed_on_by_their_file_ids(
    started: Started, emulator: Emulator
) -> None:
    adapter, sink = started
    send, ada = adapter.messenger.deliver, add_ada(emulator)
    bob = emulator.add_user("Bob")["id"]
    emulator.send_photo(ada, "library.jpg")
    emulator.send_document(ada, "homework.pdf")
    await sink.wait_for(2)
    photo, document = sink.events[0], sink.events[1]
    assert isinstance(photo, Attachment) and isinstance(document, Attachment)

    sent = await send(SendFile(chat_id=bob, kind="photo", file_id=photo.file_id, caption="From Ada"))
    entry = emulator.transcript(bob)[-1]
    assert (entry.message_id, entry.kind, entry.file_id, entry.text) == (
        sent,
        "photo",
        photo.file_id,
        "From Ada",
    )
    await send(SendFile(chat_id=bob, kind="document", file_id=document.file_id, keyboard=KEYBOARD))
    entry = emulator.transcript(bob)[-1]
    assert (entry.kind, entry.document, entry.buttons) == ("document", "homework.pdf", [["Yes", "Site"]])
    with pytest.raises(DeliveryError, match=r"(?i)wrong file identifier"):
        await send(SendFile(chat_id=bob, kind="photo", file_id="EMUNOPE"))


async def test_answer_button(started: Started, emulator: Emulator) -> None:
    adapter, sink = started
    send, ada = adapter.messenger.deliver, add_ada(emulator)
    asked = await send(SendText(chat_id=ada, text="Saved?", keyboard=KEYBOARD))
    assert asked is not None

    emulator.press(ada, ada, asked, "y:1")
    await sink.wait_for(1)
    press = sink.events[0]
    assert isinstance(press, ButtonPress)
    assert await send(AnswerButton(callback_id=press.callback_id, text="Saved", alert=True)) is None
    entry = emulator.transcript(ada)[-1]
    assert (entry.sender, entry.kind, entry.text) == ("bot", "alert", "Saved")


async def test_commands_per_chat_and_language(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    ada = add_ada(emulator)
    menu = [BotCommand("start", "Begin"), BotCommand("help", "Help")]
    await adapter.messenger.set_commands(menu, chat_id=ada, language="de")
    await adapter.messenger.set_commands(menu[:1])
    expected = [{"command": "start", "description": "Begin"}, {"command": "help", "description": "Help"}]
    assert emulator.commands({"type": "chat", "chat_id": ada}, "de") == expected
    assert emulator.commands() == expected[:1]


async def test_vanished_or_foreign_message_is_gone(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    ada = add_ada(emulator)
    with pytest.raises(MessageGone):
        await adapter.messenger.deliver(EditText(chat_id=ada, message_id=999, text="x"))
    theirs = emulator.send_text(ada, "mine").message_id
    assert theirs is not None
    with pytest.raises(MessageGone):
        await adapter.messenger.deliver(EditText(chat_id=ada, message_id=theirs, text="x"))


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")  # PTB's own
async def test_forced_429_is_waited_out(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    ada = add_ada(emulator)
    emulator.force_429(ada, retry_after=1)
    began = time.monotonic()
    await adapter.messenger.deliver(SendText(chat_id=ada, text="after the wait"))
    assert time.monotonic() - began >= 1.0
    assert emulator.transcript(ada)[-1].text == "after the wait"
    assert emulator.stats.too_many_requests == 1
    assert adapter.messenger.stats.waited_429 == 1  # type: ignore[attr-defined]


async def test_500_is_retried(started: Started, emulator: Emulator) -> None:
    adapter, _ = started
    ada = add_ada(emulator)
    emulator.fail_next("sendMessage", status=500)
    await adapter.messenger.deliver(SendText(chat_id=ada, text="second try"))
    assert [e.text for e in emulator.transcript(ada)] == ["second try"]
    assert emulator.stats.calls["sendMessage"] == 2


@pytest.mark.parametrize("late", [False, True], ids=["slow", "answered-late"])
async def test_a_send_without_an_answer_is_not_repeated(
    start_adapter: StartAdapter, emulator: Emulator, late: bool
) -> None:
    """Slow: Telegram had not done it when the client gave up. Answered late: it had. The client
    cannot tell the two apart, so it sends neither again (the outbox decides, once)."""
    adapter, _ = await start_adapter(request_timeout=1.0)
    ada = add_ada(emulator)
    if late:
        emulator.answer_late("sendMessage", 2.0)
    else:
        emulator.fail_next("sendMessage", status=None, delay=2.0)
    with pytest.raises(DeliveryInDoubt):
        await adapter.messenger.deliver(SendText(chat_id=ada, text="patience"))
    assert emulator.stats.calls["sendMessage"] == 1
    assert [e.text for e in emulator.transcript(ada)] == (["patience"] if late else [])
    assert adapter.messenger.stats.in_doubt == 1  # type: ignore[attr-defined]


async def test_an_edit_without_an_answer_is_retried(start_adapter: StartAdapter, emulator: Emulator) -> None:
    """Done twice, an edit reads the same (the second is "not modified"): no answer, no harm."""
    adapter, _ = await start_adapter(request_timeout=1.0)
    ada = add_ada(emulator)
    sent = await adapter.messenger.deliver(SendText(chat_id=ada, text="first"))
    assert sent is not None
    emulator.answer_late("editMessageText", 2.0)
    assert await adapter.messenger.deliver(EditText(chat_id=ada, message_id=sent, text="second")) == sent
    assert emulator.stats.calls["editMessageText"] == 2
    assert [e.text for e in emulator.transcript(ada)] == ["first", "second"]
    assert adapter.messenger.stats.retried == 1  # type: ignore[attr-defined]


async def test_repeated_500_gives_up(started: Started, emulator: Emulator) -> None:
    adapter, _ = started  # max_retries_5xx=2
    ada = add_ada(emulator)
    emulator.fail_next("sendMessage", status=500, count=10)
    with pytest.raises(DeliveryError) as raised:
        await adapter.messenger.deliver(SendText(chat_id=ada, text="never"))
    assert type(raised.value) is DeliveryError
    assert emulator.stats.calls["sendMessage"] == 3


async def test_blocked_chat_is_unreachable_without_retry(started: Started, emulator: Emulator) -> None:
    adapter, sink = started
    ada = add_ada(emulator)
    emulator.block(ada)
    with pytest.raises(ChatUnreachable) as raised:
        await adapter.messenger.deliver(SendText(chat_id=ada, text="hello?"))
    assert raised.value.chat_id == ada
    assert emulator.stats.calls["sendMessage"] == 1
    await sink.wait_for(1)
    assert isinstance(sink.events[0], MemberBlocked)


class FlakySink(RecordingSink):
    """Fails on the first event, as a core bug would."""

    async def handle(self, event: Inbound) -> None:
        await super().handle(event)
        if len(self.events) == 1:
            raise RuntimeError("core bug")


async def test_sink_failure_does_not_stop_polling(emulator: Emulator, framework: Framework) -> None:
    adapter = load_adapter(framework, options_for(emulator))
    sink = FlakySink()
    await adapter.start(sink)
    try:
        ada = add_ada(emulator)
        emulator.send_text(ada, "first")
        emulator.send_text(ada, "second")
        await sink.wait_for(2)
    finally:
        await adapter.stop()
    assert [e.text for e in sink.events if isinstance(e, Text)] == ["first", "second"]


class ForgetfulSink(RecordingSink):
    """Cannot record the first update, as when the database is down for a moment."""

    async def handle(self, event: Inbound) -> None:
        if not self.events:
            self.events.append(event)  # handled, but nothing says it is recorded
            return
        await super().handle(event)


async def test_an_update_the_sink_could_not_record_is_fetched_again(
    emulator: Emulator, framework: Framework
) -> None:
    adapter = load_adapter(framework, options_for(emulator))
    sink = ForgetfulSink()
    await adapter.start(sink)
    try:
        ada = add_ada(emulator)
        first = emulator.send_text(ada, "first").update_id
        emulator.send_text(ada, "second")
        await sink.wait_for(3, timeout=10)  # the first again, a second later
    finally:
        await adapter.stop()
    assert [e.text for e in sink.events if isinstance(e, Text)] == ["first", "second", "first"]
    assert sink.events[-1].update_id == first
    assert not emulator.state.queue, "all confirmed once recorded"


async def test_stop_is_quick_during_a_long_poll(start_adapter: StartAdapter, emulator: Emulator) -> None:
    adapter, _ = await start_adapter(polling_timeout=30)
    await asyncio.sleep(0.3)  # a getUpdates long poll is now open
    # It does not wait out the 30 s poll (a generous bound: these machines are noisy).
    await asyncio.wait_for(adapter.stop(), 10)


async def test_echo_bot_answers(emulator: Emulator, framework: Framework) -> None:
    bot = load_echo_bot(framework, options_for(emulator))
    await bot.start()
    try:
        ada = add_ada(emulator)
        emulator.send_text(ada, "Guten Morgen")
        emulator.send_location(ada, 1.0, 2.0)  # not text: no answer
        emulator.send_text(ada, "/start")

        def answered() -> list[str]:
            return [e.text for e in emulator.transcript(ada) if e.sender == "bot"]

        await emulator.wait_for(lambda: len(answered()) >= 2, timeout=5)
        assert answered() == ["Guten Morgen", "/start"]
    finally:
        await bot.stop()


async def test_an_unreadable_update_is_skipped_alone_and_leaks_nothing(
    started: Started, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The frameworks' own polling failed the whole batch (and fetched it again for ever); each
    update is read on its own here, so the one the framework cannot read is skipped and
    confirmed, and the updates around it arrive."""
    adapter, sink = started
    ada = add_ada(emulator)
    secret = "ich schaffe die Ausbildung nicht"
    emulator.send_text(ada, secret)
    broken = unblocked(ada)
    del broken["my_chat_member"]["old_chat_member"]["until_date"]  # both frameworks reject this
    skipped = emulator.inject_raw(broken).update_id
    emulator.send_text(ada, "after")
    await sink.wait_for(2)
    await emulator.wait_for(lambda: not emulator.state.queue)  # all confirmed, the skipped one too
    await asyncio.wait_for(adapter.stop(), 10)
    assert [e.text for e in sink.events if isinstance(e, Text)] == [secret, "after"]
    assert f"update {skipped} could not be read by the framework: skipped" in caplog.text
    assert secret not in caplog.text
