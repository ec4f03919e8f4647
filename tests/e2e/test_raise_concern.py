"""Raising a concern through both adapters: /concern or the button under /help, what it is about,
how urgent, anything more; who reads it is said first, a concern about the mentor never reaches
the mentor, and a learner's safety concern shows the help lines at once."""

from __future__ import annotations

from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import Concern
from tests.journeys import begin_mentoring


async def concerns(sim: Simulation) -> list[Concern]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Concern).order_by(Concern.id))).scalars())


async def test_a_learners_urgent_safety_concern_shows_the_help_lines_at_once(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()

    help_message = (await sim.send(learner, "/help"))[-1]
    assert help_message.buttons == [["I need help"], [f"Message {mentor.title()}"]]
    asked = (await sim.press(learner, "^I need help$"))[-1]
    assert "What is it about?" in asked.text
    assert asked.buttons[0] == ["Safety, or someone is hurting me"] and len(asked.buttons) == 6
    # The help lines at once, in the learner's language; no "how urgent?": safety always is.
    replies = await sim.press(learner, "^Safety, or someone is hurting me$")
    lines = next(r.text for r in replies if "116 111" in r.text)
    assert "right now" in lines and "112" in lines and "116 111" in lines and "0800 111 0 111" in lines
    assert "Nummer gegen Kummer" in lines and "24/7" in lines
    assert "A coordinator of the programme will read this." in sim.bot_texts(learner)[-1]
    replies = await sim.send(learner, "My uncle hits me when I come home late")
    thanks = replies[-1].text
    assert thanks == "Thank you for telling us. A coordinator will get back to you soon."

    group = "\n".join(sim.bot_texts("coordinators", mark))
    assert "My uncle hits me" in group
    assert not [t for t in sim.bot_texts(mentor, mark) if "uncle" in t or "concern" in t.casefold()]
    (concern,) = await concerns(sim)
    assert (concern.kind, concern.severity, concern.pair_id, concern.about_mentor) == (
        "safety",
        "urgent",
        pair.id,
        False,
    )
    assert concern.subject_id == concern.raised_by == pair.learner_id


async def test_a_concern_about_the_mentor_is_read_by_a_coordinator_only(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()

    await sim.send(learner, "/concern")
    await sim.press(learner, "^A problem with my mentor$")
    told = (await sim.press(learner, "^This week$"))[-1]
    assert "A coordinator will read this – not your mentor." in told.text
    assert told.buttons == [["Skip"]]

    # A sticker is not an answer: the hint, and the question again.
    reply = (await sim.sticker(learner, "😶"))[-1].text
    assert "Nice sticker!" in reply and "not your mentor" in reply
    await sim.voice(learner, 25)
    thanks = sim.bot_texts(learner)[-1]
    assert thanks == "Thank you for telling us. A coordinator will get back to you soon."
    assert not [t for t in sim.bot_texts(learner, mark) if "116 111" in t]  # not a safety concern

    assert sim.bot_texts("coordinators", mark)
    assert not [e for e in sim.transcript(mentor, mark) if e.sender == "bot"]
    (concern,) = await concerns(sim)
    assert (concern.kind, concern.severity, concern.about_mentor) == ("mentor", "high", True)
    assert concern.voice_file_id and concern.text is None and concern.pair_id == pair.id


async def test_a_mentor_says_their_learner_is_not_showing_up(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()

    assert (await sim.send(mentor, "/help"))[-1].buttons == [["I'm worried"], [f"Message {learner.title()}"]]
    asked = (await sim.press(mentor, "^I'm worried$"))[-1]
    assert [row[0] for row in asked.buttons] == [
        "Worried about my learner's safety",
        "My learner is not showing up",
        "A conflict",
        "Something else",
    ]
    await sim.press(mentor, "^My learner is not showing up$")
    told = (await sim.press(mentor, "^It can wait$"))[-1].text
    assert "A coordinator of the programme will read this." in told and "not your mentor" not in told
    await sim.send(mentor, "Three Tuesdays in a row nobody came to the library")
    thanks, back = sim.bot_texts(mentor)[-2:]
    assert thanks == "Thank you for telling us. A coordinator will get back to you soon."
    # The weekly time they were asked for before the worry is not lost: it comes back.
    assert back.startswith("Back to where we were:") and "suggest a regular weekly time" in back

    assert "nobody came to the library" in "\n".join(sim.bot_texts("coordinators", mark))
    assert not [t for t in sim.bot_texts(learner, mark) if "library" in t]
    (concern,) = await concerns(sim)
    assert (concern.kind, concern.severity, concern.about_mentor) == ("no_show", "normal", False)
    assert (concern.subject_id, concern.pair_id, concern.raised_by) == (
        pair.learner_id,
        pair.id,
        pair.mentor_id,
    )


async def test_coordinators_and_strangers_get_one_line(cohort: Simulation) -> None:
    sim = cohort
    assert (await sim.send("carla", "/help"))[-1].buttons == []
    (reply,) = await sim.send("carla", "/concern")
    assert "alerts in the coordinators' group" in reply.text and not reply.buttons
    sim.add_user("zoe", "Zoe", language_code="en")
    (reply,) = await sim.send("zoe", "/concern")
    assert "for the learners and mentors" in reply.text
    assert not await concerns(sim)
