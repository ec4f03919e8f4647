"""Reading one answer of a given kind out of whatever the person sent.

Each reader returns the parsed value, or a ``Refusal`` naming the hint to show. People's
mistakes are values here, never exceptions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from bot.events import Attachment, Inbound, Location, Text
from bot.i18n import N_
from bot.rules import fold


@dataclass(frozen=True, slots=True)
class Refusal:
    hint: str  # msgid, formatted with ``fields``
    fields: tuple[tuple[str, Any], ...] = ()


TOO_LONG = N_("That is too long: please use at most {max} characters.")


def wrong_kind_hint(event: Inbound, expected: str) -> Refusal:
    """Why this event cannot answer a step expecting ``expected``."""
    if isinstance(event, Attachment) and event.kind == "sticker":
        return Refusal(N_("Nice sticker! But I need an answer to the question below."))
    if isinstance(event, Attachment):
        return Refusal(N_("I can't use a file or a voice note here."))
    if expected == "choice":
        return Refusal(N_("Please choose one of the buttons below."))
    if expected == "location":
        return Refusal(N_("Please share a location: tap 📎 and then “Location”."))
    return Refusal(N_("Please answer with a text message."))


def read_text(event: Inbound, max_length: int, *, lines: bool = False) -> str | Refusal:
    """``lines``: each line cleaned on its own and the breaks kept (blank lines at most one)."""
    if not isinstance(event, Text):
        return wrong_kind_hint(event, "text")
    value = clean_lines(event.text) if lines else clean_text(event.text)
    if not value:
        return Refusal(N_("That was empty. Please write a short answer."))
    if len(value) > max_length:
        return Refusal(TOO_LONG, (("max", max_length),))
    return value


MEDIA = ("photo", "voice", "document")


def read_media(event: Attachment, max_length: int) -> dict[str, Any] | Refusal:
    """A photo, voice note or document to pass on, by its file id, with its caption."""
    if event.kind not in MEDIA or not event.file_id:
        return Refusal(N_("I can pass on words, a photo, a voice note or a document, but not this."))
    caption = clean_text(event.caption or "")
    if len(caption) > max_length:
        return Refusal(TOO_LONG, (("max", max_length),))
    return {"media": event.kind, "file_id": event.file_id, "caption": caption or None}


WORDS_OR_VOICE = N_("I can take words or a voice note here, but not this.")


def read_voice(event: Attachment) -> dict[str, Any] | Refusal:
    """A voice note answering a free-text question, kept by its Telegram file id (never
    downloaded): ``{"voice": file id, "seconds": n}``. Any other media (a video note too: it could
    not be passed on as audio) is refused, naming what the question takes; a sticker gets its
    usual answer."""
    if event.kind == "sticker":
        return wrong_kind_hint(event, "text")
    if event.kind != "voice" or not event.file_id:
        return Refusal(WORDS_OR_VOICE)
    return {"voice": event.file_id, "seconds": event.duration or 0}


def voice_of(answer: Any) -> str | None:
    """The file id of an answer given as a voice note, else None (words, a skip)."""
    if isinstance(answer, dict) and answer.get("voice"):
        return str(answer["voice"])
    return None


def read_file(event: Inbound) -> dict[str, Any] | Refusal:
    """A photo or a document (a receipt, say), by its file id; a sticker gets its usual answer."""
    if isinstance(event, Attachment) and event.kind in ("photo", "document") and event.file_id:
        return {"media": event.kind, "file_id": event.file_id}
    if isinstance(event, Attachment) and event.kind == "sticker":
        return wrong_kind_hint(event, "file")
    return Refusal(N_("Please send a photo or a document (a PDF, say)."))


def clean_text(raw: str) -> str:
    """NFC, no control or format characters (but the joiners emoji need), single spaces."""
    kept = (ch for ch in unicodedata.normalize("NFC", raw) if _printable(ch))
    return " ".join("".join(kept).split())


def clean_lines(raw: str) -> str:
    """``clean_text`` line by line: a message's paragraphs stay paragraphs."""
    kept = [clean_text(line) for line in raw.splitlines()]
    text = "\n".join(kept).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def _printable(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch in "\t\n\r"  # whitespace, folded by split()
    return category not in ("Cf", "Co", "Cn", "Cs") or ch in "\u200c\u200d"


def has_letter(value: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in value)


def read_number(event: Inbound, locale: str) -> Decimal | Refusal:
    if not isinstance(event, Text):
        return wrong_kind_hint(event, "number")
    raw = event.text.strip()
    try:
        return parse_decimal(raw, locale=locale, strict=False)
    except NumberFormatError:
        pass
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return Refusal(N_("Please send a number, for example 3."))


DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{2}|\d{4})$"),
)


def read_date(event: Inbound) -> date | Refusal:
    if not isinstance(event, Text):
        return wrong_kind_hint(event, "date")
    raw = event.text.strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            year = int(match["y"])
            year += 2000 if year < 100 else 0
            try:
                return date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                break
    return Refusal(N_("Please send a date like 24.12.2026."))


TIME_PATTERN = re.compile(r"^(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?:h|uhr)?$", re.I)


def read_time(event: Inbound) -> str | Refusal:
    if not isinstance(event, Text):
        return wrong_kind_hint(event, "time")
    match = TIME_PATTERN.match(event.text.strip())
    if match:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if hour < 24 and minute < 60:
            return f"{hour:02d}:{minute:02d}"
    return Refusal(N_("Please send a time like 17:30."))


TYPED_NUMBER = re.compile(r"(\d+)\.?")  # "2", or "2." as German writes "2nd"
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")  # a time on a button: "17:30"
RANGE = re.compile(r"(\d+)\s*[-–]\s*(\d+)")  # "16–17"


def match_option(typed: str, labels: Sequence[str]) -> int | None:
    """Which of the options (by their ``labels``) someone typed instead of tapping, by its place.

    A label (case and accents forgiven), the face or the word of a "🙂 Good" label alone, a time
    for a time's button ("17" or "17.30" for "17:30"), or a number the label carries ("2" for
    "2nd year", "17" for "16–17"). The number
    is never the option's place, as no options are shown numbered. None when nothing fits, or
    when more than one does ("16" for "under 16" and "16–17"): asking again beats guessing.
    """
    key = fold(typed)
    if not key:
        return None
    for index, label in enumerate(labels):
        if fold(label) == key:
            return index
    meant = [index for index, label in enumerate(labels) if key in _halves(label) or _names(key, label)]
    return meant[0] if len(meant) == 1 else None


def _halves(label: str) -> tuple[str, ...]:
    """A label that begins with a face ("🙂 Good"): the face and the words, each folded."""
    face, _, words = label.partition(" ")
    if not words or any(ch.isalnum() for ch in face):
        return ()
    return fold(face), fold(words)


def _names(key: str, label: str) -> bool:
    """Does a typed time or number (``key``, folded) name this label?"""
    clock = CLOCK.fullmatch(label.strip())
    if clock is not None:
        time = TIME_PATTERN.match(key)
        return time is not None and (int(time["h"]), int(time["m"] or 0)) == (int(clock[1]), int(clock[2]))
    number = TYPED_NUMBER.fullmatch(key)
    return number is not None and _carries(label, int(number[1]))


def _carries(label: str, number: int) -> bool:
    """A number in a label, or within a range of it; a time in it ("Berlin (08:00)") carries none."""
    text = CLOCK.sub(" ", label)
    if any(int(low) <= number <= int(high) for low, high in RANGE.findall(text)):
        return True
    return any(int(digits) == number for digits in re.findall(r"\d+", text))


def read_location(event: Inbound) -> dict[str, float] | Refusal:
    if not isinstance(event, Location):
        return wrong_kind_hint(event, "location")
    if not (-90 <= event.latitude <= 90 and -180 <= event.longitude <= 180):
        return Refusal(N_("That location does not look right. Please share it again."))
    # Coarse on purpose: about a kilometre, never a street address.
    return {"lat": round(event.latitude, 2), "lon": round(event.longitude, 2)}


def as_json(value: object) -> Any:
    """What an answer looks like in the stored state."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
