"""Bot API update JSON, as Telegram sends it, with the event each adapter must make of it.

One table for both frameworks: if the adapters disagree on any row, a test says which.
"""

from __future__ import annotations

from typing import Any

from bot.events import (
    Attachment,
    ButtonPress,
    Command,
    Contact,
    Inbound,
    Location,
    MemberBlocked,
    MembersChanged,
    MemberUnblocked,
    Sender,
    Text,
    Unsupported,
)
from handlers.inbound import Ignored

Json = dict[str, Any]

BOT_USERNAME = "tandem_test_bot"
BOT_USER: Json = {"id": 42, "is_bot": True, "first_name": "Tandem", "username": BOT_USERNAME}
ADA: Json = {
    "id": 1001,
    "is_bot": False,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "username": "ada",
    "language_code": "de",
}
ADA_SENDER = Sender(1001, "Ada", "Lovelace", "ada", "de")
BOB: Json = {"id": 1002, "is_bot": False, "first_name": "Bob"}
BOB_SENDER = Sender(1002, "Bob")
ANONYMOUS_ADMIN: Json = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
PRIVATE: Json = {"id": 1001, "type": "private", "first_name": "Ada"}
GROUP: Json = {"id": -500, "type": "group", "title": "Coordinators"}
DATE = 1_700_000_000


def message(update_id: int, chat: Json = PRIVATE, kind: str = "message", **content: Any) -> Json:
    body = {"message_id": 7, "date": DATE, "chat": chat, "from": ADA, **content}
    return {"update_id": update_id, kind: body}


def command_text(text: str, length: int, offset: int = 0) -> Json:
    return {"text": text, "entities": [{"type": "bot_command", "offset": offset, "length": length}]}


def base(update_id: int, chat_id: int = 1001, chat_type: str = "private") -> Json:
    return {"update_id": update_id, "chat_id": chat_id, "chat_type": chat_type, "sender": ADA_SENDER}


def button(update_id: int, data: str | None = "pair:v1:9", **where: Any) -> Json:
    query: Json = {"id": "cb-1", "from": ADA, "chat_instance": "ci-1", **where}
    if data is not None:
        query["data"] = data
    return {"update_id": update_id, "callback_query": query}


def member_update(update_id: int, status: str, chat: Json = PRIVATE) -> Json:
    def member(state: str) -> Json:
        return {"user": BOT_USER, "status": state, **({"until_date": 0} if state == "kicked" else {})}

    old = "kicked" if status == "member" else "member"
    change = {
        "chat": chat,
        "from": ADA,
        "date": DATE,
        "old_chat_member": member(old),
        "new_chat_member": member(status),
    }
    return {"update_id": update_id, "my_chat_member": change}


RESTRICTED_RIGHTS = (
    "can_send_messages can_send_audios can_send_documents can_send_photos can_send_videos"
    " can_send_video_notes can_send_voice_notes can_send_polls can_send_other_messages"
    " can_add_web_page_previews can_react_to_messages can_edit_tag can_change_info can_invite_users"
    " can_pin_messages can_manage_topics"
).split()
ADMIN_RIGHTS = (
    "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats"
    " can_restrict_members can_promote_members can_change_info can_invite_users can_post_stories"
    " can_edit_stories can_delete_stories can_send_welcome_messages"
).split()


def chat_member_update(update_id: int, status: str, old: str = "left", **extra: Any) -> Json:
    """Bob's membership of the group changes, Ada doing it: what a bot administering it hears."""

    def member(state: str) -> Json:
        rights = {"restricted": RESTRICTED_RIGHTS, "administrator": ADMIN_RIGHTS}.get(state, [])
        until = {"until_date": 0} if state in ("kicked", "restricted") else {}
        return {"user": BOB, "status": state, **dict.fromkeys(rights, False), **until}

    new = {**member(status), **extra}
    change = {
        "chat": GROUP,
        "from": ADA,
        "date": DATE,
        "old_chat_member": member(old),
        "new_chat_member": new,
    }
    return {"update_id": update_id, "chat_member": change}


def photo_size(file_id: str, side: int) -> Json:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": side, "height": side}


def media(file_id: str, **extra: Any) -> Json:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", **extra}


POLL: Json = {
    "id": "poll-1",
    "question": "Lunch?",
    "options": [{"persistent_id": "o-1", "text": "yes", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,  # required since Bot API 9.6
    "members_only": False,
}

# (name, update JSON, expected event or Ignored)
CASES: list[tuple[str, Json, Inbound | Ignored]] = [
    ("command", message(1, **command_text("/start abc", 6)), Command(**base(1), name="start", args="abc")),
    (
        "command addressed to us, mixed case, spaces",
        message(2, **command_text(f"/Start@{BOT_USERNAME}   hello there ", len(f"/Start@{BOT_USERNAME}"))),
        Command(**base(2), name="start", args="hello there"),
    ),
    (
        "command for another bot",
        message(3, chat=GROUP, **command_text("/start@otherbot", 15)),
        Unsupported(**base(3, -500, "group"), kind="foreign_command"),
    ),
    ("slash without entity is text", message(4, text="/start"), Text(**base(4), text="/start")),
    (
        "command entity not at offset 0 is text",
        message(5, **command_text("hi /help", 5, offset=3)),
        Text(**base(5), text="hi /help"),
    ),
    ("text", message(6, text="Hallo, ich bin Ada"), Text(**base(6), text="Hallo, ich bin Ada")),
    ("group text", message(7, chat=GROUP, text="hi"), Text(**base(7, -500, "group"), text="hi")),
    (
        "location",
        message(8, location={"latitude": 49.61, "longitude": 6.13}),
        Location(**base(8), latitude=49.61, longitude=6.13),
    ),
    (
        "contact",
        message(9, contact={"phone_number": "+352 123", "first_name": "Bo", "user_id": 77}),
        Contact(**base(9), phone_number="+352 123", first_name="Bo", contact_user_id=77),
    ),
    (
        "photo keeps the largest size",
        message(
            10,
            photo=[photo_size("s", 90), photo_size("l", 1280), photo_size("m", 320)],
            caption="my workshop",
        ),
        Attachment(**base(10), kind="photo", file_id="l", caption="my workshop"),
    ),
    (
        "document",
        message(11, document=media("d1", file_name="cv.pdf"), caption="CV"),
        Attachment(**base(11), kind="document", file_id="d1", file_name="cv.pdf", caption="CV"),
    ),
    (
        "voice",
        message(12, voice=media("v1", duration=14)),
        Attachment(**base(12), kind="voice", file_id="v1", duration=14),
    ),
    (
        "audio",
        message(13, audio=media("a1", duration=200, file_name="song.mp3")),
        Attachment(**base(13), kind="audio", file_id="a1", duration=200, file_name="song.mp3"),
    ),
    (
        "video",
        message(14, video=media("vid", width=640, height=480, duration=5)),
        Attachment(**base(14), kind="video", file_id="vid", duration=5),
    ),
    (
        "video note",
        message(15, video_note=media("vn", length=240, duration=9)),
        Attachment(**base(15), kind="video_note", file_id="vn", duration=9),
    ),
    (
        "animation wins over its document",
        message(
            16,
            animation=media("an", width=1, height=1, duration=2, file_name="a.mp4"),
            document=media("an", file_name="a.mp4"),
        ),
        Attachment(**base(16), kind="animation", file_id="an", duration=2, file_name="a.mp4"),
    ),
    (
        "sticker",
        message(
            17,
            sticker=media(
                "st",
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji="👍",
            ),
        ),
        Attachment(**base(17), kind="sticker", file_id="st", emoji="👍"),
    ),
    (
        "button press",
        button(18, message={"message_id": 55, "date": DATE, "chat": PRIVATE, "text": "Pick"}),
        ButtonPress(**base(18), callback_id="cb-1", data="pair:v1:9", message_id=55),
    ),
    (
        "button without data",
        button(19, data=None, message={"message_id": 56, "date": DATE, "chat": GROUP}),
        ButtonPress(**base(19, -500, "group"), callback_id="cb-1", data="", message_id=56),
    ),
    (
        "button on an inaccessible message",
        button(20, message={"message_id": 57, "date": 0, "chat": PRIVATE}),
        ButtonPress(**base(20), callback_id="cb-1", data="pair:v1:9", message_id=57),
    ),
    (
        "button on an inline-mode message",
        button(21, inline_message_id="inl-1"),
        ButtonPress(**base(21), callback_id="cb-1", data="pair:v1:9", message_id=None),
    ),
    ("blocked", member_update(22, "kicked"), MemberBlocked(**base(22))),
    ("unblocked", member_update(23, "member"), MemberUnblocked(**base(23))),
    ("removed from group", member_update(24, "left", GROUP), MemberBlocked(**base(24, -500, "group"))),
    (
        "edited message",
        message(25, kind="edited_message", text="typo", edit_date=DATE + 5),
        Unsupported(**base(25), kind="edited_message"),
    ),
    (
        "dice",
        message(26, dice={"emoji": "🎲", "value": 3}),
        Unsupported(**base(26), kind="dice"),
    ),
    (
        "the service message of a join: who joined, whoever let them in",
        message(27, chat=GROUP, new_chat_members=[ADA, BOB]),
        MembersChanged(**base(27, -500, "group"), members=(ADA_SENDER, BOB_SENDER), joined=True),
    ),
    (
        "the service message of the bot's own join says nothing about others",
        message(36, chat=GROUP, new_chat_members=[BOT_USER]),
        Unsupported(**base(36, -500, "group"), kind="new_chat_members"),
    ),
    (
        "the service message of a leave",
        message(37, chat=GROUP, left_chat_member=BOB),
        MembersChanged(**base(37, -500, "group"), members=(BOB_SENDER,), joined=False),
    ),
    (
        "someone else joins (chat_member: the bot administers the group)",
        chat_member_update(38, "member"),
        MembersChanged(**base(38, -500, "group"), members=(BOB_SENDER,), joined=True, admin=False),
    ),
    (
        "someone else is made an administrator",
        chat_member_update(39, "administrator", old="member"),
        MembersChanged(**base(39, -500, "group"), members=(BOB_SENDER,), joined=True, admin=True),
    ),
    (
        "someone else is removed",
        chat_member_update(40, "kicked", old="member"),
        MembersChanged(**base(40, -500, "group"), members=(BOB_SENDER,), joined=False, admin=False),
    ),
    (
        "someone restricted is still in the group",
        chat_member_update(41, "restricted", old="member", is_member=True),
        MembersChanged(**base(41, -500, "group"), members=(BOB_SENDER,), joined=True, admin=False),
    ),
    (
        "poll message",
        message(28, poll=POLL),
        Unsupported(**base(28), kind="poll"),
    ),
    ("poll update has no chat", {"update_id": 29, "poll": POLL}, Ignored(29, "poll")),
    (
        "poll answer has no chat",
        {
            "update_id": 30,
            "poll_answer": {
                "poll_id": "poll-1",
                "user": ADA,
                "option_ids": [0],
                "option_persistent_ids": ["o-1"],
            },
        },
        Ignored(30, "poll_answer"),
    ),
    (
        "inline query has no chat",
        {"update_id": 31, "inline_query": {"id": "q", "from": ADA, "query": "x", "offset": ""}},
        Ignored(31, "inline_query"),
    ),
    (
        "channel post has no sender",
        {
            "update_id": 32,
            "channel_post": {
                "message_id": 1,
                "date": DATE,
                "chat": {"id": -100, "type": "channel", "title": "News"},
                "text": "hello",
            },
        },
        Ignored(32, "channel_post"),
    ),
    (
        "reaction",
        {
            "update_id": 33,
            "message_reaction": {
                "chat": PRIVATE,
                "message_id": 7,
                "user": ADA,
                "date": DATE,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            },
        },
        Unsupported(**base(33), kind="message_reaction"),
    ),
    (
        "join request",
        {
            "update_id": 34,
            "chat_join_request": {"chat": GROUP, "from": ADA, "user_chat_id": 1001, "date": DATE},
        },
        Unsupported(**base(34, -500, "group"), kind="chat_join_request"),
    ),
    (
        "an anonymous admin writes as the group: a bot account, and the chat it speaks for",
        {
            "update_id": 35,
            "message": {
                "message_id": 8,
                "date": DATE,
                "chat": GROUP,
                "from": ANONYMOUS_ADMIN,
                "sender_chat": GROUP,
                "text": "hi",
            },
        },
        Text(
            update_id=35,
            chat_id=-500,
            chat_type="group",
            sender=Sender(
                1087968824, "Group", username="GroupAnonymousBot", is_bot=True, sender_chat_id=-500
            ),
            text="hi",
        ),
    ),
]
