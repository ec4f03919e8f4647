"""Alerts tell the truth and every copy agrees, through both adapters: one coordinator's
Acknowledge edits every copy (the group's, the overdue copies in each coordinator's chat, a /case
copy); the case log claims only what happened (no programme lead, no "sent to the lead"); an
urgent case nobody takes keeps escalating, every 30 minutes for three hours, then every three
hours; "Contact the learner" is offered only where the case is about a learner; a minor's alert
says so and shows the guardian's contact."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import bot
from bot.emulator import Entry
from bot.services.concerns import PREFIX as ALERT
from bot.simulation import Simulation
from storage.models import CaseEntry
from tests.journeys import (
    add_coordinator,
    begin_mentoring,
    cohort_simulation,
    delete_my_data,
    onboard_cohort,
    onboard_learner,
    raise_urgent_about_the_mentor,
    rows,
)

WORDS = "He shouts at me when I am late"


def copies(sim: Simulation, chat: str, number: int) -> list[Entry]:
    """Every message in a chat that is a copy of concern ``number``'s alert, as it reads now."""
    found = []
    for entry in sim.transcript(chat):
        message = sim.emulator.message(entry.chat_id, entry.message_id)
        if entry.sender == "bot" and not entry.edit and message is not None:
            if message.text.startswith(("🔴", "🟠", "🟡")) and f"Concern #{number} " in message.text:
                found.append(entry)
    return found


def now_reads(sim: Simulation, entry: Entry) -> tuple[str, list[str]]:
    message = sim.emulator.message(entry.chat_id, entry.message_id)
    assert message is not None
    return message.text, [button.text for row in message.buttons for button in row]


async def test_one_acknowledgement_edits_every_copy_of_the_alert(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("dora", "Dora", language_code="en")
    await add_coordinator(sim, "dora")
    _, learner, _ = await begin_mentoring(sim)
    await raise_urgent_about_the_mentor(sim, learner, WORDS)
    await sim.advance(timedelta(minutes=31))  # overdue: a copy in Carla's chat and in Dora's
    await sim.send("carla", "/case 1")  # and one more that Carla asked for
    everywhere = [copies(sim, chat, 1) for chat in ("coordinators", "carla", "dora")]
    assert [len(found) for found in everywhere] == [1, 2, 1]
    for found in everywhere:
        assert all("Acknowledge" in now_reads(sim, entry)[1] for entry in found)

    await sim.press("dora", "^Acknowledge$")  # on her overdue copy
    for found in everywhere:
        for entry in found:
            text, buttons = now_reads(sim, entry)
            assert "· acknowledged" in text and "acknowledged by Dora" in text, text
            assert buttons == ["Add note", "Resolve", "Contact the learner"]

    # Resolved from the group: no copy keeps a button.
    await sim.press("carla", "^Resolve$", chat="coordinators")
    await sim.press("carla", "^Talked it through$", chat="coordinators")
    for found in everywhere:
        assert all(now_reads(sim, entry)[1] == [] for entry in found)


async def test_an_urgent_case_nobody_takes_keeps_escalating_and_the_log_claims_only_what_happened(
    cohort: Simulation,
) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    await raise_urgent_about_the_mentor(sim, learner, WORDS)
    await sim.advance(timedelta(hours=2, minutes=1))
    assert len(copies(sim, "carla", 1)) == 4  # at 30, 60, 90 and 120 minutes
    alert = now_reads(sim, copies(sim, "coordinators", 1)[0])[0]
    assert "sent to the programme lead" not in alert  # none is configured: nothing was sent to one
    assert "overdue again: sent to every coordinator; no programme lead is set (×3)" in alert
    actions = [entry.action for entry in await rows(sim, CaseEntry)]
    assert actions == ["raised", "overdue", "overdue_again", "overdue_again", "overdue_again"]

    # Bounded: after three hours of half-hourly copies, one every three hours until someone takes it.
    await sim.advance(timedelta(hours=3))  # 5 hours in
    assert len(copies(sim, "carla", 1)) == 6
    await sim.advance(timedelta(hours=1))  # 6 hours in
    assert len(copies(sim, "carla", 1)) == 7
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    await sim.advance(timedelta(hours=12))
    assert len(copies(sim, "carla", 1)) == 7


async def test_the_lead_gets_every_escalation_after_the_first(framework: str, tmp_path: Path) -> None:
    sim = cohort_simulation(framework)
    lead = sim.add_user("lea", "Lea", language_code="de")
    programme = (Path(bot.__file__).parent / "programme.toml").read_text(encoding="utf-8")
    programme = programme.replace("# lead_chat_id = 123456789", f"lead_chat_id = {lead}")
    (tmp_path / "programme.toml").write_text(programme, encoding="utf-8")
    sim.configure(programme_file=tmp_path / "programme.toml")
    await sim.start()
    try:
        await onboard_cohort(sim)
        _, learner, _ = await begin_mentoring(sim)
        await raise_urgent_about_the_mentor(sim, learner, WORDS)
        await sim.advance(timedelta(minutes=91))
        assert len(copies(sim, "lea", 1)) == 2  # at 60 and 90 minutes
        alert = now_reads(sim, copies(sim, "coordinators", 1)[0])[0]
        assert "overdue again: sent to every coordinator and the programme lead (×2)" in alert
        await sim.press_data("carla", copies(sim, "carla", 1)[0].message_id, f"{ALERT}:1:ack")
        assert all("acknowledged by Carla" in now_reads(sim, e)[0] for e in copies(sim, "lea", 1))
    finally:
        await sim.stop()


async def test_contact_the_learner_is_not_offered_on_a_case_about_a_mentor(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    await delete_my_data(sim, learner)  # the mentor's partner left: a case about the mentor
    (alert,) = [e for e in sim.transcript("coordinators", mark) if e.sender == "bot" and not e.edit]
    assert "their partner deleted their data" in alert.text and mentor.title() in alert.text
    assert alert.buttons == [["Acknowledge", "Add note", "Resolve"]]

    before = sim.last_seq()
    await sim.press_data("carla", alert.message_id, f"{ALERT}:1:contact")  # an old or forged button
    assert sim.toasts("carla", before) == ["This button is no longer active."]
    assert sim.bot_texts(mentor, before) == [] and sim.bot_texts("carla", before) == []


async def test_a_minors_alert_says_so_and_shows_the_guardian(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("nina", "Nina", language_code="en")
    link = (await sim.send("carla", "/invite learner"))[-1].text
    guardian = ("Maria Muster", "+49 170 1234567")
    await onboard_learner(
        sim, "nina", link.rsplit("start=", 1)[1], name="Nina", language="en", guardian=guardian
    )
    mark = sim.last_seq()
    await sim.send("nina", "/concern")
    await sim.press("nina", "^Trouble at work or school$")
    await sim.press("nina", "^Urgent: today$")
    await sim.send("nina", "My boss threatens me")
    alert = sim.current_texts("coordinators", mark)[-1]
    assert "About: Nina" in alert
    assert "A minor (under 16). Guardian: Maria Muster, +49 170 1234567" in alert


async def test_a_reply_under_the_alerts_buttons_keeps_them_true(cohort: Simulation) -> None:
    """The learner's reply comes to the coordinator who wrote with the alert's buttons: they
    change with the case, wherever it is taken or resolved, and a press on them leaves the
    reply's words where they are."""
    sim = cohort
    sim.add_user("dora", "Dora", language_code="en")
    await add_coordinator(sim, "dora")
    _, learner, _ = await begin_mentoring(sim)
    await raise_urgent_about_the_mentor(sim, learner, WORDS)
    await sim.press("carla", "^Contact the learner$", chat="coordinators")
    await sim.send("carla", "Can we talk tomorrow?")
    await sim.send(learner, "Yes, after work")
    reply = sim.find("carla", "^Reply from")
    assert reply is not None and now_reads(sim, reply)[1][0] == "Acknowledge"

    await sim.send("dora", "/case 1")
    await sim.press("dora", "^Acknowledge$")
    assert now_reads(sim, reply) == (reply.text, ["Add note", "Resolve", "Contact the learner"])

    await sim.press_data("carla", reply.message_id, f"{ALERT}:1:resolve")  # on the reply itself
    await sim.press("carla", "^Talked it through$")
    assert now_reads(sim, reply) == (reply.text, [])
    for found in (copies(sim, "coordinators", 1), copies(sim, "dora", 1)):
        assert [now_reads(sim, entry)[1] for entry in found] == [[]]
