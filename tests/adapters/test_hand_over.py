"""One sink call per update, and nothing a person wrote in the logs when the sink fails."""

from __future__ import annotations

import logging

import pytest

from bot.events import Inbound, Sender, Text
from handlers.inbound import CONVERSION_FAILED, Ignored, hand_over

SECRET = "ich will abbrechen, niemand hilft mir"


class ExplodingSink:
    def __init__(self) -> None:
        self.calls: list[object] = []

    async def handle(self, event: Inbound) -> None:
        self.calls.append(event)
        raise ValueError(f"cannot handle {SECRET}")

    async def ignore(self, update_id: int, kind: str) -> None:
        self.calls.append((update_id, kind))


def text_event() -> Text:
    return Text(update_id=77, chat_id=1, sender=Sender(1, "Ada"), text=SECRET)


async def test_sink_failure_is_logged_by_id_only(caplog: pytest.LogCaptureFixture) -> None:
    sink = ExplodingSink()
    with caplog.at_level(logging.ERROR):
        await hand_over(sink, 77, text_event)
    assert sink.calls == [text_event()]
    assert "77" in caplog.text and "ValueError" in caplog.text
    assert SECRET not in caplog.text


async def test_conversion_failure_still_reaches_the_sink(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Inbound | Ignored:
        raise KeyError(SECRET)

    sink = ExplodingSink()
    await hand_over(sink, 78, broken)
    assert sink.calls == [(78, CONVERSION_FAILED)]
    assert SECRET not in caplog.text


async def test_ignored_update_goes_to_ignore() -> None:
    sink = ExplodingSink()
    await hand_over(sink, 79, lambda: Ignored(79, "poll"))
    assert sink.calls == [(79, "poll")]
