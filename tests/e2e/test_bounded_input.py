"""What Telegram hands over is bounded at the edge, and a database error is logged without what
people wrote: through the emulator and both frameworks, on SQLite, and on PostgreSQL when
TANDEM_TEST_POSTGRES_URL is set (where a value longer than its column fails the statement)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from bot.simulation import Simulation
from storage.database import Database
from storage.models import Person

SORRY = "Sorry, something went wrong on our side. Please try again."


async def stored(sim: Simulation, who: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[who])
        assert person is not None
        return person


async def test_a_language_code_longer_than_its_column_is_dropped_and_the_person_served(
    sim: Simulation,
) -> None:
    sim.add_user("lou", "Lou", language_code="en-GB-x-oxendict-private")  # 24 characters
    replies = await sim.send("lou", "/start")
    assert "Hello Lou" in replies[0].text  # not "Sorry, something went wrong"
    replies = await sim.press("lou", "volunteer")
    assert SORRY not in " ".join(r.text for r in replies)
    assert (await stored(sim, "lou")).telegram_language is None


async def test_a_first_name_longer_than_telegram_allows_is_cut_to_its_column(sim: Simulation) -> None:
    sim.add_user("max", "Max" + "imilian" * 40, language_code="en")
    replies = await sim.send("max", "/start")
    assert "Hello Maximilian" in replies[0].text
    assert len((await stored(sim, "max")).first_name) == 128


async def refuse_writes(db: Database, table: str, operation: str) -> None:
    """From now on the database itself refuses ``operation`` on ``table``, as a full disk or a
    constraint would: a real error from the driver, with the statement's parameters in it."""
    async with db.engine.begin() as connection:
        if db.is_sqlite:  # an operational error, unlike RAISE() (see refuse_as_a_constraint)
            await connection.execute(text("CREATE TABLE gone (x INTEGER)"))
            await connection.execute(
                text(
                    f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} "
                    "BEGIN INSERT INTO gone VALUES (1); END"
                )
            )
            await connection.execute(text("DROP TABLE gone"))  # "no such table" when it fires
            return
        await connection.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
            )
        )
        await connection.execute(
            text(f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} EXECUTE FUNCTION refuse()")
        )


async def allow_writes(db: Database, table: str) -> None:
    async with db.engine.begin() as connection:
        on_table = "" if db.is_sqlite else f" ON {table}"
        await connection.execute(text(f"DROP TRIGGER refuse_{table}{on_table}"))
        if not db.is_sqlite:
            await connection.execute(text("DROP FUNCTION refuse()"))


async def test_a_database_error_is_logged_with_ids_never_with_names_or_words(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything every library logs, at its most talkative
    db = sim.tandem.db

    # A newcomer's first update fails as their row is written: the name is a parameter.
    await refuse_writes(db, "people", "INSERT")
    sim.add_user("ottilie", "Ottilie Quarrington", language_code="en")
    await sim.send("ottilie", "/start")
    await allow_writes(db, "people")

    # Someone's answer fails as the conversation's state is written: the words are parameters.
    sim.add_user("wanda", "Wanda", language_code="en")
    await sim.send("wanda", "/start")
    await sim.press("wanda", "volunteer")
    await sim.press("wanda", "^Yes$")  # "What should I call you?"
    await refuse_writes(db, "flow_states", "UPDATE")
    replies = await sim.send("wanda", "Marmalade Zeppelin")
    assert SORRY in replies[-1].text
    await allow_writes(db, "flow_states")

    for secret in ("Ottilie", "Quarrington", "Marmalade", "Zeppelin"):
        assert secret not in caplog.text, secret
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("INSERT INTO people" in line for line in failures), failures  # the statement's name
    assert any("UPDATE flow_states" in line for line in failures), failures
    async with db.unit_of_work() as uow:  # and the words were not kept either
        answers = (await uow.session.execute(select(Person.preferred_name))).scalars().all()
    assert "Marmalade Zeppelin" not in answers


async def refuse_as_a_constraint(db: Database, table: str, operation: str) -> None:
    """The database refuses ``operation`` on ``table`` as a violated constraint would."""
    async with db.engine.begin() as connection:
        if db.is_sqlite:
            await connection.execute(
                text(
                    f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            )
            return
        await connection.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation'; END $$"
            )
        )
        await connection.execute(
            text(f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} EXECUTE FUNCTION refuse()")
        )


async def test_a_violated_constraint_is_a_failure_answered_not_a_duplicate_update_ignored(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    """Only a second delivery of the same update is skipped in silence; any other integrity
    error is a failure: the person is told, and it is logged as one."""
    sim.add_user("wanda", "Wanda", language_code="en")
    await sim.send("wanda", "/start")
    await sim.press("wanda", "volunteer")
    await sim.press("wanda", "^Yes$")  # "What should I call you?"
    await refuse_as_a_constraint(sim.tandem.db, "flow_states", "UPDATE")
    replies = await sim.send("wanda", "Wanda")
    await allow_writes(sim.tandem.db, "flow_states")
    assert SORRY in replies[-1].text
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("IntegrityError" in line for line in failures), failures
    assert "duplicate update" not in caplog.text

    replies = await sim.send("wanda", "Wanda")  # the same answer again, the constraint gone
    assert SORRY not in " ".join(r.text for r in replies)
