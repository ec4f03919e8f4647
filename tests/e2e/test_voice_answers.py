"""Voice notes as answers where words are asked, through both adapters: a check-in comment and a
shared reflection reach the mentor as voice notes, by the file id Telegram gave them; no phrase
list can screen them, so the comment reaches a coordinator as a case to listen to (the reflection,
which coordinators do not read, does not); the monthly pair check's note and a concern carry
theirs to the coordinators; /mydata lists them; a name must be words, and a voice note there gets
the usual answer.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.admin import run_admin
from bot.services.phrase_screening import UNSCREENED
from bot.simulation import Simulation
from storage.models import CaseEntry, CheckIn, Concern, MentorNote, Reflection
from tests.journeys import YES, agree_tuesdays, begin_mentoring, delete_my_data, last_file, until


async def rows(sim: Simulation, model: type) -> list:  # type: ignore[type-arg]
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(model).order_by(model.id))).scalars())  # type: ignore[attr-defined]


def voices(sim: Simulation, chat: str, sender: str) -> list[tuple[str | None, str | None]]:
    """The voice notes in a chat, from the bot or from the person: (file id, caption)."""
    found = []
    for entry in sim.transcript(chat):
        if entry.kind != "voice" or (entry.sender == "bot") != (sender == "bot"):
            continue
        message = sim.emulator.message(entry.chat_id, entry.message_id)
        assert message is not None
        found.append((str(message.json["voice"]["file_id"]), entry.text))
    return found


async def check_in_up_to_the_comment(sim: Simulation, learner: str) -> None:
    await sim.send(learner, "🙂")
    if "Which of these matter" in sim.bot_texts(learner)[-1]:
        await sim.press(learner, "^Vocational school$")
        await sim.press(learner, "^Done$")
    while "going?" in sim.bot_texts(learner)[-1]:
        await sim.press(learner, "^Good$")
    assert "Anything you want Peter to know?" in sim.bot_texts(learner)[-1]


async def test_voice_answers_reach_the_mentor_and_a_coordinator_listens(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    sessions = await agree_tuesdays(sim, learner, mentor)
    await until(sim, sessions[0].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    mark = sim.last_seq()

    # The check-in's comment, spoken; then the reflection that rides along, spoken and shared.
    await check_in_up_to_the_comment(sim, learner)
    await sim.voice(learner, 7)
    assert "A question just for you" in sim.bot_texts(learner)[-1]
    reply = (await sim.photo(learner, "workshop.jpg"))[-1].text  # a voice note or words, not this
    assert reply.startswith("I can take words or a voice note here, but not this.")
    assert "A question just for you" in reply
    await sim.voice(learner, 12)
    await sim.press(learner, "^Share with my mentor$")
    assert sim.bot_texts(learner)[-1].startswith("Saved and shared with ")
    comment_id, reflection_id = [file_id for file_id, _ in voices(sim, learner, "person")]

    # The mentor hears both, by the same file ids, each with a short label.
    heard = voices(sim, mentor, "bot")
    assert [file_id for file_id, _ in heard] == [comment_id, reflection_id]
    assert "sent you a voice note with this week's check-in" in (heard[0][1] or "")
    assert "shared a reflection with you:" in (heard[1][1] or "")

    # Nothing could screen the check-in's comment, which coordinators may read: a case for them, the
    # voice note played there. The reflection is for her mentor only, as she was told: not there.
    (concern,) = [c for c in await rows(sim, Concern) if c.kind == UNSCREENED]
    assert (concern.severity, concern.pair_id, concern.voice_file_id) == ("normal", pair.id, comment_id)
    logged = [e.voice_file_id for e in await rows(sim, CaseEntry) if e.concern_id == concern.id]
    assert reflection_id not in logged
    label = f"#{concern.id}"
    assert voices(sim, "coordinators", "bot") == [(comment_id, label)]
    alert = next(t for t in sim.current_texts("coordinators") if f"#{concern.id}" in t and "What:" in t)
    assert "What: a voice note no phrase list can screen" in alert
    assert "Not screened: a voice note in a check-in comment. Please listen to it." in alert
    assert "shared reflection" not in alert
    assert not [t for t in sim.bot_texts(learner, mark) if "coordinator" in t.lower()]

    # Stored by file id, never downloaded; /mydata says so.
    (check_in,) = [c for c in await rows(sim, CheckIn) if c.answered_at is not None]
    (spoken,) = await rows(sim, Reflection)
    assert (check_in.voice_file_id, check_in.comment) == (comment_id, None)
    assert (spoken.voice_file_id, spoken.text, spoken.shared) == (reflection_id, None, True)
    await sim.send(learner, "/mydata")
    data = json.loads(last_file(sim, learner, "my-data"))
    assert [c["voice_note"] for c in data["check_ins"] if c.get("voice_note")] == [True]
    assert [r["voice_note"] for r in data["reflections"]] == [True]

    # Erasing her data removes every file id of hers: her rows go, the case keeps none.
    await delete_my_data(sim, learner)
    (kept,) = [c for c in await rows(sim, Concern) if c.kind == UNSCREENED]
    assert kept.voice_file_id is None
    assert not [e.voice_file_id for e in await rows(sim, CaseEntry) if e.voice_file_id]
    assert not await rows(sim, CheckIn) and not await rows(sim, Reflection)


async def test_a_spoken_note_to_the_monthly_pair_check_reaches_the_coordinators(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    sessions = await agree_tuesdays(sim, learner, mentor)
    await until(sim, sessions[0].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await check_in_up_to_the_comment(sim, learner)
    await sim.press(learner, "^Skip$")
    await sim.send(learner, "A fine week")  # the reflection riding along
    await sim.press(learner, "^Keep it private$")
    await until(sim, sessions[1].starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await check_in_up_to_the_comment(sim, learner)
    await sim.press(learner, "^Skip$")
    assert "how is it going with your mentor" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "Not well$")
    await sim.voice(learner, 9)
    (spoken,) = [file_id for file_id, _ in voices(sim, learner, "person")]
    (concern,) = [c for c in await rows(sim, Concern) if c.kind == "pair_check"]
    assert (concern.voice_file_id, concern.text, concern.about_mentor) == (spoken, None, True)
    assert concern.pair_id == pair.id
    assert (spoken, f"#{concern.id}") in voices(sim, "coordinators", "bot")
    assert not voices(sim, mentor, "bot")  # about the mentor: never theirs to hear


async def test_a_voice_concern_reaches_the_coordinators_as_a_voice_note(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, _mentor = await begin_mentoring(sim)
    await sim.send(learner, "/concern")
    await sim.press(learner, "^Trouble at work or school$")
    await sim.press(learner, "^It can wait$")
    await sim.voice(learner, 20)
    assert sim.bot_texts(learner)[-1] == "Thank you for telling us. A coordinator will get back to you soon."
    (spoken,) = [file_id for file_id, _ in voices(sim, learner, "person")]
    (concern,) = await rows(sim, Concern)
    assert concern.voice_file_id == spoken and concern.pair_id == pair.id
    assert voices(sim, "coordinators", "bot") == [(spoken, f"#{concern.id}")]
    alert = next(t for t in sim.current_texts("coordinators") if f"#{concern.id}" in t and "What:" in t)
    assert "🎤 A voice note came with it (sent below)." in alert


async def test_a_voice_note_where_a_name_is_asked_gets_the_usual_answer(sim: Simulation) -> None:
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user("lea", "Lea", language_code="en")
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    link = (await sim.send("carla", "/invite learner"))[-1].text
    await sim.send("lea", "/start " + link.rsplit("start=", 1)[1])
    await sim.press_option("lea", YES)  # consent
    await sim.press_option("lea", 1)  # 16-17
    reply = (await sim.voice("lea", 3))[-1].text
    assert reply.startswith("I can't use a file or a voice note here.")
    assert "What should I call you?" in reply
    await sim.send("lea", "Lea")
    assert "Which language should I use with you?" in sim.bot_texts("lea")[-1]


async def test_a_mentors_spoken_note_reaches_the_coordinators_as_a_voice_note(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)
    await until(sim, planned[0].starts_at + timedelta(hours=4))
    learner_mark = sim.last_seq()
    await sim.press(mentor, "^Yes, we met$")
    await sim.press(mentor, "^Exams$")
    await sim.press(mentor, "^Done$")
    await sim.press(mentor, "^🙂 Good$")
    assert "Anything the coordinators should know?" in sim.bot_texts(mentor)[-1]
    await sim.voice(mentor, 15)
    await sim.press(mentor, "^All fine$")
    assert sim.bot_texts(mentor)[-1] == "Thank you for your note."
    (spoken,) = [file_id for file_id, _ in voices(sim, mentor, "person")]
    ((heard, caption),) = voices(sim, "coordinators", "bot")
    assert heard == spoken and (caption or "").startswith("Note from ") and (caption or "").endswith(": 🎤")
    assert not voices(sim, learner, "bot") and not [
        t for t in sim.bot_texts(learner, learner_mark) if "Note" in t
    ]
    async with sim.tandem.db.unit_of_work() as uow:
        (note,) = (await uow.session.execute(select(MentorNote))).scalars()
        assert (note.voice_file_id, note.note, note.pair_id) == (spoken, None, pair.id)
    await sim.send(mentor, "/mydata")
    data = json.loads(last_file(sim, mentor, "my-data"))
    assert [n["voice_note"] for n in data["notes_you_wrote"]] == [True]
