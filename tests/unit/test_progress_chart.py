"""The /progress chart: a 1200 x 800 PNG of a learner's check-ins, every word from the catalogue."""

from __future__ import annotations

import datetime as dt
import struct
from io import BytesIO
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest

from bot.i18n import Translator
from bot.services import progress_chart
from bot.services.progress_chart import Week, labels, render
from bot.services.wellbeing import AREA_NAMES, RATINGS

BERLIN = ZoneInfo("Europe/Berlin")
ENGLISH = Translator("en", BERLIN)
GERMAN = Translator("de", BERLIN)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIRST_MONDAY = dt.date(2026, 1, 5)

# Twelve weeks: two check-ins unanswered, a week without a session, sessions missed, cancelled and on
# holiday, four of the six areas.
MOTIVATION = (3, 4, None, 2, 2, 3, None, 4, 5, 4, 3, 4)
SESSIONS = (
    *("held", "held", "missed", "held", None, "cancelled"),
    *("held", "holiday", "held", "missed", "held", "held"),
)
AREAS: tuple[dict[str, str], ...] = (
    {"work": "good", "school": "soso", "money": "bad"},
    {"work": "good", "school": "good"},
    {},
    {"work": "soso", "money": "bad", "health": "good"},
    {"work": "soso", "school": "soso", "money": "soso", "health": "good"},
    {"work": "bad"},
    {},
    {"work": "good", "school": "good", "money": "soso", "health": "soso"},
    {"work": "good", "school": "good", "money": "good", "health": "good"},
    {"work": "soso"},
    {"school": "bad", "money": "good"},
    {"work": "good", "school": "soso", "money": "good", "health": "good"},
)
TWELVE_WEEKS = [
    Week(FIRST_MONDAY + dt.timedelta(weeks=i), motivation, areas, session)
    for i, (motivation, areas, session) in enumerate(zip(MOTIVATION, AREAS, SESSIONS, strict=True))
]


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must have first."""
    assert png[:8] == PNG_SIGNATURE
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


@pytest.fixture(scope="module")
def english_chart() -> bytes:
    return render(TWELVE_WEEKS, ENGLISH, name="Aylin")


def test_twelve_weeks_of_check_ins_make_a_1200_by_800_png(english_chart: bytes) -> None:
    assert size_of(english_chart) == (1200, 800)
    pixels = matplotlib.image.imread(BytesIO(english_chart), format="png")
    assert pixels.shape[:2] == (800, 1200)
    assert pixels.std() > 0  # something was drawn


def test_the_same_check_ins_give_the_same_chart_in_any_order(english_chart: bytes) -> None:
    assert render(TWELVE_WEEKS[::-1], ENGLISH, name="Aylin") == english_chart


def test_no_check_ins_yet_is_still_a_chart() -> None:
    png = render([], ENGLISH, name="Aylin")
    assert size_of(png) == (1200, 800)
    assert matplotlib.image.imread(BytesIO(png), format="png").shape[:2] == (800, 1200)


def test_a_german_reader_gets_a_german_chart(english_chart: bytes) -> None:
    german = render(TWELVE_WEEKS, GERMAN, name="Aylin")
    assert size_of(german) == (1200, 800)
    assert german != english_chart


def test_every_label_is_the_catalogues_translation_of_its_message() -> None:
    expected = {
        "title": GERMAN(progress_chart.TITLE),
        "motivation": GERMAN(progress_chart.MOTIVATION),
        "how_it_goes": GERMAN(progress_chart.HOW_IT_GOES),
        "week_of": GERMAN(progress_chart.WEEK_OF),
        "held": GERMAN(progress_chart.HELD),
        "missed": GERMAN(progress_chart.MISSED),
        "off": GERMAN(progress_chart.OFF),
        "empty": GERMAN(progress_chart.EMPTY),
        **{f"area.{code}": GERMAN(name) for code, name in AREA_NAMES.items()},
        **{f"rating.{code}": GERMAN(label) for code, label, _ in RATINGS},
    }
    assert labels(GERMAN) == expected
    assert "{name}" in labels(GERMAN)["title"]  # render() fills it in


def test_the_check_in_words_are_translated_into_german() -> None:
    english, german = labels(ENGLISH), labels(GERMAN)
    words = [key for key in english if key.startswith(("area.", "rating."))]
    assert {key: german[key] for key in words if german[key] == english[key]} == {}
