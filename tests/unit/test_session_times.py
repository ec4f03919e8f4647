"""When a session's messages fall due: the same local time a day or two before, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.sessions.planning import days_before

BERLIN = "Europe/Berlin"


def test_still_on_comes_at_the_sessions_local_time_two_days_before_across_october() -> None:
    monday = datetime(2026, 10, 26, 16, 30, tzinfo=UTC)  # 17:30 CET, the day after the change
    assert days_before(monday, 2, BERLIN) == datetime(2026, 10, 24, 15, 30, tzinfo=UTC)  # 17:30 CEST
    assert days_before(monday, 1, BERLIN) == datetime(2026, 10, 25, 16, 30, tzinfo=UTC)  # 17:30 CET


def test_and_across_march() -> None:
    monday = datetime(2026, 3, 30, 15, 30, tzinfo=UTC)  # 17:30 CEST, the day after the change
    assert days_before(monday, 2, BERLIN) == datetime(2026, 3, 28, 16, 30, tzinfo=UTC)  # 17:30 CET
    assert days_before(monday, 1, BERLIN) == datetime(2026, 3, 29, 15, 30, tzinfo=UTC)  # 17:30 CEST


def test_without_a_change_it_is_plain_days() -> None:
    tuesday = datetime(2026, 6, 9, 15, 30, tzinfo=UTC)
    assert days_before(tuesday, 2, BERLIN) == datetime(2026, 6, 7, 15, 30, tzinfo=UTC)
