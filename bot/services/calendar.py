"""Calendar files for sessions (icalendar): one session, or the pair's weekly slot as a
recurring event in the programme's time zone. The same UID each time, so a calendar updates the
event it has (moved, cancelled) instead of adding another."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

LENGTH = timedelta(hours=1)
PRODUCT = "-//Tandem//Mentoring sessions//EN"


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@tandem"


def weekly_uid(pair_id: int) -> str:
    return f"pair-{pair_id}-weekly@tandem"


def event_file(
    uid: str,
    starts: datetime,
    zone: str,
    summary: str,
    location: str,
    *,
    stamp: datetime,
    weekly: bool = False,
    cancelled: bool = False,
    sequence: int = 0,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    local = starts.astimezone(ZoneInfo(zone))  # local wall clock: a weekly event keeps 17:30 at 17:30
    event.add("dtstart", local)
    event.add("dtend", local + LENGTH)
    event.add("summary", summary)
    event.add("location", location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if weekly:
        event.add("rrule", {"freq": "weekly"})
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
