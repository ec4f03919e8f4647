"""Concerns as alerts through both adapters: a learner's urgent concern about the mentor reaches
the coordinators' group at once and never the mentor; overdue, it goes to every coordinator, then
to them and the lead; acknowledged (the learner is told), noted, followed up, resolved, each change edited
into the alert; /cases and /case. Every coordinator command and button is refused to a learner,
a mentor and a coordinator removed from /team (at once, the alert's buttons in the group too, and
a note they had begun goes nowhere), and a forged press never acts."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import bot
from bot.app import FEATURES
from bot.features.joining import GUARDIAN_PREFIX, REVOKE_PREFIX
from bot.features.matchmaking import END as END_PAIR
from bot.features.matchmaking import PROPOSAL
from bot.features.screening import PREFIX as SCREENING
from bot.features.team import PREFIX as TEAM
from bot.services.concerns import PREFIX as ALERT
from bot.simulation import Simulation
from conversations.progress import PREFIX as PROGRESS
from storage.models import CaseEntry, Concern, Pair, Person
from tests.journeys import begin_mentoring, cohort_simulation, onboard_cohort

REFUSALS = ("Only coordinators can use this command.", "Only coordinators can see concerns.")


async def the_concern(sim: Simulation) -> Concern:
    async with sim.tandem.db.unit_of_work() as uow:
        return (await uow.session.execute(select(Concern))).scalars().one()


async def case_entries(sim: Simulation) -> list[CaseEntry]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(CaseEntry).order_by(CaseEntry.id))).scalars())


async def case_log(sim: Simulation) -> list[str]:
    async with sim.tandem.db.unit_of_work() as uow:
        entries = await uow.session.execute(select(CaseEntry).order_by(CaseEntry.id))
        return [entry.action for entry in entries.scalars()]


async def raise_about_the_mentor(sim: Simulation, learner: str) -> None:
    await sim.send(learner, "/concern")
    await sim.press(learner, "^A problem with my mentor$")
    await sim.press(learner, "^Urgent: today$")
    await sim.send(learner, "He shouts at me when I am late")


async def test_an_urgent_concern_is_alerted_escalated_taken_and_resolved(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort
    caplog.set_level(logging.DEBUG)  # everything every library logs, at its most talkative
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    await raise_about_the_mentor(sim, learner)

    # In the group at once, with the learner's words; the mentor hears nothing of it.
    (alert,) = [e for e in sim.transcript("coordinators", mark) if e.sender == "bot"]
    assert "URGENT" in alert.text and "He shouts at me" in alert.text and "does not see" in alert.text
    assert alert.buttons == [["Acknowledge", "Add note", "Resolve"], ["Contact the learner"]]
    assert not [t for t in sim.bot_texts(mentor, mark) if "shouts" in t or "Concern" in t]

    # Half an hour unacknowledged: to every coordinator privately, and the alert says overdue.
    await sim.advance(timedelta(minutes=31))
    private = [t for t in sim.bot_texts("carla", mark) if "Concern #" in t]
    assert len(private) == 1 and "OVERDUE" in private[0]
    assert "OVERDUE" in sim.current_texts("coordinators", mark)[0]
    await sim.advance(timedelta(minutes=31))
    # No lead configured: every coordinator again, and the log claims no lead.
    assert await case_log(sim) == ["raised", "overdue", "overdue_again"]

    # Neither the learner nor the mentor can act on it, nor can a forged number.
    for who in (learner, mentor):
        before = sim.last_seq()
        await sim.press_data(who, alert.message_id, f"{ALERT}:1:ack")
        assert sim.toasts(who, before) == ["This button is not for you."]
    before = sim.last_seq()
    await sim.press_data("carla", alert.message_id, f"{ALERT}:999:ack")
    assert sim.toasts("carla", before) == ["This button is no longer active."]
    assert (await the_concern(sim)).status == "open"

    # Carla takes it in the group: the alert shows it, and the learner is told.
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    assert "acknowledged by Carla" in sim.current_texts("coordinators", mark)[0]
    assert "has picked up what you told us" in sim.bot_texts(learner)[-1]
    assert not [t for t in sim.bot_texts(mentor, mark) if "picked up" in t]

    # A note, written in her own chat, goes into the log and the alert.
    await sim.press("carla", "^Add note$", chat="coordinators")
    assert "Your note for the case log" in sim.bot_texts("carla")[-1]
    await sim.send("carla", "Called Lena; we meet on Friday")
    assert "Called Lena; we meet on Friday" in sim.current_texts("coordinators", mark)[0]

    # A message to the learner, signed, logged; the mentor sees none of it.
    await sim.press("carla", "^Contact the learner$", chat="coordinators")
    before = sim.last_seq()
    replies = await sim.send("carla", "…")  # a slip of the thumb does not reach the learner
    assert "Please answer with a few words." in replies[0].text
    assert sim.transcript(learner, before) == []
    await sim.send("carla", "Can we talk tomorrow at 4?")
    message, asked = sim.bot_texts(learner, before)
    assert "A message from Carla" in message and "talk tomorrow" in message
    assert asked.startswith("Your answer to Carla")  # the thread: test_case_thread.py
    assert (
        "Carla wrote to the learner: Can we talk tomorrow at 4?" in sim.current_texts("coordinators", mark)[0]
    )
    assert not [t for t in sim.bot_texts(mentor, mark) if "tomorrow" in t]

    listing = (await sim.send("carla", "/cases"))[-1].text
    assert "#1" in listing and "Lena" in listing and "acknowledged" in listing
    assert "Called Lena" in (await sim.send("carla", "/case 1"))[-1].text
    for number in ("42", "²", "٣", "#1x"):
        assert (await sim.send("carla", f"/case {number}"))[-1].text.startswith("There is no concern")

    # Three days on, still open: Carla is reminded once.
    await sim.advance(timedelta(days=3))
    assert sum("is still open" in t for t in sim.bot_texts("carla", mark)) == 1

    await sim.press("carla", "^Resolve$", chat="coordinators")
    await sim.press("carla", "^Talked it through$", chat="coordinators")
    final = sim.current_texts("coordinators", mark)[0]
    assert "resolved" in final and "Talked it through" in final
    assert sim.transcript("coordinators")[-1].buttons == []
    assert await case_log(sim) == [
        "raised",
        "overdue",
        "overdue_again",
        "acknowledged",
        "note",
        "contacted",
        "resolved",
    ]
    concern = await the_concern(sim)
    assert (concern.status, concern.outcome, concern.about_mentor) == ("resolved", "talked", True)
    assert (await sim.send("carla", "/cases"))[-1].text == "No open concerns."
    # What the learner and the coordinator wrote is in the alert, never in a log line.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "shouts" not in logged and "Called Lena" not in logged


async def other_learner(sim: Simulation, learner: str) -> int:
    """The id of the cohort's learner who is not in the pair."""
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users["tom" if learner == "lena" else "lena"])
        assert person is not None
        return person.id


async def join_and_remove_a_coordinator(sim: Simulation) -> str:
    """Dana joins as a coordinator, is in the group, takes the alert and begins a note on it; Carla
    removes her from /team. The case goes back to the queue; her chat's menu is a newcomer's again."""
    sim.add_user("dana", "Dana", language_code="en")
    link = (await sim.send("carla", "/invite coordinator"))[-1].text
    await sim.send("dana", "/start " + link.rsplit("start=", 1)[1])
    await sim.press("dana", "^Acknowledge$", chat="coordinators")
    await sim.press("dana", "^Add note$", chat="coordinators")
    assert "Your note for the case log" in sim.bot_texts("dana")[-1]
    await sim.send("carla", "/team")
    await sim.press("carla", "^Remove Dana$")
    await sim.press("carla", "^Yes$")
    assert "Dana is no longer a coordinator (removed by Carla)" in sim.bot_texts("carla")[-1]
    assert "your role as a coordinator of" in sim.bot_texts("dana")[-1]
    assert "Concern #1 is back in the queue" in sim.bot_texts("coordinators")[-1]
    alert = next(t for t in sim.current_texts("coordinators") if t.startswith("🔴 Concern #1"))
    assert "· open" in alert and "is no longer one: back in the queue" in alert
    replies = await sim.send("dana", "Lena seems fine to me")  # the note she began goes nowhere
    assert replies[0].text.startswith("I'm not expecting a message right now")
    menu = sim.emulator.commands(scope={"type": "chat", "chat_id": sim.users["dana"]})
    assert "start" in {c["command"] for c in menu} and "cases" not in {c["command"] for c in menu}
    return "dana"


async def test_coordinator_commands_and_buttons_are_refused_to_others(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    await raise_about_the_mentor(sim, learner)
    removed = await join_and_remove_a_coordinator(sim)
    theirs = {c.name for f in FEATURES for c in f.commands if {"learner", "mentor"} & set(c.menu)}
    staff = [c.name for f in FEATURES for c in f.commands if "coordinator" in c.menu]
    commands = [c for c in staff if c not in theirs] + ["case 1", "invite coordinator"]
    buttons = [
        f"{ALERT}:1:ack",
        f"{ALERT}:1:r0",
        f"{REVOKE_PREFIX}:1",
        f"{GUARDIAN_PREFIX}:{pair.learner_id}:yes",
        f"{SCREENING}:{pair.mentor_id}:approve",
        f"{PROPOSAL}:{pair.id}:approve",
        f"{END_PAIR}:{pair.id}",
        f"{PROGRESS}:{await other_learner(sim, learner)}",  # their own learner's is a mentor's choice
        f"{TEAM}:{pair.mentor_id}:sus",
    ]
    concern_before = await the_concern(sim)
    for who in (learner, mentor, removed):
        for command in commands:
            replies = await sim.send(who, f"/{command}")
            assert [r.text for r in replies] in ([REFUSALS[0]], [REFUSALS[1]]), (who, command)
        for data in buttons:
            before = sim.last_seq()
            await sim.press_data(who, 1, data)
            toasts = sim.toasts(who, before)
            assert toasts and all("not for you" in t or "no longer active" in t for t in toasts), (who, data)
            assert not [t for t in sim.bot_texts(who, before) if "Concern #" in t or "Proposal" in t]
    for label in ("Acknowledge", "Add note", "Resolve"):  # the alert in the group, where Dana still is
        before = sim.last_seq()
        await sim.press(removed, f"^{label}$", chat="coordinators")
        assert sim.toasts("coordinators", before) == ["This button is not for you."], label
    assert [e.action for e in await case_entries(sim)] == ["raised", "acknowledged", "taker_removed"]
    concern = await the_concern(sim)
    assert (concern.status, concern.acknowledged_by) == (concern_before.status, None)
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.pairs.get(pair.id) or Pair()).status == "active"
        assert (await uow.people.get(pair.mentor_id) or Person()).screening == "approved"


async def test_an_alert_nobody_takes_reaches_the_programme_lead(framework: str, tmp_path: Path) -> None:
    sim = cohort_simulation(framework)
    lead = sim.add_user("lea", "Lea", language_code="de")  # the programme lead, not a Tandem user
    programme = (Path(bot.__file__).parent / "programme.toml").read_text(encoding="utf-8")
    programme = programme.replace("# lead_chat_id = 123456789", f"lead_chat_id = {lead}")
    (tmp_path / "programme.toml").write_text(programme, encoding="utf-8")
    sim.configure(programme_file=tmp_path / "programme.toml")
    await sim.start()
    try:
        await onboard_cohort(sim)
        _, learner, _ = await begin_mentoring(sim)
        await raise_about_the_mentor(sim, learner)
        await sim.advance(timedelta(minutes=31))
        assert sim.bot_texts("lea") == []  # the first step is the coordinators'
        await sim.advance(timedelta(minutes=31))
        (alert,) = [e for e in sim.transcript("lea") if e.sender == "bot"]
        # In the programme's language (the lead never told Tandem theirs), with the buttons.
        assert "He shouts at me" in alert.text and "Acknowledge" in str(alert.buttons)
        assert await case_log(sim) == ["raised", "overdue", "overdue_lead"]
    finally:
        await sim.stop()
