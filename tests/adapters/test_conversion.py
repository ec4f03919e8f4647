"""Both adapters turn the same Bot API JSON into the same events (samples.CASES)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapter import FRAMEWORKS
from bot.events import Inbound
from handlers.inbound import Ignored

from .samples import BOT_USERNAME, CASES, Json, message

Converter = Callable[[Json, str | None], Inbound | Ignored]


def aiogram_converter() -> Converter:
    from aiogram.types import Update

    from handlers.aiogram_updates import convert_update

    return lambda data, username: convert_update(Update.model_validate(data), username)


def ptb_converter() -> Converter:
    import telegram

    from handlers.ptb_updates import convert_update

    bot = telegram.Bot("42:TEST")
    return lambda data, username: convert_update(telegram.Update.de_json(data, bot), username)


@pytest.fixture(params=FRAMEWORKS)
def convert(request: pytest.FixtureRequest) -> Converter:
    return {"aiogram": aiogram_converter, "ptb": ptb_converter}[request.param]()


@pytest.mark.parametrize(("update", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_update_becomes_expected_event(convert: Converter, update: Json, expected: Inbound | Ignored) -> None:
    assert convert(update, BOT_USERNAME) == expected


def test_chat_type_is_a_plain_string(convert: Converter) -> None:
    event = convert(message(1, text="hi"), BOT_USERNAME)
    assert isinstance(event, Inbound)
    assert type(event.chat_type) is str


def test_unknown_username_accepts_addressed_commands(convert: Converter) -> None:
    update = message(1, text="/help@whoever", entities=[{"type": "bot_command", "offset": 0, "length": 13}])
    event = convert(update, None)
    assert getattr(event, "name", None) == "help"
