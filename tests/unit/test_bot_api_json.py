"""A parameter's JSON for the Bot API (a keyboard, aiogram's nested values): compact, in UTF-8,
and what orjson cannot write is still written."""

from __future__ import annotations

import json

from bot.events import Button
from handlers.bot_api import json_text, keyboard_json


def test_a_keyboard_is_written_compact_in_utf8_and_reads_back() -> None:
    keyboard = ((Button("Ja ✓ — Führung", data="f:1"),),)
    written = json_text(keyboard_json(keyboard))
    assert written == '{"inline_keyboard":[[{"text":"Ja ✓ — Führung","callback_data":"f:1"}]]}'
    assert json.loads(written) == keyboard_json(keyboard)


def test_what_orjson_cannot_write_falls_back_to_the_standard_library() -> None:
    assert json.loads(json_text({"id": 2**70})) == {"id": 2**70}
    assert json.loads(json_text({1: "é"})) == {"1": "é"}
