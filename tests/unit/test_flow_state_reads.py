"""An update reads its sender and their conversation's state in one statement, and the unit of
work then answers ``FlowStates.of`` from what it holds or knows: the state itself, or that there
is none (read along, cleared, or someone new). It writes a state back itself when it changed,
before it commits. What it answers and writes must stay what the database holds through saving,
changing, clearing and dropping. On SQLite here, on PostgreSQL in its pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm.exc import StaleDataError

from storage.database import Database
from storage.models import FlowState, Person
from storage.repositories import UnitOfWork

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


@contextmanager
def reads_of_flow_states(db: Database, verb: str = "SELECT") -> Iterator[list[str]]:
    """The statements on the flow_states table that begin with ``verb``, while the block runs."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(verb) and "flow_states" in statement:
            seen.append(" ".join(statement.split()))

    event.listen(db.sync_engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", listen)


def state(person_id: int, step: str = "language") -> FlowState:
    return FlowState(
        person_id=person_id,
        flow="welcome",
        step=step,
        token=f"t-{step}",
        answers={},
        history=[],
        started_at=NOW,
        updated_at=NOW,
    )


async def add_person(uow: UnitOfWork, telegram_id: int) -> int:
    person = Person(
        telegram_user_id=telegram_id, chat_id=telegram_id, first_name="Sam", created_at=NOW, updated_at=NOW
    )
    await uow.people.add(person)
    return person.id


async def rows(db: Database, person_id: int) -> list[str]:
    async with db.unit_of_work() as uow:
        query = select(FlowState.step).where(FlowState.person_id == person_id)
        return list((await uow.session.execute(query)).scalars())


async def test_the_sender_comes_with_their_state_and_of_reads_nothing_more(db: Database) -> None:
    async with db.unit_of_work() as uow:
        asking = await add_person(uow, 501)
        await add_person(uow, 502)
        await uow.flows.save(state(asking))
    with reads_of_flow_states(db) as reads:
        async with db.unit_of_work() as uow:
            person = await uow.people.sender(501)
            assert person is not None and person.id == asking
            assert len(reads) == 1 and "JOIN" in reads[0].upper()  # the person and the state, together
            held = await uow.flows.of(asking)
            assert held is not None and held.step == "language"
            held.step = "role"  # the engine's way: change it, the unit of work writes it
            other = await uow.people.sender(502)
            assert other is not None and await uow.flows.of(other.id) is None
            assert len(reads) == 2
    assert await rows(db, asking) == ["role"]


async def test_a_state_saved_cleared_or_dropped_is_answered_as_the_database_holds_it(db: Database) -> None:
    async with db.unit_of_work() as uow:
        person_id = await add_person(uow, 601)
    with reads_of_flow_states(db) as reads:
        async with db.unit_of_work() as uow:
            assert await uow.people.sender(601) is not None
            assert await uow.flows.of(person_id) is None
            first = state(person_id)
            await uow.flows.save(first)
            assert await uow.flows.of(person_id) is first
            await uow.flows.clear(person_id)  # a flow ends...
            assert await uow.flows.of(person_id) is None
            first.step = "gone"  # ...and the unit of work no longer writes it
            following = state(person_id, "role")  # ...and the next begins in the same transaction
            await uow.flows.save(following)
            assert await uow.flows.of(person_id) is following
        assert len(reads) == 1  # only the sender's
    assert await rows(db, person_id) == ["role"]
    async with db.unit_of_work() as uow:
        held = await uow.flows.of(person_id)  # not read along with the sender: read now
        assert held is not None
        await uow.flows.drop(held)
        assert await uow.flows.of(person_id) is None
    assert await rows(db, person_id) == []


async def test_someone_new_is_in_no_conversation_and_a_read_elsewhere_still_finds_one(db: Database) -> None:
    async with db.unit_of_work() as uow:
        other = await add_person(uow, 701)
        await uow.flows.save(state(other))
    with reads_of_flow_states(db) as reads:
        async with db.unit_of_work() as uow:
            assert await uow.people.sender(702) is None
            newcomer = await add_person(uow, 702)
            assert await uow.flows.of(newcomer) is None
            assert len(reads) == 1
            found = await uow.flows.of(other)  # a partner's, say: not known here, so read
            assert found is not None and found.step == "language"
            assert len(reads) == 2
            count = await uow.session.scalar(select(func.count()).select_from(FlowState))
            assert count == 1


async def test_a_state_is_written_once_when_it_changed_and_not_when_it_did_not(db: Database) -> None:
    async with db.unit_of_work() as uow:
        person_id = await add_person(uow, 801)
        await uow.flows.save(state(person_id))
    with reads_of_flow_states(db, "UPDATE") as updates:
        async with db.unit_of_work() as uow:
            held = await uow.flows.of(person_id)
            assert held is not None
            held.answers = {**held.answers, "language": "de"}
            held.step = "role"
            held.step = "name"  # two answers in one update: one statement
        assert len(updates) == 1
        async with db.unit_of_work() as uow:
            held = await uow.flows.of(person_id)
            assert held is not None and held.step == "name" and held.answers == {"language": "de"}
            held.step = "name"  # the same again: nothing to write
        assert len(updates) == 1


async def test_a_state_deleted_meanwhile_is_the_orms_stale_data(db: Database) -> None:
    """Another replica's transaction (a person leaving) deleted the row this one changes: the
    dispatcher retries on ``StaleDataError`` (on PostgreSQL), as it did when the ORM wrote it."""
    async with db.unit_of_work() as uow:
        person_id = await add_person(uow, 901)
        await uow.flows.save(state(person_id))
    with pytest.raises(StaleDataError):
        async with db.unit_of_work() as uow:
            held = await uow.flows.of(person_id)
            assert held is not None
            await uow.session.execute(delete(FlowState).where(FlowState.person_id == person_id))
            held.step = "role"
    assert await rows(db, person_id) == ["language"]  # rolled back
