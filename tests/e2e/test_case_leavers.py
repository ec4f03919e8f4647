"""A case's deadlines belong to the case, not to a person, through both adapters: a learner who
raised an urgent concern and then deleted their data leaves an open case that still escalates
(and says it was raised by a person who has since left, not by Tandem); a coordinator who took a
case and then deleted their account sends it back to the queue: the group is told, the alert
offers Acknowledge again, and it escalates when nobody takes it. A coordinator who only wrote a
note on a case leaves its alert too: the note stays, by a person who has since left, and their
name goes from what others wrote there."""

from __future__ import annotations

from datetime import timedelta

from bot.simulation import Simulation
from tests.journeys import add_coordinator, begin_mentoring, delete_my_data, raise_urgent_about_the_mentor


def sent(sim: Simulation, chat: str, since: int) -> list[str]:
    """The bot's new messages in a chat (not its edits of older ones)."""
    return [e.text for e in sim.transcript(chat, since) if e.sender == "bot" and not e.edit]


def buttons_now(sim: Simulation, chat: str, text: str) -> list[str]:
    """The buttons a message (found by its current text) shows now."""
    for entry in sim.transcript(chat):
        message = sim.emulator.message(entry.chat_id, entry.message_id)
        if entry.sender == "bot" and message is not None and text in message.text:
            return [button.text for row in message.buttons for button in row]
    raise LookupError(text)


async def test_an_urgent_concern_escalates_after_its_author_deleted_their_data(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    mark = sim.last_seq()
    await raise_urgent_about_the_mentor(sim, learner, "He shouts at me when I am late")
    await delete_my_data(sim, learner)

    alert = sim.current_texts("coordinators", mark)[0]
    assert alert.startswith("🔴 Concern #1 · URGENT · open")
    assert "Raised by: a person who has since left" in alert and "Tandem (automatic)" not in alert
    assert "the person who raised it deleted their data" in alert

    # Nobody took it: half an hour on it reaches every coordinator, as any urgent case does.
    await sim.advance(timedelta(minutes=31))
    private = [t for t in sent(sim, "carla", mark) if t.startswith("🔴 Concern #1")]
    assert len(private) == 1 and "OVERDUE" in private[0]
    assert "OVERDUE" in sim.current_texts("coordinators", mark)[0]
    listing = (await sim.send("carla", "/cases"))[-1].text
    assert "#1 🔴" in listing and "open" in listing


async def test_a_case_whose_coordinator_left_goes_back_to_the_queue(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("dora", "Dora", language_code="en")
    await add_coordinator(sim, "dora")
    _, learner, _ = await begin_mentoring(sim)
    mark = sim.last_seq()
    await raise_urgent_about_the_mentor(sim, learner, "He shouts at me when I am late")
    await sim.send("dora", "/case 1")
    await sim.press("dora", "^Acknowledge$")
    assert "acknowledged by Dora" in sim.current_texts("coordinators", mark)[0]

    before = sim.last_seq()
    await delete_my_data(sim, "dora")
    told = sent(sim, "coordinators", before)
    assert told == ["🔴 Concern #1 is back in the queue: the coordinator who took it has left. /case 1"]
    alert = sim.current_texts("coordinators", mark)[0]
    assert alert.startswith("🔴 Concern #1 · URGENT · open")
    assert "the coordinator who took it deleted their data: back in the queue" in alert
    assert "Acknowledge" in buttons_now(sim, "coordinators", "Concern #1")

    # Back in the queue, its deadline runs again: nobody takes it, every coordinator is told.
    await sim.advance(timedelta(minutes=31))
    assert any(t.startswith("🔴 Concern #1") and "OVERDUE" in t for t in sent(sim, "carla", before))
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    assert "acknowledged by Carla" in sim.current_texts("coordinators", mark)[0]


async def test_a_coordinator_who_wrote_on_a_case_leaves_its_alert_and_log(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("dora", "Dora", language_code="en")
    await add_coordinator(sim, "dora")
    _, learner, _ = await begin_mentoring(sim)
    mark = sim.last_seq()
    await raise_urgent_about_the_mentor(sim, learner, "He shouts at me when I am late")
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    await sim.send("dora", "/case 1")  # Dora did not take it; she adds a note
    await sim.press("dora", "^Add note$")
    await sim.send("dora", "I know her school, I can call them")
    await sim.press("carla", "^Add note$", chat="coordinators")
    await sim.send("carla", "Dora calls her school on Monday")
    assert "note by Dora: I know her school" in sim.current_texts("coordinators", mark)[0]

    await delete_my_data(sim, "dora")
    alert = sim.current_texts("coordinators", mark)[0]
    assert "note by a person who has since left: I know her school, I can call them" in alert
    assert "note by Carla: – calls her school on Monday" in alert and "Dora" not in alert
    assert "Dora" not in "\n".join(sim.current_texts("carla"))  # her /case copy went with her chat
    case = (await sim.send("carla", "/case 1"))[-1].text
    assert "Dora" not in case and "acknowledged by Carla" in case
