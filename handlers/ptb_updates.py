"""python-telegram-bot update objects → framework-neutral ``Inbound`` events."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from telegram import CallbackQuery, Chat, ChatMemberUpdated, Message, Update, User
from telegram.constants import MessageEntityType
from telegram.warnings import PTBDeprecationWarning

from bot.events import (
    Attachment,
    ButtonPress,
    ChatMigrated,
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
    plain,
)


def update_kind(update: Update) -> str:
    present = (kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None)
    return plain(next(present, "unknown"))


def convert_update(update: Update, bot_username: str | None) -> Inbound | Ignored:
    """Exactly one result per update: an event for the core, or a note that it carried none."""
    kind = update_kind(update)
    if update.message is not None:
        return _from_message(update.update_id, update.message, bot_username)
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


def _base(update_id: int, chat: Chat, user: User, on_behalf_of: Chat | None = None) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "chat_id": chat.id,
        "chat_type": chat_type(chat.type),
        "sender": sender_of(user, on_behalf_of),
    }


def _from_message(update_id: int, message: Message, bot_username: str | None) -> Inbound | Ignored:
    if message.from_user is None:  # channel posts and anonymous senders
        return Ignored(update_id, "message")
    base = _base(update_id, message.chat, message.from_user, message.sender_chat)
    joined_or_left = _joined_or_left(base, message, bot_username)
    if joined_or_left is not None:
        return joined_or_left
    if message.migrate_to_chat_id:  # the group became a supergroup, under a new id
        return ChatMigrated(**base, to_chat_id=message.migrate_to_chat_id)
    if message.text is not None:
        return _from_text(base, message, bot_username)
    if message.location is not None:
        loc = message.location
        return Location(**base, latitude=loc.latitude, longitude=loc.longitude)
    if message.contact is not None:
        c = message.contact
        return Contact(
            **base, phone_number=c.phone_number, first_name=c.first_name, contact_user_id=c.user_id
        )
    return _attachment(base, message) or Unsupported(**base, kind=_message_kind(message))


def _from_text(base: dict[str, Any], message: Message, bot_username: str | None) -> Inbound:
    text = message.text or ""
    entity = next(iter(message.entities), None)
    is_command = (
        text.startswith("/")
        and entity is not None
        and entity.type == MessageEntityType.BOT_COMMAND
        and entity.offset == 0
    )
    if not is_command or entity is None:
        return Text(**base, text=text)
    parsed = parse_command(text, entity.length, bot_username)
    if not parsed.addressed_to_us:
        return Unsupported(**base, kind=FOREIGN_COMMAND)
    return Command(**base, name=parsed.name, args=parsed.args)


def _attachment(base: dict[str, Any], message: Message) -> Attachment | None:
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
            duration=_duration_seconds(media),
        )
    return None


def _duration_seconds(media: object) -> int | None:
    # PTB 22 is moving durations from int to timedelta and warns on every read until then;
    # accept either so the adapter survives the switch (PTB_TIMEDELTA=true).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = getattr(media, "duration", None)
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return int(value) if value is not None else None


def _message_kind(message: Message) -> str:
    present = (name for name in UNSUPPORTED_MESSAGE_FIELDS if getattr(message, name, None))
    return next(present, UNKNOWN_MESSAGE_KIND)


def _from_button(update_id: int, query: CallbackQuery) -> ButtonPress:
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


def _from_member_update(update_id: int, change: ChatMemberUpdated) -> Inbound:
    base = _base(update_id, change.chat, change.from_user)
    match member_change(change.new_chat_member.status):
        case "blocked":
            return MemberBlocked(**base)
        case "unblocked":
            return MemberUnblocked(**base)
        case _:
            return Unsupported(**base, kind="my_chat_member")


def _from_chat_member(update_id: int, change: ChatMemberUpdated) -> MembersChanged:
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
    chat = getattr(event, "chat", None)
    user = getattr(event, "from_user", None) or getattr(event, "user", None)
    if not isinstance(chat, Chat) or not isinstance(user, User):
        return Ignored(update_id, kind)
    return Unsupported(**_base(update_id, chat, user), kind=kind)
