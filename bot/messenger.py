"""The Messenger port: the one way the core talks to Telegram.

Adapters implement it. They own the transport rules: waiting out 429 ``retry_after``,
bounded retries on 5xx and network errors, and turning 403 into ``ChatUnreachable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.events import BotCommand, Outbound, Sender


class DeliveryError(Exception):
    """Telegram did not accept the action after the adapter's retries."""


class ChatUnreachable(DeliveryError):
    """403: the person blocked the bot or left; retrying will not help."""

    def __init__(self, chat_id: int, description: str = "") -> None:
        super().__init__(f"chat {chat_id} unreachable: {description}")
        self.chat_id = chat_id


class DeliveryInDoubt(DeliveryError):
    """A send got no answer (a read timeout, a connection dropped after the request went out):
    Telegram may have carried it out, and the Bot API has no idempotency key, so sending it again
    may show the person the message twice. The adapter never does so on its own."""


class MessageGone(DeliveryError):
    """400 on an edit: the message no longer exists or cannot be edited."""


@dataclass(frozen=True, slots=True)
class GroupCensus:
    """What Telegram tells a bot about who is in a group: its administrators (the bot itself
    left out), how many members it has (the bot included), whether the bot is an administrator,
    and which of the people asked about are no longer in it. It never lists the other members."""

    admins: tuple[Sender, ...]
    count: int
    bot_admin: bool
    gone: tuple[int, ...] = ()


class Messenger(Protocol):
    async def deliver(self, action: Outbound) -> int | None:
        """Carry out one outbound action; return the sent message's id where there is one."""
        ...

    async def set_commands(
        self,
        commands: Sequence[BotCommand],
        *,
        chat_id: int | None = None,
        language: str | None = None,
    ) -> None:
        """Publish the command menu for a chat (or everyone) in a language (or the default)."""
        ...

    async def census(self, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
        """Count a group's members and read its administrators; ``ask``: user ids whose
        membership to check one by one (``GroupCensus.gone``)."""
        ...
