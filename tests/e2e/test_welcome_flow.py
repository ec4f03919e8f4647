"""The shipped /start flow, through both adapters over real HTTP against the emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import FlowState, Person


async def person(sim: Simulation, name: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[name])
        assert found is not None
        return found


async def test_start_without_a_code_explains_the_programme_and_how_to_join(sim: Simulation) -> None:
    sim.add_user("alice", "Alice", language_code="de-DE")
    replies = await sim.send("alice", "/start")
    assert len(replies) == 2
    assert "Hallo Alice" in replies[0].text and "Tandem example programme" in replies[0].text
    assert "ehrenamtlichen Mentor" in replies[0].text  # what the programme is
    assert len(replies[1].buttons) == 3  # learner / volunteer / coordinator

    replies = await sim.press("alice", "(?i)lernend|azubi|auszubild")
    assert replies[0].edit and "→" in replies[0].text and not replies[0].buttons
    assert "Einladungslink" in replies[-1].text and "mentoring@example.org" in replies[-1].text

    stored = await person(sim, "alice")
    assert (stored.role, stored.requested_role, stored.preferred_name) == (None, "learner", None)
    async with sim.tandem.db.unit_of_work() as uow:
        assert await uow.flows.of(stored.id) is None


async def test_a_volunteer_applies_without_a_code_and_back_returns_one_step(sim: Simulation) -> None:
    sim.add_user("bob", "Bob", language_code="en")
    await sim.send("bob", "/start")
    replies = await sim.press("bob", "volunteer")
    assert "application" in replies[-2].text and "Is that all right with you?" in replies[-1].text
    replies = await sim.press("bob", "^Yes$")
    assert "What should I call you?" in replies[-1].text
    replies = await sim.send("bob", "/back")
    assert "Is that all right with you?" in replies[-1].text
    replies = await sim.send("bob", "/back")
    assert "This is the first question." in replies[-1].text


async def test_cancel_leaves_the_flow(sim: Simulation) -> None:
    sim.add_user("cem", "Cem", language_code="fr")
    await sim.send("cem", "/start")
    replies = await sim.send("cem", "/cancel")
    assert "/start" in replies[-1].text
    replies = await sim.send("cem", "bonjour")
    assert "/start" in replies[-1].text  # no flow waits any more
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.session.execute(select(FlowState))).first() is None


async def test_restart_halfway_continues_where_they_were(sim: Simulation) -> None:
    sim.add_user("dana", "Dana", language_code="en")
    await sim.send("dana", "/start")
    await sim.press("dana", "volunteer")
    await sim.press("dana", "^Yes$")
    await sim.restart()  # a new process on the same database
    replies = await sim.send("dana", "Dana")
    assert "Which language should I use with you?" in replies[-1].text
    replies = await sim.press("dana", "^English$")
    assert "Which fields do you know" in replies[-1].text


async def test_duplicate_update_has_one_effect(sim: Simulation) -> None:
    sim.add_user("eve", "Eve", language_code="en")
    before = sim.last_seq()
    injected = sim.emulator.send_text(sim.users["eve"], "/start")
    await sim.wait_handled(injected.update_id)
    await sim.redeliver(injected.update_id, times=2)
    greetings = [t for t in sim.bot_texts("eve", before) if t.startswith("Hello Eve")]
    assert len(greetings) == 1
    assert sim.tandem.dispatcher.handled[injected.update_id] == 2


async def test_a_429_is_waited_out_and_the_message_arrives(sim: Simulation) -> None:
    sim.add_user("finn", "Finn", language_code="en")
    sim.emulator.force_429(sim.users["finn"], retry_after=1, count=1)
    loop_time = asyncio.get_running_loop().time
    started = loop_time()
    replies = await sim.send("finn", "/start")
    assert replies and replies[0].text.startswith("Hello Finn")
    assert sim.emulator.stats.too_many_requests >= 1
    assert loop_time() - started >= 1.0  # it waited retry_after before trying again


async def test_a_403_marks_the_person_unreachable_and_is_not_retried(sim: Simulation) -> None:
    sim.add_user("gina", "Gina", language_code="en")
    await sim.send("gina", "/start")
    # Gina blocks the bot, but the bot only learns it when it next writes (the nudge a day later).
    sim.emulator.state.user(sim.users["gina"]).blocked = True
    await sim.advance(timedelta(hours=25))
    assert sim.emulator.stats.forbidden == 1
    stored = await person(sim, "gina")
    assert stored.unreachable_since is not None
    await sim.advance(timedelta(days=7))  # sweeps and ticks: nothing tries again
    assert sim.emulator.stats.forbidden == 1


async def test_blocking_is_noticed_from_the_member_update(sim: Simulation) -> None:
    sim.add_user("hana", "Hana", language_code="en")
    await sim.send("hana", "/start")
    await sim.block("hana")
    assert (await person(sim, "hana")).unreachable_since is not None
    await sim.advance(timedelta(days=2))
    assert sim.emulator.stats.forbidden == 0  # the nudge was not even tried
    await sim.unblock("hana")
    assert (await person(sim, "hana")).unreachable_since is None


async def test_unanswered_question_gets_one_nudge_after_a_day(sim: Simulation) -> None:
    sim.add_user("ivan", "Ivan", language_code="en")
    await sim.send("ivan", "/start")
    mark = sim.last_seq()
    await sim.advance(timedelta(hours=23))
    assert sim.bot_texts("ivan", mark) == []
    await sim.advance(timedelta(hours=2))
    texts = sim.bot_texts("ivan", mark)
    assert len(texts) == 1 and "Shall we go on?" in texts[0] and "describes you" in texts[0]
    await sim.advance(timedelta(days=5))
    assert len(sim.bot_texts("ivan", mark)) == 1
