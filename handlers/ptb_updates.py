"""python-telegram-bot update objects → framework-neutral ``Inbound`` events (the reading is
``handlers.bot_api``'s)."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Update
from telegram.warnings import PTBDeprecationWarning

from bot.events import Inbound
from handlers.bot_api import convert
from handlers.inbound import Ignored, plain


def update_kind(update: Update) -> str:
    present = (kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None)
    return plain(next(present, "unknown"))


def convert_update(update: Update, bot_username: str | None) -> Inbound | Ignored:
    """Exactly one result per update: an event for the core, or a note that it carried none."""
    return convert(update, update_kind(update), bot_username, _duration_seconds)


def _duration_seconds(media: object) -> int | None:
    # PTB 22 is moving durations from int to timedelta and warns on every read until then;
    # accept either so the adapter survives the switch (PTB_TIMEDELTA=true).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = getattr(media, "duration", None)
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return int(value) if value is not None else None
