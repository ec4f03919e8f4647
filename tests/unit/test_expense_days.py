"""The day of a claim as a mentor types it, in the customs of the programme's region: slashes are
read month first only where the region writes the month first (the United States); dots are always
day first; a date without a year is the last such day up to today."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator
from conversations.expenses import BAD_DAY, check_day, typed_day
from conversations.inputs import Refusal

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def reader(language: str, region: str, zone: str) -> Any:
    """What ``typed_day`` reads of a context: the reader's customs, the clock, the programme's zone."""
    return SimpleNamespace(t=Translator(language, ZoneInfo(zone), region), now=NOW, programme_zone=zone)


@pytest.mark.parametrize(
    ("typed", "in_germany", "in_the_us"),
    [
        ("1/2/2026", date(2026, 2, 1), date(2026, 1, 2)),
        ("1.2.2026", date(2026, 2, 1), date(2026, 2, 1)),
        ("01.02.26", date(2026, 2, 1), date(2026, 2, 1)),
        ("2026-02-01", date(2026, 2, 1), date(2026, 2, 1)),
        ("27.2.", date(2026, 2, 27), date(2026, 2, 27)),
        ("24.12", date(2025, 12, 24), date(2025, 12, 24)),  # this year's is still to come
    ],
)
def test_dates_as_the_region_writes_them(typed: str, in_germany: date, in_the_us: date) -> None:
    assert typed_day(reader("en", "DE", "Europe/Berlin"), typed) == in_germany
    assert typed_day(reader("en", "US", "America/New_York"), typed) == in_the_us


@pytest.mark.parametrize("typed", ["yesterday-ish", "31.2.2026", "13/13/2026", "1.2.3.4", ""])
def test_what_is_not_a_day(typed: str) -> None:
    assert isinstance(typed_day(reader("de", "DE", "Europe/Berlin"), typed), Refusal)


def test_a_day_to_come_or_over_a_year_ago_is_refused() -> None:
    ctx = reader("en", "DE", "Europe/Berlin")
    assert check_day(ctx, date(2026, 3, 3)) == BAD_DAY
    assert check_day(ctx, "2025-03-01") == BAD_DAY
    assert check_day(ctx, "2025-03-02") is None
    assert check_day(ctx, date(2026, 3, 2)) is None
