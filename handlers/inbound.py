"""Framework-neutral rules for turning updates into events, shared by both adapters.

Keeping the tables here means the aiogram and PTB conversions cannot drift apart:
both name the same kinds, in the same order, and hand over to the sink the same way.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import cast, get_args

from bot.adapter import EventSink
from bot.events import AttachmentKind, ChatType, Inbound

logger = logging.getLogger("handlers.inbound")

# my_chat_member statuses: the person blocked the bot (or removed it), or came back.
BLOCKED_STATUSES = frozenset({"kicked", "left"})
UNBLOCKED_STATUSES = frozenset({"member", "administrator"})

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


async def hand_over(sink: EventSink, update_id: int, convert: Callable[[], Inbound | Ignored]) -> None:
    """Convert one update and make exactly one sink call; never raise into the polling loop."""
    try:
        result = convert()
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
