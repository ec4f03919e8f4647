"""One sink call per update, each field within what Tandem keeps, and nothing a person wrote in
the logs when the sink fails."""

from __future__ import annotations

import logging

import pytest

from bot.events import Attachment, ButtonPress, Contact, Inbound, Location, Sender, Text
from handlers.inbound import CONVERSION_FAILED, MALFORMED, Ignored, Malformed, hand_over, within_bounds

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


def test_texts_are_cut_and_names_of_things_too_long_to_be_real_dropped() -> None:
    sender = Sender(1, "A" * 300, "B" * 300, "u" * 33, "en-GB-x-oxendict-private")
    text = within_bounds(Text(update_id=1, chat_id=1, sender=sender, text="t" * 5000))
    assert text.sender == Sender(1, "A" * 128, "B" * 128, None, None)
    assert text.text == "t" * 4096
    press = within_bounds(
        ButtonPress(update_id=1, chat_id=1, sender=Sender(1), callback_id="7", data="9" * 65)
    )
    assert press.data == ""  # longer than Telegram keeps: forged, and "" is no family's
    voice = Attachment(
        update_id=1, chat_id=1, sender=Sender(1), kind="voice", file_id="f" * 257, caption="c" * 2000
    )
    assert (within_bounds(voice).file_id, within_bounds(voice).caption) == ("", "c" * 1024)
    contact = Contact(update_id=1, chat_id=1, sender=Sender(1), phone_number="+49 " * 20, first_name="Al")
    assert within_bounds(contact).phone_number == ""
    fine = Text(update_id=1, chat_id=-100123, sender=Sender(2**62, "Zoë", None, "zoe", "pt-br"), text="hi")
    assert within_bounds(fine) == fine


@pytest.mark.parametrize(
    "event",
    [
        Text(update_id=1, chat_id=2**63, sender=Sender(1), text="an id beyond 64 bits"),
        Text(update_id=1, chat_id=1, sender=Sender(-(2**64)), text="x"),
        Text(update_id=1, chat_id=1, sender=Sender(1, ["Ada"]), text="x"),  # type: ignore[arg-type]
        Text(update_id=1, chat_id=1, sender=Sender(1), text=None),  # type: ignore[arg-type]
        Text(update_id=1, chat_id=True, sender=Sender(1), text="x"),
        Text(update_id=1, chat_id=1, chat_type="channel?", sender=Sender(1), text="x"),  # type: ignore[arg-type]
        Location(update_id=1, chat_id=1, sender=Sender(1), latitude=float("nan"), longitude=0.0),
        Location(update_id=1, chat_id=1, sender=Sender(1), latitude="52.5", longitude=0.0),  # type: ignore[arg-type]
    ],
)
def test_a_field_that_is_not_of_its_type_is_malformed(event: Inbound) -> None:
    with pytest.raises(Malformed):
        within_bounds(event)


async def test_a_malformed_update_is_ignored_with_a_warning_naming_the_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = ExplodingSink()
    forged = Text(update_id=80, chat_id=1, sender=Sender(1, SECRET * 2), text=[SECRET])  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        await hand_over(sink, 80, lambda: forged)
    assert sink.calls == [(80, MALFORMED)]
    assert "update 80 is malformed (Text.text)" in caplog.text
    assert SECRET not in caplog.text
