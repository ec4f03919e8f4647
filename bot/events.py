"""Framework-neutral events: what people send to the bot, and what the bot sends back.

Adapters in ``handlers/`` turn framework updates into ``Inbound`` events and carry out
``Outbound`` actions through the Bot API. The core sees nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
AttachmentKind = Literal[
    "photo", "document", "voice", "audio", "video", "video_note", "sticker", "animation", "other"
]


# Accounts that stand in for someone else: GroupAnonymousBot (an anonymous group admin),
# Channel_Bot (a channel's post) and Telegram's own service account (automatic forwards).
STAND_INS = frozenset({1087968824, 136817688, 777000})


@dataclass(frozen=True, slots=True)
class Sender:
    """The Telegram user behind an event, as Telegram describes them."""

    user_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    sender_chat_id: int | None = None  # a message sent on behalf of this chat (a group, a channel)

    @property
    def is_person(self) -> bool:
        """Someone writing as themself: never a bot account, nor a message sent as a chat."""
        return not self.is_bot and self.sender_chat_id is None and self.user_id not in STAND_INS


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    """Base of every inbound event. ``update_id`` makes handling idempotent."""

    update_id: int
    chat_id: int
    chat_type: ChatType = "private"
    sender: Sender


@dataclass(frozen=True, slots=True, kw_only=True)
class Command(Inbound):
    """``/name args`` (the ``@botname`` suffix already stripped, name lower-cased)."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text(Inbound):
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPress(Inbound):
    """A press on an inline keyboard button."""

    callback_id: str
    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Location(Inbound):
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Inbound):
    phone_number: str
    first_name: str = ""
    contact_user_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment(Inbound):
    """A photo, document, voice note, sticker or other media message."""

    kind: AttachmentKind
    file_id: str = ""
    file_name: str | None = None
    caption: str | None = None
    emoji: str | None = None
    duration: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberBlocked(Inbound):
    """The person blocked the bot (or the bot was removed from a group)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberUnblocked(Inbound):
    """The person restarted the bot after blocking it (or the bot was added to a group)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMigrated(Inbound):
    """A group became a supergroup: Telegram gave it a new id (``to_chat_id``) and the old one
    takes no more messages (its service message ``migrate_to_chat_id``; ``sender``: who did it)."""

    to_chat_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MembersChanged(Inbound):
    """People joined or left a group the bot is in: a ``chat_member`` update (Telegram sends it
    to a bot that administers the group) or the group's service message of a join or a leave
    (sent to every bot in it). ``sender`` is who did it: the member, or an admin who added or
    removed them; ``admin``: they are an administrator of the group now (None: a service
    message, which does not say)."""

    members: tuple[Sender, ...]
    joined: bool
    admin: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsupported(Inbound):
    """Any other update, so the core can still answer it and mark it handled."""

    kind: str = "unknown"


# --- outbound -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendText:
    chat_id: int
    text: str
    keyboard: Keyboard | None = None
    track: str | None = None  # remember where it went under this key, to edit it later
    paid: bool = False  # as a paid broadcast: beyond the free rate, for a fee (set when sending)


@dataclass(frozen=True, slots=True, kw_only=True)
class EditText:
    """Replace the text (and keyboard; ``None`` removes it) of a message the bot sent."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EditKeyboard:
    chat_id: int
    message_id: int
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDocument:
    chat_id: int
    filename: str
    content: bytes = field(repr=False)
    caption: str | None = None
    keyboard: Keyboard | None = None
    as_photo: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SendVoice:
    """A voice note passed on as audio, by the file id Telegram gave it: nothing is uploaded again."""

    chat_id: int
    file_id: str
    caption: str | None = None
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendFile:
    """A photo or document passed on by the file id Telegram gave it (a copy of what someone
    sent: no forward header, no account named, nothing uploaded again)."""

    chat_id: int
    kind: Literal["photo", "document"]
    file_id: str
    caption: str | None = None
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerButton:
    """The answer to a button press (a short toast, or an alert box)."""

    callback_id: str
    text: str | None = None
    alert: bool = False


Outbound = SendText | EditText | EditKeyboard | SendDocument | SendVoice | SendFile | AnswerButton


@dataclass(frozen=True, slots=True)
class BotCommand:
    command: str
    description: str


# --- outbound actions to and from the outbox's JSON rows

Stored = SendText | EditText | EditKeyboard | SendDocument | SendVoice | SendFile


def keyboard_to_json(keyboard: Keyboard | None) -> list[list[dict[str, str]]] | None:
    if keyboard is None:
        return None
    return [
        [{k: v for k, v in (("text", b.text), ("data", b.data), ("url", b.url)) if v} for b in row]
        for row in keyboard
    ]


def keyboard_from_json(rows: list[list[dict[str, str]]] | None) -> Keyboard | None:
    if rows is None:
        return None
    return tuple(tuple(Button(b["text"], data=b.get("data"), url=b.get("url")) for b in row) for row in rows)


def encode(action: Stored) -> tuple[dict[str, Any], bytes | None]:
    """The JSON of an action and, for documents, its bytes (kept in their own column)."""
    keyboard = keyboard_to_json(action.keyboard)
    match action:
        case SendText():
            text: dict[str, Any] = {"type": "send_text", "text": action.text, "keyboard": keyboard}
            return ({**text, "track": action.track} if action.track else text), None
        case EditText():
            row = {"type": "edit_text", "message_id": action.message_id, "text": action.text}
            return {**row, "keyboard": keyboard}, None
        case EditKeyboard():
            return {"type": "edit_keyboard", "message_id": action.message_id, "keyboard": keyboard}, None
        case SendDocument():
            row = {"type": "send_document", "filename": action.filename, "caption": action.caption}
            return {**row, "keyboard": keyboard, "as_photo": action.as_photo}, action.content
        case SendVoice():
            row = {"type": "send_voice", "file_id": action.file_id, "caption": action.caption}
            return {**row, "keyboard": keyboard}, None
        case SendFile():
            row = {"type": "send_file", "kind": action.kind, "file_id": action.file_id}
            return {**row, "caption": action.caption, "keyboard": keyboard}, None


def decode(chat_id: int, row: dict[str, Any], content: bytes | None) -> Outbound:
    keyboard = keyboard_from_json(row.get("keyboard"))
    kind = row["type"]
    if kind == "send_text":
        return SendText(chat_id=chat_id, text=row["text"], keyboard=keyboard, track=row.get("track"))
    if kind == "edit_text":
        return EditText(chat_id=chat_id, message_id=row["message_id"], text=row["text"], keyboard=keyboard)
    if kind == "edit_keyboard":
        return EditKeyboard(chat_id=chat_id, message_id=row["message_id"], keyboard=keyboard)
    if kind == "send_document":
        return SendDocument(
            chat_id=chat_id,
            filename=row["filename"],
            content=content or b"",
            caption=row.get("caption"),
            keyboard=keyboard,
            as_photo=bool(row.get("as_photo")),
        )
    if kind == "send_voice":
        return SendVoice(
            chat_id=chat_id, file_id=row["file_id"], caption=row.get("caption"), keyboard=keyboard
        )
    if kind == "send_file":
        return SendFile(
            chat_id=chat_id,
            kind="photo" if row.get("kind") == "photo" else "document",
            file_id=row["file_id"],
            caption=row.get("caption"),
            keyboard=keyboard,
        )
    raise ValueError(f"unknown outbox action {kind!r}")
