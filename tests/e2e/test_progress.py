"""/progress through both adapters: the learner's own chart and their choice to share it, the mentor
refused until they do, a coordinator's list of learners (every view audited), forged presses refused,
and the weeks the chart is drawn from."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import matplotlib.image
from sqlalchemy import select

from bot.emulator.state import Entry
from bot.simulation import Simulation
from conversations.progress import weeks_of
from storage.models import CheckIn, Pair, Person, Session
from tests.journeys import agree_tuesdays, begin_mentoring, until

BERLIN = ZoneInfo("Europe/Berlin")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def last_photo(sim: Simulation, who: str) -> Entry:
    return [e for e in sim.transcript(who) if e.sender == "bot" and e.kind == "photo"][-1]


def photos(sim: Simulation, who: str, since_seq: int = 0) -> list[Entry]:
    return [e for e in sim.transcript(who, since_seq) if e.sender == "bot" and e.kind == "photo"]


def png_of(sim: Simulation, entry: Entry) -> bytes:
    message = sim.emulator.message(entry.chat_id, entry.message_id)
    assert message is not None
    return bytes(sim.emulator.state.files[message.json["photo"][-1]["file_id"]].content)


def assert_chart(png: bytes) -> None:
    assert png[:8] == PNG_SIGNATURE
    pixels = matplotlib.image.imread(BytesIO(png), format="png")
    assert pixels.shape[:2] == (800, 1200)


async def person(sim: Simulation, who: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[who])
        assert found is not None
        return found


async def add_checkins(
    sim: Simulation, pair: Pair, rows: list[tuple[datetime, int | None, dict[str, str]]]
) -> None:
    """Check-ins as the check-in conversation stores them: answered with a motivation, or missed."""
    async with sim.tandem.db.unit_of_work() as uow:
        for asked_at, motivation, areas in rows:
            answered = motivation is not None
            uow.session.add(
                CheckIn(
                    person_id=pair.learner_id,
                    pair_id=pair.id,
                    session_id=None,
                    asked_at=asked_at,
                    answered_at=asked_at + timedelta(hours=2) if answered else None,
                    status="answered" if answered else "missed",
                    motivation=motivation,
                    areas=areas,
                    goals={},
                    comment=None,
                    voice_file_id=None,
                )
            )


async def test_the_learner_sees_their_chart_and_chooses_whether_the_mentor_does(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    name = learner.title()
    now = sim.clock.now()
    await add_checkins(
        sim,
        pair,
        [
            (now - timedelta(days=21), 4, {"work": "good", "school": "soso"}),
            (now - timedelta(days=14), None, {}),
            (now - timedelta(days=7), 2, {"work": "bad", "money": "soso"}),
        ],
    )

    # Not shared yet: the mentor is told so, with where the learner can change it.
    replies = await sim.send(mentor, "/progress")
    assert [r.kind for r in replies] == ["text"]
    assert replies[0].text.startswith(f"{name} has not shared their progress with you.")

    # The learner's own chart: a 1200 x 800 PNG, with the choice to share it under it.
    replies = await sim.send(learner, "/progress")
    chart = last_photo(sim, learner)
    assert [r.kind for r in replies] == ["photo"] and chart.buttons == [[f"Share with {mentor.title()}"]]
    assert "week by week" in chart.text
    assert_chart(png_of(sim, chart))

    await sim.press(learner, f"^Share with {mentor.title()}$")
    assert sim.toasts(learner)[-1] == "Your mentor can now see your progress."
    assert sim.transcript(learner)[-1].buttons == [["Stop sharing"]]  # the same photo, its button swapped
    assert f"{name} shared their progress with you" in sim.bot_texts(mentor)[-1]
    await sim.send(mentor, "/progress")
    seen = last_photo(sim, mentor)
    assert f"How things are going for {name}" in seen.text and seen.buttons == []
    assert png_of(sim, seen) == png_of(sim, chart)  # the same weeks, the same picture

    # Stopped again: the mentor is refused again.
    await sim.press(learner, "^Stop sharing$")
    assert sim.toasts(learner)[-1] == "Your mentor no longer sees your progress."
    mark = sim.last_seq()
    replies = await sim.send(mentor, "/progress")
    assert replies[0].text.startswith(f"{name} has not shared") and not photos(sim, mentor, mark)

    # The mentor's press of their own learner's button (what a mentor of several learners is
    # offered) shows what /progress shows: nothing, while it is not shared.
    mark = sim.last_seq()
    await sim.press_data(mentor, 999, f"pg1:{pair.learner_id}")
    assert sim.bot_texts(mentor, mark)[-1].startswith(f"{name} has not shared") and not photos(
        sim, mentor, mark
    )

    # Forged presses: the mentor can neither share for the learner nor open a coordinator's view
    # of someone else; nor can the learner.
    for who, data in (
        (mentor, "pg1:share"),
        (mentor, f"pg1:{pair.mentor_id}"),
        (learner, f"pg1:{pair.learner_id}"),
    ):
        mark = sim.last_seq()
        await sim.press_data(who, 999, data)
        assert sim.toasts(who, mark) == ["This button is not for you."]
        assert not photos(sim, who, mark)
    assert not (await person(sim, learner)).profile.get("share_progress")
    await sim.press_data(learner, 999, "pg1:nonsense")
    assert sim.toasts(learner)[-1] == "This button is no longer active."


async def test_a_coordinator_picks_a_learner_and_every_view_is_audited(cohort: Simulation) -> None:
    sim = cohort
    replies = await sim.send("carla", "/progress")
    assert replies[-1].text == "No pair is meeting yet, so there is no progress to show."
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    await add_checkins(sim, pair, [(sim.clock.now() - timedelta(days=7), 3, {"health": "good"})])

    replies = await sim.send("carla", "/progress")
    assert replies[-1].text == "Whose progress would you like to see?"
    assert replies[-1].buttons == [[f"{learner.title()} (with {mentor.title()})"]]
    await sim.press("carla", f"^{learner.title()} ")
    chart = last_photo(sim, "carla")
    assert f"How things are going for {learner.title()}" in chart.text
    assert_chart(png_of(sim, chart))
    await sim.press("carla", f"^{learner.title()} ")
    async with sim.tandem.db.unit_of_work() as uow:
        carla = await uow.people.by_telegram_id(sim.users["carla"])
        entries = [e for e in await uow.audit.about(pair.learner_id) if e.action == "progress_viewed"]
        assert carla is not None and [e.actor_id for e in entries] == [carla.id, carla.id]

    # A button for someone who is not a learner (a forged id) shows nothing.
    mark = sim.last_seq()
    await sim.press_data("carla", 999, f"pg1:{pair.mentor_id}")
    await sim.press_data("carla", 999, "pg1:share")
    assert sim.toasts("carla", mark) == ["This button is no longer active.", "This button is not for you."]
    assert not photos(sim, "carla", mark)


async def test_a_learner_without_check_ins_still_gets_a_chart_and_others_a_clear_answer(
    cohort: Simulation,
) -> None:
    sim = cohort
    replies = await sim.send("tom", "/progress")
    assert [r.kind for r in replies] == ["photo"]
    assert_chart(png_of(sim, replies[0]))
    replies = await sim.send("peter", "/progress")
    assert replies[-1].text == "You have no learner yet, so there is no progress to show."
    sim.add_user("zoe", "Zoe", language_code="en")
    await sim.send("zoe", "/start")
    replies = await sim.send("zoe", "/progress")
    assert replies[-1].text == "Progress pictures are for the learners and mentors of the programme."


async def test_the_weeks_come_from_check_ins_and_past_sessions(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)
    first, second, third = planned[:3]
    await until(sim, third.starts_at + timedelta(hours=1))
    async with sim.tandem.db.unit_of_work() as uow:  # the first held, the second: nobody answered
        held = await uow.sessions.get(first.id)
        assert held is not None
        held.learner_met = held.mentor_met = "yes"
        for session in (await uow.session.execute(select(Session))).scalars():
            if session.id not in (first.id, second.id, third.id):
                assert session.starts_at > sim.clock.now()  # still ahead: not drawn
    await add_checkins(
        sim,
        pair,
        [
            (first.starts_at + timedelta(hours=3), 4, {"work": "good"}),
            (second.starts_at + timedelta(hours=3), None, {}),
            (third.starts_at + timedelta(minutes=30), 3, {"school": "bad"}),
        ],
    )
    async with sim.tandem.db.unit_of_work() as uow:
        learner_person = await uow.people.get(pair.learner_id)
        assert learner_person is not None
        ctx = sim.tandem.dispatcher._context(uow, learner_person, learner_person.chat_id)
        weeks = await weeks_of(ctx, learner_person)

    def monday(moment: datetime) -> date:
        day = moment.astimezone(BERLIN).date()
        return day - timedelta(days=day.weekday())

    assert [(w.starts, w.motivation, dict(w.areas), w.session) for w in weeks] == [
        (monday(first.starts_at), 4, {"work": "good"}, "held"),
        (monday(second.starts_at), None, {}, "missed"),
        (monday(third.starts_at), 3, {"school": "bad"}, None),  # an hour ago: they may still answer
    ]
