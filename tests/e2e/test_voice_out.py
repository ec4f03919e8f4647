"""A learner's voice note reaches another chat as a voice note, through the whole way out: the
context, the outbox row (encoded and decoded again), the postman, each adapter, the emulator."""

from __future__ import annotations

from bot.events import SendVoice, decode, encode
from bot.simulation import Simulation


async def test_a_voice_note_is_passed_on_to_another_chat(sim: Simulation) -> None:
    sim.add_user("aylin", "Aylin", language_code="en")
    sim.add_user("peter", "Peter", language_code="en")
    await sim.send("aylin", "/start")
    await sim.send("peter", "/start")
    await sim.voice("aylin", 12)
    heard = [e for e in sim.transcript("aylin") if e.kind == "voice"][-1]
    message = sim.emulator.message(heard.chat_id, heard.message_id)
    assert message is not None
    file_id = message.json["voice"]["file_id"]

    async with sim.tandem.db.unit_of_work() as uow:
        aylin = await uow.people.by_telegram_id(sim.users["aylin"])
        peter = await uow.people.by_telegram_id(sim.users["peter"])
        assert aylin is not None and peter is not None
        ctx = sim.tandem.dispatcher._context(uow, aylin, aylin.chat_id)
        await ctx.about(peter).send_voice(file_id, "Aylin's note for you")
        await ctx.write_outbox()
    assert await sim.tandem.dispatcher.postman.sweep(everything=True) == 1  # read back from the outbox row

    passed = sim.transcript("peter")[-1]
    assert (passed.sender, passed.kind, passed.file_id, passed.text) == (
        "bot",
        "voice",
        file_id,
        "Aylin's note for you",
    )
    sent = sim.emulator.message(passed.chat_id, passed.message_id)
    assert sent is not None and sent.json["voice"]["duration"] == 12


def test_a_stored_voice_action_reads_back_the_same() -> None:
    action = SendVoice(chat_id=5, file_id="EMUVO000001abc", caption="Hi")
    row, content = encode(action)
    assert content is None and row["type"] == "send_voice"
    assert decode(5, row, content) == action
