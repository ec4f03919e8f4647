"""JSON columns are written by orjson, and read back as they were written, by it or by the
standard library before it: an integer beyond 64 bits, a key that is not a string, text in any
script. On SQLite here, on PostgreSQL in its pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from storage.database import Database, json_text, json_value
from storage.models import FlowState, Person

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ({"goal": "Führerschein 🚗", "hours": 2.5, "ok": True, "none": None}, None),
        ({"big": 2**70, "list": [1, [2, {"x": -(2**65)}]]}, None),
        ({1: "one", "two": 2}, {"1": "one", "two": 2}),  # JSON's keys are strings
        (["a", ("b", "c")], ["a", ["b", "c"]]),
    ],
    ids=["text and numbers", "beyond 64 bits", "a number as key", "a tuple"],
)
def test_a_value_is_written_as_json_the_standard_library_reads_alike(value: Any, read: Any) -> None:
    written = json_text(value)
    expected = value if read is None else read
    assert json.loads(written) == expected
    assert json_value(written) == expected


def test_text_the_standard_library_wrote_reads_back() -> None:
    assert json_value('{"a": 1, "b": [1.5, "é"]}') == {"a": 1, "b": [1.5, "é"]}
    assert json_value('{"x": NaN}')["x"] != json_value('{"x": NaN}')["x"]  # NaN, read as Python reads it


async def test_answers_go_through_the_database_unchanged(db: Database) -> None:
    answers = {"goal": "Ausbildung schaffen ✓", "telegram": 2**70, "hours": 2.5}
    async with db.unit_of_work() as uow:
        person = Person(telegram_user_id=1, chat_id=1, first_name="Sam", created_at=NOW, updated_at=NOW)
        await uow.people.add(person)
        state = FlowState(
            person_id=person.id,
            flow="goals",
            step="goal",
            token="t",
            answers=answers,
            history=["a"],
            started_at=NOW,
            updated_at=NOW,
        )
        await uow.flows.save(state)
    async with db.unit_of_work() as uow:
        stored = await uow.session.scalar(text("SELECT answers FROM flow_states"))
        held = await uow.flows.of(person.id)
    assert held is not None and held.answers == answers
    as_text = stored if isinstance(stored, str) else json.dumps(stored)  # PostgreSQL's driver decodes it
    assert json.loads(as_text) == answers
