"""Framework-neutral rules for turning updates into events, shared by both adapters.

Keeping the tables here means the aiogram and PTB conversions cannot drift apart:
both name the same kinds, in the same order, and hand over to the sink the same way.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import traceback
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Literal, TypeVar, cast, get_args, get_origin, get_type_hints

from bot.adapter import EventSink
from bot.events import AttachmentKind, ChatType, Inbound, Sender

logger = logging.getLogger("handlers.inbound")

# my_chat_member statuses: the person blocked the bot (or removed it), or came back.
BLOCKED_STATUSES = frozenset({"kicked", "left"})
UNBLOCKED_STATUSES = frozenset({"member", "administrator"})
# chat_member statuses of someone in a group ("restricted" too, while ``is_member``).
PRESENT_STATUSES = frozenset({"creator", "administrator", "member"})
ADMIN_STATUSES = frozenset({"creator", "administrator"})

# Media kinds in the order they are checked: an animation message also carries a
# ``document`` for old clients, so animation must win over document.
ATTACHMENT_FIELDS: tuple[AttachmentKind, ...] = (
    "animation",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "sticker",
)

# Message contents the core does not act on; the first one present names the
# Unsupported kind, so both adapters report the same word.
UNSUPPORTED_MESSAGE_FIELDS: tuple[str, ...] = (
    "dice",
    "poll",
    "venue",
    "game",
    "story",
    "invoice",
    "successful_payment",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "users_shared",
    "chat_shared",
    "write_access_allowed",
    "web_app_data",
    "forum_topic_created",
    "giveaway",
    "paid_media",
)
UNKNOWN_MESSAGE_KIND = "message"
FOREIGN_COMMAND = "foreign_command"
CONVERSION_FAILED = "conversion_failed"
MALFORMED = "malformed"

# The longest text kept of each field of an event: Telegram's own limit, or the column it is
# stored in (storage/models.py) when that is shorter. Telegram keeps to these, but a forged
# webhook body need not, and one value too long for its column fails every update of its sender.
CUT = {
    "first_name": 128,  # people.first_name
    "last_name": 128,
    "text": 4096,  # a message; the flows refuse what is longer than their answers may be
    "args": 4096,
    "caption": 1024,
    "file_name": 255,
    "emoji": 16,
    "name": 64,  # a command's
    "kind": 64,
}
# Fields that name something: cut short, they would name something else, so a value longer than
# this is dropped ("" or None) instead.
WHOLE = {
    "language_code": 16,  # people.telegram_language
    "username": 32,
    "file_id": 256,  # *.voice_file_id
    "phone_number": 32,
    "callback_id": 64,
    "data": 64,  # Telegram keeps 64 bytes of callback data: longer is forged
}
OTHER_TEXT = 4096
BIGGEST_ID = 2**63 - 1  # ids are BIGINT

_CHAT_TYPES: frozenset[str] = frozenset(get_args(ChatType))


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update with no chat or no sender: the sink only records that it came."""

    update_id: int
    kind: str


def plain(value: str) -> str:
    """The bare string of a framework's str-enum: they hash by member name, not by value."""
    return str(value.value) if isinstance(value, Enum) else str(value)


def chat_type(raw: str) -> ChatType:
    # Telegram only sends the four types; anything else would be a new one, treated as private
    # (the most restrictive choice for what the core shows).
    value = plain(raw)
    return cast(ChatType, value) if value in _CHAT_TYPES else "private"


def member_change(status: str) -> str | None:
    """``blocked`` / ``unblocked`` for a my_chat_member status, ``None`` for other changes."""
    new_status = plain(status)
    if new_status in BLOCKED_STATUSES:
        return "blocked"
    if new_status in UNBLOCKED_STATUSES:
        return "unblocked"
    return None


def in_group(status: str, is_member: bool | None = None) -> bool:
    """Whether a chat_member status means the person is in the group."""
    value = plain(status)
    return value in PRESENT_STATUSES or (value == "restricted" and bool(is_member))


def is_admin(status: str) -> bool:
    return plain(status) in ADMIN_STATUSES


class Malformed(ValueError):
    """A field of an update is not of its type, or an id is beyond 64 bits: not what Telegram sends
    (PTB parses updates without checking them)."""


E = TypeVar("E", Inbound, Sender)


def within_bounds(event: E) -> E:
    """The event as Tandem keeps it (``CUT``, ``WHOLE``); ``Malformed`` when it cannot be."""
    changes: dict[str, Any] = {}
    for name, hint in _hints(type(event)).items():
        value = getattr(event, name)
        if not _fits(value, hint):
            raise Malformed(f"{type(event).__name__}.{name}")  # names only: values may be words
        if isinstance(value, Sender):
            changes[name] = within_bounds(value)
        elif isinstance(value, tuple):  # the members of a join
            changes[name] = tuple(within_bounds(item) if isinstance(item, Sender) else item for item in value)
        elif isinstance(value, str):
            changes[name] = _bounded(name, value, hint)
    return dataclasses.replace(event, **changes)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        hints = get_type_hints(cls)
        _HINTS[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _HINTS[cls]


def _fits(value: object, hint: Any) -> bool:
    if hint is int:
        return type(value) is int and -BIGGEST_ID <= value <= BIGGEST_ID
    if hint is float:
        return type(value) in (int, float) and math.isfinite(cast(float, value))
    if hint is str:
        return isinstance(value, str)
    if hint is NoneType:
        return value is None
    if get_origin(hint) is Literal:
        return value in get_args(hint)
    if get_origin(hint) is tuple:  # tuple[X, ...]
        return isinstance(value, tuple) and all(_fits(item, get_args(hint)[0]) for item in value)
    if isinstance(hint, UnionType):
        return any(_fits(value, option) for option in get_args(hint))
    return isinstance(value, hint)


def _bounded(name: str, value: str, hint: Any) -> str | None:
    if name in WHOLE:
        if len(value) <= WHOLE[name]:
            return value
        return None if isinstance(hint, UnionType) else ""
    return value[: CUT.get(name, OTHER_TEXT)]


# What ``readable`` made of the update this task feeds the framework: ``hand_over``, further down
# the same task (or one it started), takes it instead of converting the update a second time.
_READ: ContextVar[Inbound | Ignored | None] = ContextVar("tandem_read", default=None)


def readable(result: Inbound | Ignored, ids: Iterable[object] = ()) -> None:
    """For the webhook: raise ``Malformed`` (a ValueError, answered 400) unless the update makes
    an event Tandem can keep, and the ``ids`` the framework itself reads are ids."""
    if not all(_fits(value, int) for value in ids):
        raise Malformed("an id")
    _READ.set(within_bounds(result) if isinstance(result, Inbound) else result)


async def hand_over(sink: EventSink, update_id: int, convert: Callable[[], Inbound | Ignored]) -> None:
    """Convert one update and make exactly one sink call; never raise into the polling loop."""
    try:
        result = _READ.get()
        if result is None or result.update_id != update_id:
            result = convert()
            if isinstance(result, Inbound):
                result = within_bounds(result)
    except Malformed as exc:
        logger.warning("update %d is malformed (%s): ignored", update_id, exc)
        result = Ignored(update_id, MALFORMED)
    except Exception as exc:
        _log_failure("could not convert update", update_id, exc)
        result = Ignored(update_id, CONVERSION_FAILED)
    try:
        if isinstance(result, Ignored):
            await sink.ignore(result.update_id, result.kind)
        else:
            await sink.handle(result)
    except Exception as exc:
        _log_failure("event sink failed on update", update_id, exc)


def _log_failure(what: str, update_id: int, exc: BaseException) -> None:
    # Only the exception type and the stack: an exception's message may quote a learner's
    # words, and free text must never reach the logs.
    stack = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("%s %d: %s\n%s", what, update_id, type(exc).__qualname__, stack.rstrip())
