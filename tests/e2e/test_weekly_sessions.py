"""Weekly sessions through both adapters: a slot agreed after the first meeting, confirmations and
reminders at the local time across the end of March (daylight saving), a cancellation, and each
person's own answer to "did you meet?"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import Session
from tests.journeys import agree_tuesdays, begin_mentoring, last_file, speaks, until

BERLIN = ZoneInfo("Europe/Berlin")


async def test_a_weekly_slot_becomes_sessions_with_confirmations_and_reminders(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)

    # The regular slot: Tuesdays at 17:00, agreed by the learner.
    assert "regular weekly time" in sim.bot_texts(mentor)[-1]
    planned = await agree_tuesdays(sim, learner, mentor)
    assert "suggests meeting every week: Tuesdays at 17:00" in "\n".join(sim.bot_texts(learner))
    assert "Agreed: Tuesdays at 17:00" in sim.bot_texts(mentor)[-1]
    await sim.press(learner, "^Add to calendar$")
    weekly = Calendar.from_ical(last_file(sim, learner, "tandem-weekly-"))
    event = next(iter(weekly.walk("VEVENT")))
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and str(event["UID"]) == f"pair-{pair.id}-weekly@tandem"
    starts = event.decoded("DTSTART")
    assert (starts.hour, starts.minute, str(starts.tzinfo)) == (17, 0, "Europe/Berlin")  # the wall clock
    local = [s.starts_at.astimezone(BERLIN) for s in planned]
    assert len(planned) == 4 and all((t.weekday(), t.hour, t.minute) == (1, 17, 0) for t in local)
    # 17:00 stays 17:00 in Berlin after the clocks change on the last Sunday of March.
    assert {s.starts_at.hour for s in planned} == {16, 15}
    first, second = planned[0], planned[1]

    # Two days before: "still on?" to both; the learner cancels this week; the mentor hears at once.
    await until(sim, first.starts_at - timedelta(hours=47))
    assert "Still on with" in sim.bot_texts(learner)[-1] and "Still on with" in sim.bot_texts(mentor)[-1]
    await sim.press(learner, "^Add to calendar$")
    one = next(iter(Calendar.from_ical(last_file(sim, learner, "tandem-session-")).walk("VEVENT")))
    assert str(one["STATUS"]) == "CONFIRMED"
    await sim.press(learner, "^Cancel this week$")
    assert "cannot make it this week" in sim.bot_texts(mentor)[-1]
    for who in (learner, mentor):  # the same UID, cancelled: a calendar that has it drops it
        cancelled = next(iter(Calendar.from_ical(last_file(sim, who, "tandem-session-")).walk("VEVENT")))
        assert str(cancelled["UID"]) == str(one["UID"]) and str(cancelled["STATUS"]) == "CANCELLED"
    mark = sim.last_seq()
    await until(sim, first.starts_at + timedelta(hours=4))
    assert not [
        t for t in sim.bot_texts(learner, mark) + sim.bot_texts(mentor, mark) if "reminder" in t.lower()
    ]

    # The next week: a reminder the day before and an hour before, then "did you meet?".
    await until(sim, second.starts_at - timedelta(hours=23))
    assert "A reminder: you meet" in sim.bot_texts(learner)[-1] and "17:00" in sim.bot_texts(learner)[-1]
    await until(sim, second.starts_at - timedelta(minutes=50))
    assert "In an hour you meet" in sim.bot_texts(mentor)[-1]
    await sim.press(mentor, "^Snooze 15 minutes$")
    assert sim.toasts(mentor)[-1] == "I will remind you again in 15 minutes."
    await until(sim, second.starts_at - timedelta(minutes=34))
    assert sim.bot_texts(mentor)[-1].startswith("Soon: you meet")
    await until(sim, second.starts_at + timedelta(hours=4))
    assert "Did you meet" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes, we met$")
    await sim.press(mentor, "^No, we didn't$")
    async with sim.tandem.db.unit_of_work() as uow:
        held = await uow.sessions.get(second.id)
        assert held is not None and (held.learner_met, held.mentor_met) == ("yes", "no")  # both kept
        assert len(await uow.sessions.upcoming(pair.id, sim.clock.now())) == 4  # planned ahead again
    listing = (await sim.send(learner, "/sessions"))[-1].text
    assert "Next sessions:" in listing and "cancelled" in listing and ": met" in listing
    card = (await sim.send("carla", "/pairs"))[-1].text  # what coordinators read about the pair
    assert "held 1 · missed 0 · cancelled 1 (0 late) · moved 0" in card
    assert "within 1 h (median)" in card  # asked 48 h before, cancelled 47 h before


async def test_a_holiday_week_is_skipped_and_two_missed_sessions_raise_a_signal(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    core = sim.tandem.dispatcher
    core.rules = core.rules.model_copy(update={"holidays": ("2026-03-16..2026-03-20",)})
    planned = await agree_tuesdays(sim, learner, mentor)
    assert [s.status for s in planned] == ["planned", "holiday", "planned", "planned"]
    mark = sim.last_seq()
    await until(sim, planned[2].starts_at + timedelta(days=3))  # nobody answers "did you meet?"
    texts = sim.bot_texts(learner, mark)
    assert sum("No session this week" in t for t in texts) == 1  # told once, not reminded
    assert not [t for t in texts if "A reminder" in t and "March 17" in t]
    group = sim.current_texts("coordinators", mark)  # the alert, as it reads now
    assert sum("missed two sessions in a row" in t for t in group) == 1  # the holiday does not count
    async with sim.tandem.db.unit_of_work() as uow:
        signals = await uow.signals.open()
        assert [(s.pair_id, s.kind) for s in signals] == [(pair.id, "missed_twice")]
    await until(sim, planned[3].starts_at + timedelta(days=3))  # a third missed: still one open signal
    assert sum("missed two sessions" in t for t in sim.current_texts("coordinators", mark)) == 1


async def test_moving_a_session_with_a_counter_proposal(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)
    first = planned[0]
    await until(sim, first.starts_at - timedelta(hours=47))
    await sim.press(mentor, "^Move it$")
    assert "To which day?" in sim.bot_texts(mentor)[-1]
    await sim.press_option(mentor, 0)  # the first of their usual days
    await sim.press_option(mentor, 0)
    assert "asks to move your session" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^No$")  # and suggests another time
    assert "will suggest another" in sim.bot_texts(mentor)[-1]
    await sim.press_option(learner, 1)
    await sim.press_option(learner, 1)
    await sim.press(mentor, "^Yes$")
    assert "Moved: your session is now" in sim.bot_texts(learner)[-2]
    async with sim.tandem.db.unit_of_work() as uow:
        moved = await uow.sessions.get(first.id)
        assert moved is not None and moved.starts_at != first.starts_at
        assert (moved.moves, moved.late_moves) == (1, 0)
    event = next(iter(Calendar.from_ical(last_file(sim, mentor, "tandem-session-")).walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == moved.starts_at
    mark = sim.last_seq()
    await until(sim, moved.starts_at - timedelta(hours=23))  # the reminder follows the new time
    assert any("A reminder" in text for text in sim.bot_texts(learner, mark))
    for person in (learner, mentor):  # both just agreed the new time: no second "still on?"
        assert not [t for t in sim.bot_texts(person, mark) if t.startswith("Still on")]


async def test_a_move_unanswered_is_asked_again_in_the_new_language_and_a_cancel_tells_the_asker(
    cohort: Simulation,
) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)
    second = planned[1]
    await until(sim, second.starts_at - timedelta(hours=47))
    await sim.press(mentor, "^Move it$")
    await sim.press_option(mentor, 0)
    await sim.press_option(mentor, 0)
    assert "asks to move your session of Tuesday" in sim.bot_texts(learner)[-1]

    # The learner switches to German first: the question comes back with its dates in German.
    await sim.send(learner, "/language")
    back = (await sim.press(learner, "^Deutsch$"))[-1].text
    assert back.startswith("Zurück zu dem, wo wir waren:") and "Dienstag" in back
    assert "Tuesday" not in back

    # Unanswered for a day: asked again, still in German.
    mark = sim.last_seq()
    await sim.advance(timedelta(days=1, minutes=1))
    (again,) = [t for t in sim.bot_texts(learner, mark) if t.startswith("Jemand wartet auf deine Antwort")]
    assert "Dienstag" in again

    # The learner stops the question: the mentor hears at once that the session stays.
    mark = sim.last_seq()
    await sim.send(learner, "/cancel")
    (told,) = sim.bot_texts(mentor, mark)
    assert told.startswith(
        f"{learner.title()} has not answered your request to move the session. It stays on"
    )
    async with sim.tandem.db.unit_of_work() as uow:
        kept = await uow.sessions.get(second.id)
        assert kept is not None and kept.starts_at == second.starts_at and kept.moves == 0


async def test_an_ended_pairs_session_buttons_do_nothing(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)
    await until(sim, planned[0].starts_at - timedelta(hours=47))
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "Moved away.")
    mark = sim.last_seq()
    await sim.press(learner, "^Cancel this week$")  # the "still on?" from before the pair ended
    assert sim.toasts(learner)[-1] == "This button is no longer active."
    assert not sim.bot_texts(mentor, mark)  # nobody is told about a week that no longer exists
    async with sim.tandem.db.unit_of_work() as uow:
        first = await uow.sessions.get(planned[0].id)
        assert first is not None and first.status == "planned"


async def test_the_learner_suggests_another_weekly_time_until_one_agrees(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    await sim.press(mentor, "^Tuesdays$")
    await sim.press(mentor, "^17:00$")
    await sim.press(mentor, "^a public place")
    offer = sim.transcript(learner)[-1]
    assert "suggests meeting every week: Tuesdays at 17:00" in offer.text
    assert offer.buttons == [["Yes", "No"], ["I'll suggest another time"]]

    # The learner suggests Thursdays at 18:30 online; the mentor asks for another once more.
    await sim.press(learner, "^I'll suggest another time$")
    assert "cannot make that time and will suggest another" in sim.bot_texts(mentor)[-1]
    assert "Which day do you suggest instead?" in sim.bot_texts(learner)[-1]
    for choice in ("^Thursdays$", "^18:30$", "^online$"):
        await sim.press(learner, choice)
    assert "suggests meeting every week: Thursdays at 18:30, online" in sim.bot_texts(mentor)[-1]
    await sim.press(mentor, "^No$")
    assert "cannot make that time. Please suggest another one." in "\n".join(sim.bot_texts(learner)[-2:])

    # Wednesdays at 19:00 online: the mentor agrees, and both hear the learner's time.
    for choice in ("^Wednesdays$", "^19:00$", "^online$"):
        await sim.press(learner, choice)
    await sim.press(mentor, "^Yes$")
    for who in (learner, mentor):
        assert "Agreed: Wednesdays at 19:00" in sim.bot_texts(who)[-1]
    await sim.press(mentor, "^Add to calendar$")
    assert "tandem-weekly-" in (sim.transcript(mentor)[-1].document or "")
    async with sim.tandem.db.unit_of_work() as uow:
        planned = list((await uow.session.execute(select(Session).order_by(Session.starts_at))).scalars())
        agreed = await uow.pairs.get(pair.id)
        assert agreed is not None and (agreed.slot_weekday, agreed.slot_time) == (2, "19:00")
    local = [s.starts_at.astimezone(BERLIN) for s in planned]
    assert len(planned) == 4 and all((t.weekday(), t.hour, t.minute) == (2, 19, 0) for t in local)
    assert {s.place for s in planned} == {"online"}

    # A button of the first round does nothing now.
    mark = sim.last_seq()
    await sim.press_data(learner, offer.message_id, str(offer.data[0][0]))
    assert sim.toasts(learner, mark) == ["This button is no longer active."]
    assert not sim.bot_texts(mentor, mark)
    async with sim.tandem.db.unit_of_work() as uow:
        assert len(list((await uow.session.execute(select(Session))).scalars())) == 4
        unchanged = await uow.pairs.get(pair.id)
        assert unchanged is not None and (unchanged.slot_weekday, unchanged.slot_time) == (2, "19:00")


async def test_a_weekly_time_left_unanswered_is_reported_like_the_first_meeting(cohort: Simulation) -> None:
    """The learner never answers the weekly time the mentor suggested: asked again after two
    days, then the mentor hears it and the coordinators get a case (it is a question of the
    pairing, of a pair that is running)."""
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    for choice in ("^Tuesdays$", "^17:00$", "^a public place"):
        await sim.press(mentor, choice)
    mark = sim.last_seq()
    await sim.advance(timedelta(days=4, minutes=10))
    assert "This pair no longer exists." not in sim.bot_texts(learner, mark)
    heard = sim.bot_texts(mentor, mark)
    assert f"{learner.title()} has not answered yet. The coordinators know and will follow up." in heard
    assert "the pairing is stuck" in "\n".join(sim.bot_texts("coordinators", mark))


@pytest.mark.parametrize(("typed", "locale"), [("Tue 17:30", "en"), ("Di 17.30", "de")])
async def test_a_weekly_slot_typed_in_one_message(cohort: Simulation, typed: str, locale: str) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await speaks(sim, mentor, locale)
    await sim.send(mentor, typed)  # the day and the time at once: no question about the time
    await sim.press_option(mentor, 1)  # online
    assert "suggests meeting every week: Tuesdays at 17:30, online" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes$")
    assert "Agreed: Tuesdays at 17:30" in sim.bot_texts(learner)[-1]


async def test_an_unreadable_typed_slot_gets_the_question_again_with_an_example(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    for hint, send in (
        ("for example: Tue 17:30", sim.send(mentor, "tomorrowish")),
        ("between 6:00 and 22:00", sim.send(mentor, "Tue 23:00")),
        ("Nice sticker!", sim.sticker(mentor, "👍")),
    ):
        reply = (await send)[-1]
        assert hint in reply.text and "regular weekly time" in reply.text
        assert ["Mondays", "Tuesdays"] in reply.buttons
    assert not sim.bot_texts(learner, mark)
    await sim.press(mentor, "^Tuesdays$")  # the buttons still work
    assert sim.bot_texts(mentor)[-1] == "At what time?"


async def test_a_session_moved_to_a_typed_day_and_time(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    first = (await agree_tuesdays(sim, learner, mentor))[0]
    await until(sim, first.starts_at - timedelta(hours=47))
    await sim.press(mentor, "^Move it$")
    await sim.send(mentor, "Wed 18:15")
    assert "asks to move your session" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes$")
    async with sim.tandem.db.unit_of_work() as uow:
        moved = await uow.sessions.get(first.id)
        assert moved is not None
    local = moved.starts_at.astimezone(BERLIN)
    assert (local.weekday(), local.hour, local.minute) == (2, 18, 15)
    assert timedelta(0) < moved.starts_at - sim.clock.now() <= timedelta(days=8)


@pytest.mark.parametrize(
    ("locale", "passed"),
    [("en", "has already passed, so your session stays on"), ("de", "ist schon vorbei, also bleibt")],
)
async def test_a_move_agreed_after_its_new_time_is_refused(
    cohort: Simulation, locale: str, passed: str
) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    first = (await agree_tuesdays(sim, learner, mentor))[0]
    await speaks(sim, learner, locale)
    await until(sim, first.starts_at - timedelta(hours=47))
    await sim.press(mentor, "^Move it$")
    await sim.press_option(mentor, 0)  # the next day, the first of their usual days
    await sim.press_option(mentor, 0)  # at 17:00: a day before the session
    question = [e for e in sim.transcript(learner) if e.sender == "bot"][-1]
    await until(sim, first.starts_at - timedelta(hours=22))  # the suggested time went by unanswered

    mark = sim.last_seq()
    await sim.press_data(learner, question.message_id, question.data[0][0])  # "Yes", too late
    texts = sim.bot_texts(learner, mark)
    assert passed in texts[-2], texts  # and what to do instead: the day of a new suggestion
    assert sim.transcript(learner)[-1].data  # its buttons
    assert "cannot make that time and will suggest another" in sim.bot_texts(mentor, mark)[-1]
    await sim.advance(timedelta(minutes=5))
    for who in (learner, mentor):  # no reminders of a time gone by, no "moved"
        assert not [t for t in sim.bot_texts(who, mark) if "In an hour" in t or "Moved:" in t]
        assert not [t for t in sim.bot_texts(who, mark) if "In einer Stunde" in t or "Verschoben" in t]
    async with sim.tandem.db.unit_of_work() as uow:
        kept = await uow.sessions.get(first.id)
        assert kept is not None and (kept.starts_at, kept.moves) == (first.starts_at, 0)
        person = await uow.people.by_telegram_id(sim.users[learner])
        assert person is not None
        state = await uow.flows.of(person.id)
        assert state is not None and state.flow == "session_move"
