"""Framework-neutral events: what people send to the bot, and what the bot sends back.

Adapters in ``handlers/`` turn framework updates into ``Inbound`` events and carry out
``Outbound`` actions through the Bot API. The core sees nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
AttachmentKind = Literal[
    "photo", "document", "voice", "audio", "video", "video_note", "sticker", "animation", "other"
]


@dataclass(frozen=True, slots=True)
class Sender:
    """The Telegram user behind an event, as Telegram describes them."""

    user_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


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
class AnswerButton:
    """The answer to a button press (a short toast, or an alert box)."""

    callback_id: str
    text: str | None = None
    alert: bool = False


Outbound = SendText | EditText | EditKeyboard | SendDocument | SendVoice | AnswerButton


@dataclass(frozen=True, slots=True)
class BotCommand:
    command: str
    description: str
