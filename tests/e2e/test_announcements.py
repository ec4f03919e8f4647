"""Announcements through both adapters: a coordinator writes to all mentors, reads a preview with
the number of people and their languages, confirms, and each mentor gets the words in their own
language's frame within the window (bulk: jobs with a window); a mentor who paused gets nothing, one
who blocked Tandem counts as out of reach, and the report says so. "No" sends nothing; a cohort
with nobody in it sends nothing; a learner who tries /announce is refused and nothing is sent."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.simulation import Simulation
from conversations.announce import COPY_JOB
from storage.models import DueJob, Person
from tests.journeys import speaks, until

WORDS = "The summer party is on 3 July at the youth centre, 17:00.\nBring a friend!"  # lines kept


async def set_person(sim: Simulation, who: str, **values: object) -> None:
    async with sim.tandem.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Person).where(Person.telegram_user_id == sim.users[who]).values(**values)
        )


async def test_an_announcement_reaches_the_mentors_in_their_language_and_is_reported(
    cohort: Simulation,
) -> None:
    sim = cohort
    await speaks(sim, "amira", "de")
    await set_person(sim, "peter", paused_at=sim.clock.now())
    mark = sim.last_seq()

    await sim.send("carla", "/announce")
    assert "Who is the announcement for?" in sim.bot_texts("carla")[-1]
    await sim.press("carla", "^All mentors$")
    assert "Write the announcement" in sim.bot_texts("carla")[-1]
    preview = (await sim.send("carla", WORDS))[-1]
    assert "This goes to 2 people (all mentors), who read English 1, Deutsch 1" in preview.text
    rules = sim.tandem.dispatcher.rules
    assert f"📣 From {rules.name_in('en')}:\n\n{WORDS}" in preview.text
    assert f"📣 Von {rules.name_in('de')}:" in preview.text  # the German frame, with the German name
    assert not sim.bot_texts("amira", mark) and not sim.bot_texts("lena", mark)  # nothing before yes

    await sim.press("carla", "^Yes$")
    assert "Sent to 2 people (all mentors)" in sim.bot_texts("carla")[-1]
    await until(sim, sim.clock.now() + timedelta(minutes=2))
    assert f"📣 Von Tandem-Beispielprogramm:\n\n{WORDS}" in sim.bot_texts("amira", mark)
    assert not [t for t in sim.bot_texts("peter", mark) if WORDS in t]  # paused
    for learner in ("lena", "tom"):
        assert not [t for t in sim.bot_texts(learner, mark) if WORDS in t]

    # The report, once the window has closed: one sent, one paused, none out of reach.
    await until(sim, sim.clock.now() + timedelta(hours=6, minutes=10))
    reported = sim.bot_texts("carla")[-1]
    assert reported == (
        "Your announcement to all mentors: delivered to 1; not sent to 1 who paused Tandem; "
        "out of reach (blocked Tandem or left): 0."
    )


async def test_a_blocked_recipient_counts_as_out_of_reach(cohort: Simulation) -> None:
    sim = cohort
    await sim.block("tom")
    await sim.send("carla", "/announce")
    await sim.press("carla", "^All learners$")
    await sim.send("carla", WORDS)
    await sim.press("carla", "^Yes$")
    assert "Sent to 2 people (all learners)" in sim.bot_texts("carla")[-1]
    await until(sim, sim.clock.now() + timedelta(hours=6, minutes=10))
    assert any(WORDS in t for t in sim.bot_texts("lena"))
    assert "delivered to 1; not sent to 0 who paused" in sim.bot_texts("carla")[-1]
    assert "out of reach (blocked Tandem or left): 1." in sim.bot_texts("carla")[-1]


async def test_no_sends_nothing_and_others_are_refused(cohort: Simulation) -> None:
    sim = cohort
    mark = sim.last_seq()
    await sim.send("carla", "/announce")
    await sim.press("carla", "^Everyone$")
    assert "This goes to 4 people (everyone in the programme)" in (await sim.send("carla", WORDS))[-1].text
    await sim.press("carla", "^No$")
    assert sim.bot_texts("carla")[-1] == "Nothing was sent."

    # A cohort nobody is in: nothing to confirm.
    await sim.send("carla", "/announce")
    await sim.press("carla", "^One cohort$")
    assert "Which cohort?" in sim.bot_texts("carla")[-1]
    await sim.send("carla", "2031 night class")
    await sim.send("carla", WORDS)
    assert "there is nobody in the cohort 2031 night class. Nothing was sent." in sim.bot_texts("carla")[-1]

    # A learner (and a mentor) may not announce: refused, and nothing reaches anyone.
    assert "Only coordinators can use this command." in (await sim.send("lena", "/announce"))[-1].text
    assert "Only coordinators can use this command." in (await sim.send("peter", "/announce"))[-1].text
    await until(sim, sim.clock.now() + timedelta(hours=7))
    for who in ("lena", "tom", "peter", "amira"):
        assert not [t for t in sim.bot_texts(who, mark) if WORDS in t]


async def test_a_cohort_announcement_reaches_only_that_cohort(cohort: Simulation) -> None:
    sim = cohort
    await set_person(sim, "lena", cohort="2026 autumn")
    await set_person(sim, "amira", cohort="2026 autumn")
    mark = sim.last_seq()
    await sim.send("carla", "/announce")
    await sim.press("carla", "^One cohort$")
    assert "The programme's cohorts: 2026 autumn" in sim.bot_texts("carla")[-1]
    await sim.send("carla", "2026 AUTUMN")  # as typed
    preview = (await sim.send("carla", WORDS))[-1].text
    assert "This goes to 2 people (the cohort 2026 autumn)" in preview
    await sim.press("carla", "^Yes$")
    await until(sim, sim.clock.now() + timedelta(minutes=5))
    assert any(WORDS in t for t in sim.bot_texts("lena", mark))
    assert any(WORDS in t for t in sim.bot_texts("amira", mark))
    assert not [t for t in sim.bot_texts("tom", mark) + sim.bot_texts("peter", mark) if WORDS in t]


async def test_in_quiet_hours_the_copies_wait_for_the_morning(cohort: Simulation) -> None:
    sim = cohort
    d = sim.tandem.dispatcher
    zone = ZoneInfo(d.rules.timezone or d.settings.timezone)
    local = sim.clock.now().astimezone(zone)
    evening = local.replace(hour=22, minute=30, second=0, microsecond=0)
    await until(sim, evening if evening > local else evening + timedelta(days=1))
    mark = sim.last_seq()
    await sim.send("carla", "/announce")
    await sim.press("carla", "^All learners$")
    await sim.send("carla", WORDS)
    await sim.press("carla", "^Yes$")
    assert "(in a person's quiet hours, from 07:00 their time)" in sim.bot_texts("carla")[-1]
    await until(sim, sim.clock.now() + timedelta(hours=8, minutes=20))  # 06:50
    assert not [t for t in sim.bot_texts("lena", mark) + sim.bot_texts("tom", mark) if WORDS in t]
    await until(sim, sim.clock.now() + timedelta(minutes=20))  # 07:10, the programme's quiet hours over
    assert any(WORDS in t for t in sim.bot_texts("lena", mark))
    assert any(WORDS in t for t in sim.bot_texts("tom", mark))


async def test_a_copy_whose_job_failed_does_not_hold_the_report_for_ever(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("carla", "/announce")
    await sim.press("carla", "^All learners$")
    await sim.send("carla", WORDS)
    await sim.press("carla", "^Yes$")
    async with sim.tandem.db.unit_of_work() as uow:  # Tom's copy failed five times: given up
        tom = await uow.people.by_telegram_id(sim.users["tom"])
        assert tom is not None
        jobs = (await uow.session.execute(select(DueJob).where(DueJob.kind == COPY_JOB))).scalars()
        for job in jobs:
            if job.payload["person_id"] == tom.id:
                job.status = "failed"
    await until(sim, sim.clock.now() + timedelta(hours=12))
    assert not [t for t in sim.bot_texts("carla") if t.startswith("Your announcement")], "it waits a while"
    await until(sim, sim.clock.now() + timedelta(days=1))
    assert sim.bot_texts("carla")[-1] == (
        "Your announcement to all learners: delivered to 1; not sent to 0 who paused Tandem; "
        "out of reach (blocked Tandem or left): 1."
    )
