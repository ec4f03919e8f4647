"""aiogram reads every answer as ``Response[<result type>]``, a generic pydantic class that pydantic
keeps only weakly: one the adapter does not hold is rebuilt after each garbage collection, a few
milliseconds of CPU a time. Every call the adapter makes must find its class already built."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from aiogram.methods.base import Response
from pydantic._internal import _generics

from bot.emulator import Emulator
from bot.events import (
    AnswerButton,
    Button,
    ButtonPress,
    EditKeyboard,
    EditText,
    SendDocument,
    SendText,
)

from .conftest import Started

KEYBOARD = ((Button("Yes", data="y:1"), Button("Site", url="https://example.org")),)


@pytest.mark.parametrize("framework", ["aiogram"])
async def test_no_response_class_is_rebuilt_after_a_collection(
    started: Started, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter, sink = started
    send, ada = adapter.messenger.deliver, emulator.add_user("Ada")["id"]

    async def every_kind_of_call() -> None:
        asked = await send(SendText(chat_id=ada, text="Pick", keyboard=KEYBOARD))
        assert asked is not None
        await send(EditText(chat_id=ada, message_id=asked, text="Pick one", keyboard=KEYBOARD))
        await send(EditKeyboard(chat_id=ada, message_id=asked, keyboard=None))
        await send(SendDocument(chat_id=ada, filename="a.pdf", content=b"%PDF-1.4"))
        await send(SendDocument(chat_id=ada, filename="a.png", content=b"\x89PNG", as_photo=True))
        emulator.press(ada, ada, asked, "y:1")
        await sink.wait_for(len(sink.events) + 1)
        press = sink.events[-1]
        assert isinstance(press, ButtonPress)
        await send(AnswerButton(callback_id=press.callback_id, text="Saved"))

    await every_kind_of_call()
    built: list[str] = []
    create = _generics.create_generic_submodel

    def noting(name: str, *rest: Any) -> type:
        built.append(name)
        return create(name, *rest)

    monkeypatch.setattr(_generics, "create_generic_submodel", noting)
    gc.collect()
    await every_kind_of_call()
    assert built == []
    # The check itself can see a rebuild: a class nobody holds is built again.
    gc.collect()
    Response[tuple[int, str]]
    assert built == ["Response[tuple[int, str]]"]
