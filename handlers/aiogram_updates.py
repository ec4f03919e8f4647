"""aiogram update objects → framework-neutral ``Inbound`` events (the reading is ``handlers.bot_api``'s)."""

from __future__ import annotations

from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from bot.events import Inbound
from handlers.bot_api import convert
from handlers.inbound import Ignored


def update_kind(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:
        return "unknown"


def convert_update(update: Update, bot_username: str | None) -> Inbound | Ignored:
    """Exactly one result per update: an event for the core, or a note that it carried none."""
    return convert(update, update_kind(update), bot_username, _duration_seconds)


def _duration_seconds(media: object) -> int | None:
    return getattr(media, "duration", None)
