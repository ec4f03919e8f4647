"""Without someone's agreement nothing stays: a "no" to consent forgets the person at once (and
their invite can be opened again), someone who never agrees is forgotten within a day, and bot
accounts and messages sent as a chat never become people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select

from bot.admin import run_admin
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import Invite, Person
from tests.journeys import START, YES

NO = 1  # the second button of a yes/no question
ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688


@pytest.fixture
async def programme(framework: str) -> AsyncIterator[Simulation]:
    """Carol coordinates (with a coordinators' group); Lena (German) and Tom are not in it yet."""
    sim = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    sim.add_user("carol", "Carol", language_code="en")
    sim.add_user("lena", "Lena", language_code="de")
    sim.add_user("tom", "Tom", language_code="en")
    sim.add_user("noor", "Noor", language_code="en")
    group = sim.add_group("coordinators", "Coordinators", ["carol"])
    sim.configure(coordinator_chat_id=group)
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carol", f"/start {code}")
        yield sim
    finally:
        await sim.stop()


async def invite(sim: Simulation) -> str:
    """A new single-use learner invite's code, made by Carol."""
    return (await sim.send("carol", "/invite learner"))[-1].text.rsplit("start=", 1)[1]


async def stored(sim: Simulation, key: str) -> Person | None:
    async with sim.tandem.db.unit_of_work() as uow:
        return await uow.people.by_telegram_id(sim.users[key])


async def uses(sim: Simulation, code: str) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.invites.by_code(code)
        assert found is not None
        return found.uses


async def database_text(sim: Simulation) -> str:
    """Every value in every table, as one string, to search for what must be gone."""
    metadata = MetaData()
    async with sim.tandem.db.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        rows = []
        for table in metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in (await connection.execute(select(table))).all()]
    return "\n".join(rows)


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        (
            "tom",
            "without your agreement I store nothing about you. If you change your mind, open your invite",
        ),
        (
            "lena",
            "Ohne deine Zustimmung speichere ich nichts über dich. Wenn du es dir anders überlegst, öffne",
        ),
    ],
)
async def test_no_to_consent_stores_nothing_and_the_invite_works_again(
    programme: Simulation, who: str, answer: str
) -> None:
    sim = programme
    code = await invite(sim)
    await sim.send(who, f"/start {code}")
    assert await uses(sim, code) == 1
    replies = await sim.press_option(who, NO)
    assert answer in replies[-1].text
    assert await stored(sim, who) is None
    assert await uses(sim, code) == 0  # it gave nothing: not used up
    text = await database_text(sim)
    assert who.title() not in text and f"'{who}'" not in text

    # Changing their mind, they open the same link again and it works.
    await sim.send(who, f"/start {code}")
    await sim.press_option(who, YES)
    person = await stored(sim, who)
    assert person is not None and person.role == "learner"


async def test_a_volunteer_who_says_no_is_not_kept(programme: Simulation) -> None:
    sim = programme
    await sim.send("noor", "/start")
    await sim.press("noor", "(?i)volunteer")  # open recruitment: the application's consent first
    replies = await sim.press_option("noor", NO)
    assert "without your agreement I store nothing" in replies[-1].text
    assert await stored(sim, "noor") is None
    assert "Noor" not in await database_text(sim)


async def test_whoever_never_agrees_is_forgotten_within_a_day(programme: Simulation) -> None:
    sim = programme
    await sim.send("noor", "/start")  # the hello, and who are you?
    code = await invite(sim)
    await sim.send("lena", f"/start {code}")  # the consent question, left open
    applying = await invite(sim)
    await sim.send("tom", f"/start {applying}")
    await sim.press_option("tom", YES)  # agrees, then stops before his age
    assert await stored(sim, "noor") is not None  # what it takes to answer her, for now

    mark = sim.last_seq()
    await sim.advance(timedelta(days=1, hours=1))
    assert not sim.bot_texts("noor", mark) and not sim.bot_texts("lena", mark)  # no reminders
    assert len(sim.bot_texts("tom", mark)) == 1  # his one reminder, of the question he stopped at
    assert await stored(sim, "noor") is None
    assert await stored(sim, "lena") is None and await uses(sim, code) == 0
    tom = await stored(sim, "tom")
    assert tom is not None and tom.role == "learner"  # he said yes: his answers are kept
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.flows.of(tom.id)) is not None
        names = {p.first_name for p in (await uow.session.execute(select(Person))).scalars()}
    assert names == {"Carol", "Tom"}
    assert "Noor" not in await database_text(sim)

    replies = await sim.send("noor", "/start")  # she comes back: a fresh start, as for anyone new
    assert "Hello Noor" in replies[0].text and await stored(sim, "noor") is not None


async def test_bots_and_messages_sent_as_a_chat_never_become_people(programme: Simulation) -> None:
    sim = programme
    sim.add_user("helper_bot", "Helper", language_code="en", is_bot=True)
    sim.add_group("news", "Programme news", [], kind="channel")
    mark = sim.last_seq()
    await sim.send_as_chat("coordinators", "/help")  # an anonymous admin, as the group
    await sim.send_as_chat("coordinators", "/start", sender_chat="news")  # a channel's post
    await sim.send("helper_bot", "/start", chat="coordinators")
    await sim.send("helper_bot", "/start")
    assert not sim.bot_texts("coordinators", mark) and not sim.bot_texts("helper_bot", mark)
    async with sim.tandem.db.unit_of_work() as uow:
        ids = {p.telegram_user_id for p in (await uow.session.execute(select(Person))).scalars()}
        invites = (await uow.session.execute(select(Invite))).scalars().all()
    assert ids == {sim.users["carol"]} and len(invites) == 1  # the coordinator's code only
    assert not {ANONYMOUS_ADMIN, CHANNEL_BOT, sim.users["helper_bot"]} & ids
    # A person in the same group is still answered.
    await sim.send("carol", "/help", chat="coordinators")
    assert "private chat" in sim.bot_texts("coordinators", mark)[-1]
