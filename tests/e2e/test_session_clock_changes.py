"""Weekly sessions across the clock changes, through both adapters: a slot of Tuesdays at 17:30
agreed early in October (or early in March), then week by week what each person sees. The
confirmation two days before, the reminder the day before and the one an hour before arrive at
the same local wall-clock time before and after the last Sunday of October (CEST UTC+2 to CET
UTC+1) and of March (CET to CEST): their UTC time shifts by an hour, their texts keep 17:30; the
.ics files say 17:30 in Europe/Berlin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from bot.admin import run_admin
from bot.emulator import Limits
from bot.emulator.state import Entry
from bot.simulation import Simulation
from storage.models import Pair, Session
from tests.journeys import apply_as_mentor, last_file, make_ready, onboard_learner, until

BERLIN = ZoneInfo("Europe/Berlin")
# Mondays, a few weeks before the clocks change (the first meeting is the next day).
OCTOBER = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
END_OF_SUMMER_TIME = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET
START_OF_SUMMER_TIME = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
AT_1730 = re.compile(r"\b17:30\b")  # English in a German programme: 24-hour times


@asynccontextmanager
async def pair_of_two(framework: str, start: datetime) -> AsyncIterator[Simulation]:
    """Lena (a learner) and Peter (a ready mentor), both free on weekday evenings, and Carla."""
    sim = Simulation(framework=framework, start=start, limits=Limits(enabled=False))  # type: ignore[arg-type]
    for key in ("carla", "lena", "peter"):
        sim.add_user(key, key.title(), language_code="en")
    group = sim.add_group("coordinators", "Coordinators", ["carla"])
    sim.configure(coordinator_chat_id=group)
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        link = (await sim.send("carla", "/invite learner"))[-1].text
        await onboard_learner(sim, "lena", link.rsplit("start=", 1)[1], name="Lena", language="en")
        await apply_as_mentor(sim, "peter", name="Peter", evenings=True)
        await make_ready(sim, "carla", "peter", "Peter")
        yield sim
    finally:
        await sim.stop()


async def agree_tuesdays_at_1730(sim: Simulation) -> tuple[Pair, list[Session]]:
    """/match, the first meeting the next evening, both go on, and Tuesdays at 17:30 agreed."""
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    for _ in range(3):  # the first meeting: the first day offered (tomorrow), 17:00, a public place
        await sim.press_option("peter", 0)
    await sim.press("lena", "^Yes$")
    async with sim.tandem.db.unit_of_work() as uow:
        pair = (await uow.session.execute(select(Pair))).scalars().one()
    assert pair.first_meeting_at is not None
    await until(sim, pair.first_meeting_at + timedelta(hours=3))
    await sim.press("lena", "^Yes, let's go on$")
    await sim.press("peter", "^Yes, let's go on$")
    await sim.press("peter", "^Tuesdays$")
    await sim.press("peter", "^17:30$")
    await sim.press("peter", "^a public place")
    assert "suggests meeting every week: Tuesdays at 17:30" in sim.bot_texts("lena")[-1]
    await sim.press("lena", "^Yes$")
    for who in ("lena", "peter"):
        assert "Agreed: Tuesdays at 17:30" in sim.bot_texts(who)[-1]
    async with sim.tandem.db.unit_of_work() as uow:
        sessions = (await uow.session.execute(select(Session).order_by(Session.starts_at))).scalars().all()
    return pair, list(sessions)


def arrived(sim: Simulation, who: str, since: int, start_of_text: str) -> Entry:
    """The one message starting with ``start_of_text`` the person got since ``since``."""
    found = [
        e
        for e in sim.transcript(who, since)
        if e.sender == "bot" and (e.text or "").startswith(start_of_text)
    ]
    assert len(found) == 1, f"{who}: {[e.text for e in sim.transcript(who, since)]}"
    return found[0]


def wall_clock(entry: Entry) -> tuple[date, time]:
    local = entry.t.astimezone(BERLIN)
    return local.date(), local.time().replace(second=0, microsecond=0)


async def walk_a_week(sim: Simulation, session: Session, ics: str | None = None) -> dict[str, datetime]:
    """The week of one session, as both see it: "still on?", the day before, the hour before, and
    "did you meet?" afterwards. Returns when each arrived (the same for both people) and, if
    someone (``ics``) pressed "Add to calendar" under "still on?", the .ics's DTSTART."""
    starts = session.starts_at
    local_day = starts.astimezone(BERLIN).date()
    long_date = f"{local_day.day} {local_day:%B} {local_day.year}"  # "27 October 2026"
    seen: dict[str, datetime] = {}
    for kind, before, opening in (
        ("confirm", timedelta(hours=48), "Still on with"),
        ("day", timedelta(hours=24), "A reminder: you meet"),
        ("hour", timedelta(hours=1), "In an hour you meet"),
    ):
        mark = sim.last_seq()
        await until(sim, starts - before)
        for who, partner in (("lena", "Peter"), ("peter", "Lena")):
            entry = arrived(sim, who, mark, opening)
            assert partner in entry.text
            # At the local time of the session (17:30), or an hour before it (16:30), that day.
            expected_time = time(16, 30) if kind == "hour" else time(17, 30)
            assert wall_clock(entry) == ((starts - before).astimezone(BERLIN).date(), expected_time)
            if kind != "hour":  # the text names the session's day and its local time
                assert long_date in entry.text and AT_1730.search(entry.text), entry.text
            seen[kind] = entry.t
        if kind == "confirm" and ics is not None:
            seen["ics"] = await one_session_ics(sim, ics)
    mark = sim.last_seq()
    await until(sim, starts + timedelta(hours=3))
    for who in ("lena", "peter"):
        assert long_date in arrived(sim, who, mark, "Did you meet").text
        await sim.press(who, "^Yes, we met$")
    return seen


async def one_session_ics(sim: Simulation, who: str) -> datetime:
    """Press "Add to calendar" under the newest message that has it: the .ics's DTSTART, 17:30 local."""
    await sim.press(who, "^Add to calendar$")
    event = next(iter(Calendar.from_ical(last_file(sim, who, "tandem-session-")).walk("VEVENT")))
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    starts: datetime = event.decoded("DTSTART")
    assert str(starts.tzinfo) == "Europe/Berlin" and (starts.hour, starts.minute) == (17, 30)
    return starts


async def test_october_sessions_keep_1730_when_summer_time_ends(framework: str) -> None:
    async with pair_of_two(framework, OCTOBER) as sim:
        pair, planned = await agree_tuesdays_at_1730(sim)
        days = [s.starts_at.astimezone(BERLIN) for s in planned]
        assert [(d.month, d.day) for d in days] == [(10, 13), (10, 20), (10, 27), (11, 3)]
        assert all(d.time() == time(17, 30) for d in days)
        assert [s.starts_at.astimezone(UTC).hour for s in planned] == [15, 15, 16, 16]

        # The weekly .ics from the "Agreed" message: 17:30 in Berlin, every week, with the zone's
        # rules (summer and winter time) for the calendar to keep 17:30 across the change.
        await sim.press("lena", "^Add to calendar$")
        weekly = Calendar.from_ical(last_file(sim, "lena", "tandem-weekly-"))
        event = next(iter(weekly.walk("VEVENT")))
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event["RRULE"]["FREQ"] == ["WEEKLY"]
        starts = event.decoded("DTSTART")
        assert str(starts.tzinfo) == "Europe/Berlin"
        assert (starts.date(), starts.hour, starts.minute) == (date(2026, 10, 13), 17, 30)
        zone = next(iter(weekly.walk("VTIMEZONE")))
        assert str(zone["TZID"]) == "Europe/Berlin"
        offsets = {(c.name, c.decoded("TZOFFSETTO")) for c in zone.subcomponents}
        assert {("DAYLIGHT", timedelta(hours=2)), ("STANDARD", timedelta(hours=1))} <= offsets

        # Week by week: two sessions in summer time, two in winter time.
        times = [await walk_a_week(sim, session) for session in planned[:2]]
        assert sim.clock.now() < END_OF_SUMMER_TIME
        times += [await walk_a_week(sim, planned[2], ics="lena"), await walk_a_week(sim, planned[3])]
        # "Still on?" for the 27th came on the Sunday afternoon, after the change; that session's
        # own .ics says 17:30 in Berlin, that is 16:30 UTC.
        assert times[2]["confirm"] > END_OF_SUMMER_TIME
        single = times[2].pop("ics")
        assert single.date() == date(2026, 10, 27)
        assert single.astimezone(UTC) == datetime(2026, 10, 27, 16, 30, tzinfo=UTC)
        utc = [{kind: (t.astimezone(UTC).hour, t.minute) for kind, t in week.items()} for week in times]
        summer = {"confirm": (15, 30), "day": (15, 30), "hour": (14, 30)}  # 17:30 / 16:30 CEST
        winter = {"confirm": (16, 30), "day": (16, 30), "hour": (15, 30)}  # 17:30 / 16:30 CET
        assert utc == [summer, summer, winter, winter]

        async with sim.tandem.db.unit_of_work() as uow:  # planned ahead: still Tuesdays at 17:30
            ahead = await uow.sessions.upcoming(pair.id, sim.clock.now())
        assert ahead and all(
            (s.starts_at.astimezone(BERLIN).weekday(), s.starts_at.astimezone(BERLIN).time())
            == (1, time(17, 30))
            for s in ahead
        )


async def test_march_reminders_keep_their_local_time_when_summer_time_starts(framework: str) -> None:
    """test_weekly_sessions checks the sessions' UTC hours in March; here the messages' times."""
    async with pair_of_two(framework, MARCH) as sim:
        _, planned = await agree_tuesdays_at_1730(sim)
        assert [s.starts_at.astimezone(BERLIN).date().day for s in planned] == [10, 17, 24, 31]
        last_winter, first_summer = planned[2], planned[3]
        mark = sim.last_seq()
        await until(sim, last_winter.starts_at - timedelta(hours=49))  # weeks one and two: unanswered
        assert sum("Still on with" in t for t in sim.bot_texts("lena", mark)) == 2
        before = await walk_a_week(sim, last_winter, ics="peter")
        assert before.pop("ics").astimezone(UTC) == datetime(2026, 3, 24, 16, 30, tzinfo=UTC)
        after = await walk_a_week(sim, first_summer, ics="peter")
        assert after["confirm"] > START_OF_SUMMER_TIME
        assert after.pop("ics").astimezone(UTC) == datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
        as_utc = [{k: (t.astimezone(UTC).hour, t.minute) for k, t in w.items()} for w in (before, after)]
        assert as_utc == [
            {"confirm": (16, 30), "day": (16, 30), "hour": (15, 30)},  # 17:30 / 16:30 CET
            {"confirm": (15, 30), "day": (15, 30), "hour": (14, 30)},  # 17:30 / 16:30 CEST
        ]
