"""Privacy rights in the bot: /privacy, /mydata, /language, /pause, /resume, /delete (asks twice)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select

from bot.emulator import Limits
from bot.simulation import Simulation
from storage.database import sqlite_path
from tests.journeys import START, onboard_learner


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    """A simulation whose coordinators' group is set, with a learner Zora who joined by invite."""
    # Flood limits off: a whole onboarding in a split second would wait on 429s for a minute.
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    sim.add_user("carol", "Carol", language_code="en")
    sim.add_user("zora", "Zora", language_code="de")
    group = sim.add_group("coordinators", "Coordinators", ["carol"])
    sim.configure(coordinator_chat_id=group)
    await sim.start()
    try:
        from bot.admin import run_admin

        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carol", f"/start {code}")
        link = (await sim.send("carol", "/invite learner"))[-1].text
        await onboard_learner(
            sim, "zora", link.rsplit("start=", 1)[1], name="Zozo Zauberstein", language="de"
        )
        yield sim
    finally:
        await sim.stop()


def file_bytes(sim: Simulation, chat: str) -> bytes:
    entry = [e for e in sim.transcript(chat) if e.sender == "bot" and e.document][-1]
    message = sim.emulator.message(entry.chat_id, entry.message_id)
    assert message is not None
    return sim.emulator.state.files[message.json["document"]["file_id"]].content


async def database_text(sim: Simulation) -> str:
    """Every value in every table, as one string, to search for what must be gone."""
    metadata = MetaData()
    async with sim.tandem.db.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        rows = []
        for table in metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in (await connection.execute(select(table))).all()]
    return "\n".join(rows)


async def test_privacy_and_my_data(programme: Simulation) -> None:
    sim = programme
    assert "/mydata" in (await sim.send("zora", "/privacy"))[-1].text
    replies = await sim.send("zora", "/mydata")
    assert replies[-1].document == "my-data.json"
    data = json.loads(file_bytes(sim, "zora"))
    assert data["person"]["preferred_name"] == "Zozo Zauberstein"
    assert data["person"]["role"] == "learner" and data["person"]["locale"] == "de"
    assert data["person"]["profile"]["training"] == "Kfz-Mechatronik"
    assert data["person"]["consent_at"] is not None
    assert data["person"]["telegram_user_id"] == sim.users["zora"]


async def test_language_switch_takes_effect_on_the_next_message(programme: Simulation) -> None:
    sim = programme
    await sim.send("zora", "/language")
    replies = await sim.press("zora", "^Français$")
    assert "français" in replies[-1].text.lower()
    assert "Je suis Tandem" in (await sim.send("zora", "/help"))[-1].text


async def test_pause_stops_prompts_and_tells_the_coordinators(programme: Simulation) -> None:
    sim = programme
    await sim.send("zora", "/start")  # a question left open would get a reminder...
    mark = sim.last_seq()
    assert "/resume" in (await sim.send("zora", "/pause"))[-1].text
    assert any("Zozo Zauberstein (learner) paused" in t for t in sim.bot_texts("coordinators"))
    await sim.advance(timedelta(days=3))
    assert len(sim.bot_texts("zora", mark)) == 1  # ...but not while paused: only the pause answer
    await sim.send("zora", "/resume")
    assert any("is back" in t for t in sim.bot_texts("coordinators"))


async def test_delete_asks_twice_then_erases_everything(programme: Simulation) -> None:
    sim = programme
    await sim.send("zora", "/delete")
    replies = await sim.press("zora", "^Nein$")
    assert "Nichts wurde gelöscht" in replies[-1].text
    await sim.send("zora", "/delete")
    await sim.press("zora", "^Ja$")
    replies = await sim.press("zora", "^Ja$")
    assert "gelöscht" in replies[-1].text
    stored = await database_text(sim)
    for trace in ("Zozo", "Zauberstein", "Zora", "Mechatronik", str(sim.users["zora"])):
        assert trace not in stored, trace
    # On SQLite not in the file's bytes either: the database nor its write-ahead log.
    path = sqlite_path(sim.tandem.db.url)
    if path is not None:
        on_disk = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        assert b"Zauberstein" not in on_disk
    # Writing again starts from the beginning, as someone new.
    assert "Hallo Zora" in (await sim.send("zora", "/start"))[0].text


async def test_coordinators_see_who_is_unreachable(programme: Simulation) -> None:
    sim = programme
    assert "Everyone" in (await sim.send("carol", "/unreachable"))[-1].text
    await sim.block("zora")
    text = (await sim.send("carol", "/unreachable"))[-1].text
    assert text.startswith("People who blocked Tandem: 1\n") and "Zozo Zauberstein (learner), since" in text
    assert "nur Koordinator" in (await sim.send("zora", "/unreachable"))[-1].text
