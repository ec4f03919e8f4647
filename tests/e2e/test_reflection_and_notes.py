"""Reflection and mentor notes through both adapters: a reflection question the evening after a
check-in, answered in writing or by voice, private unless shared; /journal; the mentor's note
after a session, with a worry passed to the coordinators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.context import Context
from bot.simulation import Simulation
from conversations import reflection
from conversations.mentor_notes import start_note
from storage.models import DueJob, MentorNote, Reflection
from tests.journeys import (
    agree_tuesdays,
    answer_check_in,
    answer_what_rides_along,
    ask_now,
    begin_mentoring,
    until,
)

BERLIN = ZoneInfo("Europe/Berlin")


async def acting(sim: Simulation, key: str, action: Callable[[Context], Awaitable[None]]) -> None:
    """Run a piece of the core as one person, in one unit of work, and deliver what it said
    (what the lead's wiring does at the end of a check-in or a "did you meet?")."""
    core = sim.tandem.dispatcher
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[key])
        assert person is not None
        ctx = Context(
            uow=uow,
            clock=sim.clock,
            settings=core.settings,
            person=person,
            chat_id=person.chat_id,
            t=core.translator(person),
            rules=core.rules,
            flows=core.flows,
        )
        await action(ctx)
        await ctx.write_outbox()
    await core.postman.deliver(ctx.posted)


async def reflection_jobs(sim: Simulation) -> list[DueJob]:
    async with sim.tandem.db.unit_of_work() as uow:
        query = select(DueJob).where(DueJob.kind == reflection.JOB, DueJob.status == "pending")
        return list((await uow.session.execute(query)).scalars())


async def reflections(sim: Simulation) -> list[Reflection]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Reflection).order_by(Reflection.id))).scalars())


async def test_private_and_shared_reflections_and_the_journal(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    sessions = await agree_tuesdays(sim, learner, mentor)

    # The first check-in: the question rides along right after it, in the same sitting.
    await until(sim, sessions[0].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await answer_check_in(sim, learner)
    thanks, asked = sim.bot_texts(learner)[-2:]
    assert thanks == "Thank you! One more short question, then that's it for this week."
    assert "What went well this week?" in asked and "voice note" in asked

    # A sticker gets the question again; the private answer never reaches the mentor.
    reply = (await sim.sticker(learner, "👍"))[-1].text
    assert "Nice sticker!" in reply and "What went well this week?" in reply
    await sim.send(learner, "My welding practice went brilliantly")
    assert sim.transcript(learner)[-1].buttons == [["Keep it private"], ["Share with my mentor"]]
    await sim.press(learner, "^Keep it private$")
    assert sim.bot_texts(learner)[-1] == "Saved, just for you. /journal shows your reflections."
    assert not [t for t in sim.bot_texts(mentor) if "brilliantly" in t or "shared a reflection" in t]

    # Asked a week ago: no reflection with the next check-in (one every two weeks); the monthly
    # question about the mentoring, due in a few days, rides along instead.
    await until(sim, sessions[1].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await answer_check_in(sim, learner)
    assert sim.bot_texts(learner)[-2] == "Thank you! One more short question, then that's it for this week."
    assert await answer_what_rides_along(sim, learner) == ["monthly"]

    # Two weeks on, the next question of the set, shared: the mentor reads question and answer.
    await until(sim, sessions[2].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await answer_check_in(sim, learner)
    assert "What was hard this week?" in sim.bot_texts(learner)[-1]
    await sim.send(learner, "Getting up at five for the early shift")
    await sim.press(learner, "^Share with my mentor$")
    assert sim.bot_texts(learner)[-1].startswith("Saved and shared with ")
    shared = sim.bot_texts(mentor)[-1]
    assert "shared a reflection with you:" in shared
    assert "What was hard this week?" in shared and "Getting up at five" in shared
    assert not await reflection_jobs(sim)

    # A voice note answers too, and a shared one reaches the mentor as audio; too long a text
    # gets the question again. (A question postponed to a day with room for it.)
    await sim.advance(timedelta(days=1))
    await ask_now(sim, learner)
    reply = (await sim.send(learner, "x" * 1001))[-1].text
    assert "at most 1000 characters" in reply and "What did you learn this week?" in reply
    await sim.voice(learner, 12)
    await sim.press(learner, "^Share with my mentor$")
    stored = await reflections(sim)
    assert [r.question for r in stored] == [0, 1, 2]
    assert [r.shared for r in stored] == [False, True, True]
    assert stored[2].voice_file_id and stored[2].text is None and stored[2].answered_at is not None
    heard = sim.transcript(mentor)[-1]
    assert (heard.kind, heard.file_id) == ("voice", stored[2].voice_file_id)
    assert "shared a reflection with you:" in heard.text and "What did you learn this week?" in heard.text

    # /journal: newest first, each marked shared or private.
    journal = "\n".join(e.text for e in await sim.send(learner, "/journal"))
    order = [journal.index(f"What {q}") for q in ("did you learn", "was hard", "went well")]
    assert order == sorted(order)
    assert "🎤 voice note" in journal and "brilliantly" in journal
    assert journal.count("(private)") == 1 and journal.count("(shared with your mentor)") == 2
    assert "Your goals:" in journal
    assert "journal is for learners" in (await sim.send(mentor, "/journal"))[-1].text


async def test_no_reflection_question_while_paused(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    await sim.send(learner, "/pause")
    mark = sim.last_seq()
    await ask_now(sim, learner)
    assert not [t for t in sim.bot_texts(learner, mark) if "this week?" in t]
    assert not await reflections(sim)


async def test_a_mentor_note_with_a_worry_reaches_only_the_coordinators(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)

    async def note_about_first_session(ctx: Context) -> None:
        found = await ctx.uow.pairs.get(pair.id)
        assert found is not None
        await start_note(ctx, found, await ctx.uow.sessions.get(planned[0].id))

    # "Did you meet?" answered yes by the mentor: the short note follows at once.
    await until(sim, planned[0].starts_at + timedelta(hours=4))
    learner_mark = sim.last_seq()
    await sim.press(mentor, "^Yes, we met$")
    assert "What did you talk about?" in sim.bot_texts(mentor)[-1]
    await sim.press(mentor, "Goals$")
    await sim.press(mentor, "^Exams$")
    await sim.press(mentor, "^Done$")
    seemed = sim.transcript(mentor)[-1]
    faces = [["😞 Very low", "🙁 Low", "😐 Okay"], ["🙂 Good", "😄 Very good"]]  # each with a word
    assert "How did" in seemed.text and seemed.buttons == faces
    reply = (await sim.photo(mentor, "face.jpg"))[-1]
    assert "How did" in reply.text and reply.buttons == seemed.buttons  # a photo is not an answer
    await sim.press(mentor, "^🙂 Good$")
    reply = (await sim.sticker(mentor, "😬"))[-1].text
    assert "Nice sticker!" in reply and "never sees it" in reply
    await sim.send(mentor, "The rent for her flat went up and she is short of money")
    await sim.press(mentor, "^I am worried about something$")
    assert sim.bot_texts(mentor)[-1] == "Thank you. A coordinator will contact you soon."
    group = "\n".join(sim.bot_texts("coordinators", learner_mark))
    assert "Note from" in group and "short of money" in group and "is worried about" in group
    assert not [t for t in sim.bot_texts(learner, learner_mark) if "money" in t or "Note" in t]
    async with sim.tandem.db.unit_of_work() as uow:
        (note,) = (await uow.session.execute(select(MentorNote))).scalars()
        assert (note.topics, note.seemed, note.worried, note.session_id) == (
            ["goals", "exams"],
            4,
            True,
            planned[0].id,
        )
        assert [(s.pair_id, s.kind) for s in await uow.signals.open()] == [(pair.id, "mentor_worried")]

    # A quiet note (skipped, all fine): nothing for the group.
    mark = sim.last_seq()
    await acting(sim, mentor, note_about_first_session)
    await sim.press_option(mentor, -2)  # something else
    await sim.press(mentor, "^Done$")
    await sim.press_option(mentor, 2)
    await sim.press(mentor, "^Skip$")
    await sim.press(mentor, "^All fine$")
    assert sim.bot_texts(mentor)[-1] == "Thank you for your note."
    assert not sim.bot_texts("coordinators", mark)

    # A note finished after the pair ended is not stored.
    await acting(sim, mentor, note_about_first_session)
    await sim.press(mentor, "^Language$")
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "Moved away.")
    await sim.press(mentor, "^Done$")
    await sim.press_option(mentor, 0)
    await sim.press(mentor, "^Skip$")
    replies = await sim.press(mentor, "^All fine$")
    assert "This pair no longer exists." in [r.text for r in replies]  # then the closing survey
    async with sim.tandem.db.unit_of_work() as uow:
        assert len(list((await uow.session.execute(select(MentorNote))).scalars())) == 2
