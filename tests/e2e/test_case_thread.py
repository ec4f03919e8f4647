"""A thread on a case, through both adapters and in German and French: "Contact the learner" asks the
learner for an answer; their words or voice note join the case (the alert's log, the coordinator's
chat with the alert's buttons), "Contact the learner" again goes on with the same thread, and a
reply never opens a new concern. A reply to a case resolved meanwhile still reaches the
coordinator, and the learner's words never reach a log line; /concern instead of an answer raises
a concern as before."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.emulator import Entry
from bot.i18n import Translator, shipped_locales
from bot.simulation import Simulation
from storage.models import CaseEntry, Concern
from tests.journeys import begin_mentoring

ASK = "Your answer to {writer_name} – write it, or send a voice note:"
HINT = "Just answer here: your answer goes only to the programme's coordinators."
THANKS = "Thank you! Your answer has reached the coordinators."
REPLY = "Reply from {name} on concern #{id}:\n\n{reply}"
VOICE = "Reply from {name} on concern #{id}: a voice note (below)."
WORDS = {  # Carla's question, the learner's answer, Carla again
    "de": ("Können wir morgen um 10 telefonieren?", "Ja, um 10 passt.", "Gut, dann rufe ich dich an."),
    "fr": ("Est-ce qu’on peut s’appeler demain à 10 h ?", "Oui, 10 h me va.", "Parfait, je t’appelle."),
}


def reads(language: str, msgid: str, **fields: object) -> str:
    """A text as the person reads it in their language; translated, not left in English."""
    text = Translator(language, ZoneInfo("Europe/Berlin"))(msgid, **fields)
    assert text != msgid.format(**fields), f"not translated into {language}: {msgid!r}"
    return text


async def speak(sim: Simulation, who: str, language: str) -> None:
    await sim.send(who, "/language")
    await sim.press_option(who, shipped_locales().index(language))


async def mentor_raises_a_concern(sim: Simulation, mentor: str) -> None:
    await sim.send(mentor, "/concern")
    await sim.press(mentor, "^My learner is not showing up$")
    await sim.press(mentor, "^This week$")
    await sim.send(mentor, "Missed twice, no answer on the phone")


async def contact(sim: Simulation, message: str, *, on: Entry | None = None) -> None:
    """Carla presses "Contact the learner" (on the group's alert, or on a message in her chat) and writes."""
    if on is None:
        await sim.press("carla", "^Contact the learner$", chat="coordinators")
    else:
        await sim.press_data(
            "carla", on.message_id, next(d for r in on.data for d in r if d and d.endswith(":contact"))
        )
    await sim.send("carla", message)


async def count_concerns(sim: Simulation) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(Concern))).scalar_one())


async def case_log(sim: Simulation) -> list[CaseEntry]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(CaseEntry).order_by(CaseEntry.id))).scalars())


def newest(sim: Simulation, chat: str, since: int, kind: str = "text") -> Entry:
    return [e for e in sim.transcript(chat, since) if e.sender == "bot" and e.kind == kind][-1]


@pytest.mark.parametrize("language", ["de", "fr"])
async def test_the_learner_answers_in_the_chat_and_the_thread_goes_on(
    cohort: Simulation, language: str
) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    name = learner.title()
    for who in (learner, "carla"):
        await speak(sim, who, language)
    await mentor_raises_a_concern(sim, mentor)
    mark = sim.last_seq()
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    question, answer, again = WORDS[language]

    # Carla writes; the learner gets her message, then the question for an answer.
    await contact(sim, question)
    assert sim.bot_texts("carla")[-1].startswith(
        reads(
            language, "Sent to {name}. Their answer will come to you here and into the case log.", name=name
        )
    )
    message, asked = sim.bot_texts(learner, mark)[-2:]
    assert question in message and message.endswith(reads(language, HINT)) and "/concern" not in message
    assert message.startswith(
        reads(
            language,
            "A message from {name}, coordinator of {programme}:",
            name="Carla",
            programme=sim.tandem.dispatcher.rules.name_in(language),
        )
    )
    assert asked == reads(language, ASK, writer_name="Carla")

    # Her natural reply reaches the case: the group's alert, and Carla's chat with the alert's buttons.
    before = sim.last_seq()
    assert [r.text for r in await sim.send(learner, answer)] == [reads(language, THANKS)]
    assert f"{name} replied: {answer}" in sim.current_texts("coordinators", mark)[0]
    private = newest(sim, "carla", before)
    assert private.text == reads(language, REPLY, name=name, id=1, reply=answer)
    assert len(private.buttons) == 2 and any(d and d.endswith(":contact") for r in private.data for d in r)
    assert not [t for t in sim.bot_texts(mentor, mark) if answer in t]

    # "Contact the learner" on that reply goes on with the same thread; this time a voice note.
    await contact(sim, again, on=private)
    assert sim.bot_texts(learner)[-1] == reads(language, ASK, writer_name="Carla")
    before = sim.last_seq()
    await sim.voice(learner, 7)
    assert sim.bot_texts(learner)[-1] == reads(language, THANKS)
    spoken = [e for e in sim.transcript(learner, before) if e.sender != "bot" and e.kind == "voice"][-1]
    note = sim.emulator.message(spoken.chat_id, spoken.message_id)
    assert note is not None
    file_id = note.json["voice"]["file_id"]
    assert newest(sim, "carla", before).text == reads(language, VOICE, name=name, id=1)
    for chat in ("carla", "coordinators"):  # the voice note itself, passed on
        passed = newest(sim, chat, before, "voice")
        assert (passed.file_id, passed.text) == (file_id, "#1")
    assert f"{name} replied: 🎤 a voice note" in sim.current_texts("coordinators", mark)[0]

    # One case, its thread in the log; no new concern. /case 1 plays the voice note again.
    assert await count_concerns(sim) == 1
    log = await case_log(sim)
    assert [e.action for e in log] == [
        "raised",
        "acknowledged",
        "contacted",
        "replied",
        "contacted",
        "replied",
    ]
    assert (log[3].note, log[3].voice_file_id, log[5].note, log[5].voice_file_id) == (
        answer,
        None,
        None,
        file_id,
    )
    before = sim.last_seq()
    await sim.send("carla", "/case 1")
    assert newest(sim, "carla", before, "voice").file_id == file_id

    # The question was for one answer: what the learner writes next is not taken as another.
    await sim.send(learner, "Bis morgen!")
    assert await count_concerns(sim) == 1 and len(await case_log(sim)) == 6


async def test_a_reply_to_a_case_resolved_meanwhile_still_reaches_the_coordinator(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort
    caplog.set_level(logging.DEBUG)
    _, learner, mentor = await begin_mentoring(sim)
    await mentor_raises_a_concern(sim, mentor)
    mark = sim.last_seq()
    await contact(sim, "Can we talk tomorrow at 10?")
    await sim.press("carla", "^Resolve$", chat="coordinators")
    await sim.press("carla", "^Talked it through$", chat="coordinators")

    before = sim.last_seq()
    assert [r.text for r in await sim.send(learner, "Yes, 10 works for me")] == [THANKS]
    private = newest(sim, "carla", before)
    assert private.text == (
        REPLY.format(name=learner.title(), id=1, reply="Yes, 10 works for me")
        + "\n\nConcern #1 was resolved in the meantime; the reply is in its log (/case 1)."
    )
    assert private.buttons == []  # a resolved case takes no presses
    alert = sim.current_texts("coordinators", mark)[0]
    assert "resolved" in alert and "replied: Yes, 10 works for me" in alert
    assert [e.action for e in await case_log(sim)][-2:] == ["resolved", "replied"]
    assert await count_concerns(sim) == 1
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.concerns.get(1) or Concern()).status == "resolved"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "10 works" not in logged and "talk tomorrow" not in logged


async def test_concern_instead_of_an_answer_raises_a_concern_as_before(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await mentor_raises_a_concern(sim, mentor)
    await contact(sim, "How are you doing?")
    assert sim.bot_texts(learner)[-1] == ASK.format(writer_name="Carla")

    await sim.send(learner, "/concern")
    await sim.press(learner, "^Money or housing$")
    await sim.press(learner, "^It can wait$")
    await sim.send(learner, "I may lose my room")
    thanks, back = sim.bot_texts(learner)[-2:]
    assert thanks == "Thank you for telling us. A coordinator will get back to you soon."
    # The coordinator's question was set aside, not lost: it comes back after the concern.
    assert back == "Back to where we were:\n\n" + ASK.format(writer_name="Carla")
    assert await count_concerns(sim) == 2
    assert "replied" not in [e.action for e in await case_log(sim)]
