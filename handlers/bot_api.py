"""Bot API objects → ``Inbound`` events, whichever framework parsed them; and keyboards as the Bot
API reads them, for the sends that skip a framework's own models.

aiogram and python-telegram-bot both model the Bot API's objects with its own field names, so one
reading serves both: the protocols below name just the fields Tandem reads, and each framework's
classes fit them as they are. The adapters keep what really differs (which kind an update is, how a
voice note's duration is typed) and pass it in; the rest cannot drift apart because it is written once.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Protocol

import orjson

from bot.events import (
    Attachment,
    ButtonPress,
    ChatMigrated,
    Command,
    Contact,
    Inbound,
    Keyboard,
    Location,
    MemberBlocked,
    MembersChanged,
    MemberUnblocked,
    Sender,
    Text,
    Unsupported,
)
from bot.messenger import DeliveryError, GroupCensus
from handlers.commands import parse_command
from handlers.inbound import (
    ATTACHMENT_FIELDS,
    FOREIGN_COMMAND,
    UNKNOWN_MESSAGE_KIND,
    UNSUPPORTED_MESSAGE_FIELDS,
    Ignored,
    chat_type,
    in_group,
    is_admin,
    member_change,
)


class User(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def username(self) -> str | None: ...
    @property
    def language_code(self) -> str | None: ...
    @property
    def is_bot(self) -> bool: ...


class Chat(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


class Entity(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def length(self) -> int: ...


class Place(Protocol):
    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...


class SharedContact(Protocol):
    @property
    def phone_number(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def user_id(self) -> int | None: ...


class Message(Protocol):
    @property
    def message_id(self) -> int: ...
    @property
    def chat(self) -> Chat: ...
    @property
    def from_user(self) -> User | None: ...
    @property
    def sender_chat(self) -> Chat | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def entities(self) -> Sequence[Entity] | None: ...
    @property
    def caption(self) -> str | None: ...
    @property
    def location(self) -> Place | None: ...
    @property
    def contact(self) -> SharedContact | None: ...
    @property
    def new_chat_members(self) -> Sequence[User] | None: ...
    @property
    def left_chat_member(self) -> User | None: ...
    @property
    def migrate_to_chat_id(self) -> int | None: ...


class Member(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def user(self) -> User: ...


class MemberUpdate(Protocol):
    @property
    def chat(self) -> Chat: ...
    @property
    def from_user(self) -> User: ...
    @property
    def new_chat_member(self) -> Member: ...


class Press(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def from_user(self) -> User: ...
    @property
    def data(self) -> str | None: ...
    @property
    def message(self) -> Any: ...  # a Message, or an old one Telegram no longer shows (no text)


class Update(Protocol):
    @property
    def update_id(self) -> int: ...
    @property
    def message(self) -> Message | None: ...
    @property
    def callback_query(self) -> Press | None: ...
    @property
    def my_chat_member(self) -> MemberUpdate | None: ...
    @property
    def chat_member(self) -> MemberUpdate | None: ...


# A voice note's, audio's or video's length in whole seconds, as the framework gives it.
Duration = Callable[[object], int | None]


def convert(update: Update, kind: str, bot_username: str | None, duration: Duration) -> Inbound | Ignored:
    """Exactly one result per update: an event for the core, or a note that it carried none.
    ``kind``: the update's kind as the framework names it (for the ones the core does not read)."""
    if update.message is not None:
        return _from_message(update.update_id, update.message, bot_username, duration)
    if update.callback_query is not None:
        return _from_button(update.update_id, update.callback_query)
    if update.my_chat_member is not None:
        return _from_member_update(update.update_id, update.my_chat_member)
    if update.chat_member is not None:
        return _from_chat_member(update.update_id, update.chat_member)
    return _other(update.update_id, kind, getattr(update, kind, None))


def sender_of(user: User, on_behalf_of: Chat | None = None) -> Sender:
    return Sender(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
        is_bot=bool(user.is_bot),
        sender_chat_id=on_behalf_of.id if on_behalf_of is not None else None,
    )


class GroupReader(Protocol):
    """The three calls a census makes (a framework's ``Bot``: the methods bear the Bot API's names)."""

    def get_chat_administrators(self, chat_id: int) -> Awaitable[Sequence[Member]]: ...
    def get_chat_member_count(self, chat_id: int) -> Awaitable[int]: ...
    def get_chat_member(self, chat_id: int, user_id: int) -> Awaitable[Member]: ...


# How a messenger makes a call: (the call, the Bot API method's name, the chat) → its result.
Read = Callable[[Callable[[], Awaitable[Any]], str, int], Awaitable[Any]]


async def census(bot: GroupReader, me: int, read: Read, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
    """Who runs a group and how many are in it, and which of ``ask`` have gone from it (one
    getChatMember each: Telegram lists a group's members to nobody, admins aside)."""
    present: Sequence[Member] = await read(
        lambda: bot.get_chat_administrators(chat_id), "getChatAdministrators", chat_id
    )
    total: int = await read(lambda: bot.get_chat_member_count(chat_id), "getChatMemberCount", chat_id)
    gone = []
    for user_id in ask:
        try:
            ask_one = partial(bot.get_chat_member, chat_id, user_id)
            found: Member = await read(ask_one, "getChatMember", chat_id)
        except DeliveryError:  # not known either way: they stay as they were
            continue
        if not in_group(found.status, getattr(found, "is_member", None)):
            gone.append(user_id)
    return GroupCensus(
        admins=tuple(sender_of(admin.user) for admin in present if admin.user.id != me),
        count=total,
        bot_admin=any(admin.user.id == me for admin in present),
        gone=tuple(gone),
    )


def _base(update_id: int, chat: Chat, user: User, on_behalf_of: Chat | None = None) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "chat_id": chat.id,
        "chat_type": chat_type(chat.type),
        "sender": sender_of(user, on_behalf_of),
    }


def _from_message(
    update_id: int, message: Message, bot_username: str | None, duration: Duration
) -> Inbound | Ignored:
    if message.from_user is None:  # channel posts and anonymous senders
        return Ignored(update_id, "message")
    base = _base(update_id, message.chat, message.from_user, message.sender_chat)
    joined_or_left = _joined_or_left(base, message, bot_username)
    if joined_or_left is not None:
        return joined_or_left
    if message.migrate_to_chat_id:  # the group became a supergroup, under a new id
        return ChatMigrated(**base, to_chat_id=message.migrate_to_chat_id)
    if message.text is not None:
        return _from_text(base, message.text, message.entities, bot_username)
    if message.location is not None:
        loc = message.location
        return Location(**base, latitude=loc.latitude, longitude=loc.longitude)
    if message.contact is not None:
        c = message.contact
        return Contact(
            **base, phone_number=c.phone_number, first_name=c.first_name, contact_user_id=c.user_id
        )
    return _attachment(base, message, duration) or Unsupported(**base, kind=_message_kind(message))


def _from_text(
    base: dict[str, Any], text: str, entities: Sequence[Entity] | None, bot_username: str | None
) -> Inbound:
    entity = next(iter(entities or ()), None)
    if entity is None or not (text.startswith("/") and entity.type == "bot_command" and entity.offset == 0):
        return Text(**base, text=text)
    parsed = parse_command(text, entity.length, bot_username)
    if not parsed.addressed_to_us:
        return Unsupported(**base, kind=FOREIGN_COMMAND)
    return Command(**base, name=parsed.name, args=parsed.args)


def _attachment(base: dict[str, Any], message: Message, duration: Duration) -> Attachment | None:
    for kind in ATTACHMENT_FIELDS:
        media = getattr(message, kind)
        if not media:
            continue
        if kind == "photo":  # several sizes of one picture: keep the largest
            media = max(media, key=lambda size: size.width * size.height)
        return Attachment(
            **base,
            kind=kind,
            file_id=media.file_id,
            file_name=getattr(media, "file_name", None),
            caption=message.caption,
            emoji=getattr(media, "emoji", None),
            duration=duration(media),
        )
    return None


def _message_kind(message: Message) -> str:
    present = (name for name in UNSUPPORTED_MESSAGE_FIELDS if getattr(message, name, None))
    return next(present, UNKNOWN_MESSAGE_KIND)


def _from_button(update_id: int, query: Press) -> ButtonPress:
    # A press on an old message still names its chat (InaccessibleMessage); an inline-mode
    # message names none, so the answer goes to the presser's private chat.
    message = query.message
    chat_id, kind = (message.chat.id, message.chat.type) if message else (query.from_user.id, "")
    return ButtonPress(
        update_id=update_id,
        chat_id=chat_id,
        chat_type=chat_type(kind),
        sender=sender_of(query.from_user),
        callback_id=query.id,
        data=query.data or "",
        message_id=message.message_id if message else None,
    )


def _from_member_update(update_id: int, change: MemberUpdate) -> Inbound:
    base = _base(update_id, change.chat, change.from_user)
    match member_change(change.new_chat_member.status):
        case "blocked":
            return MemberBlocked(**base)
        case "unblocked":
            return MemberUnblocked(**base)
        case _:
            return Unsupported(**base, kind="my_chat_member")


def _from_chat_member(update_id: int, change: MemberUpdate) -> MembersChanged:
    """Someone else's membership of a group changed (Telegram tells only a group's admins)."""
    new = change.new_chat_member
    return MembersChanged(
        **_base(update_id, change.chat, change.from_user),
        members=(sender_of(new.user),),
        joined=in_group(new.status, getattr(new, "is_member", None)),
        admin=is_admin(new.status),
    )


def _joined_or_left(base: dict[str, Any], message: Message, bot_username: str | None) -> Inbound | None:
    """The service message of a join or a leave, about others than the bot itself."""
    if message.new_chat_members:
        joined, users = True, list(message.new_chat_members)
    elif message.left_chat_member is not None:
        joined, users = False, [message.left_chat_member]
    else:
        return None
    others = tuple(sender_of(u) for u in users if not (u.is_bot and u.username == bot_username))
    if not others:
        return None
    return MembersChanged(**base, members=others, joined=joined)


def _other(update_id: int, kind: str, event: object) -> Inbound | Ignored:
    """An update of a kind the core does not read: unsupported if it names a chat and a person."""
    chat: Chat | None = getattr(event, "chat", None)
    user: User | None = getattr(event, "from_user", None) or getattr(event, "user", None)
    if chat is None or user is None or not hasattr(chat, "type") or not hasattr(user, "is_bot"):
        return Ignored(update_id, kind)
    return Unsupported(**_base(update_id, chat, user), kind=kind)


def keyboard_json(keyboard: Keyboard | None) -> dict[str, Any] | None:
    """An inline keyboard as the Bot API reads it; a button has a callback or a URL."""
    if not keyboard:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.text, "url": b.url} if b.url else {"text": b.text, "callback_data": b.data}
                for b in row
            ]
            for row in keyboard
        ]
    }


# An explicit empty keyboard removes the old one, rather than relying on omission.
NO_KEYBOARD: dict[str, Any] = {"inline_keyboard": []}

# A call without files goes as a JSON body of the strings a form would carry: the Bot API reads the
# two alike, and a form's encoding quotes each byte in Python (both adapters' requests).
JSON_BODY = {"Content-Type": "application/json"}


def json_text(value: Any) -> str:
    """A parameter's JSON (a keyboard, say) as orjson writes it, compact and in UTF-8; the standard
    library's for what only it writes (an integer beyond 64 bits, a key that is not a string)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)
