"""A Monday morning: many pairs whose session reminders fall due at the same moment.

The dispatch benchmark and the fault test need thousands of due reminders for distinct
people. Onboarding and matching each pair through the bot would take far longer than what
is measured, so the rows are written straight into the database: learners and mentors who
finished onboarding, an active pair with a weekly slot, its session an hour from now, and
each person's "in an hour" reminder due now. What happens next is the product's own path:
the tick runs the reminder jobs and the outbox sends them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from conversations.sessions.planning import JOB
from storage.database import Database
from storage.models import DueJob, Pair, Person, Session
from storage.repositories import table_of

FIRST_USER_ID = 7_000_000
REMINDER = "In an hour you meet"  # the English reminder's opening, to count deliveries
CHUNK = 500  # rows per INSERT statement


def user_ids(people: int, first: int = FIRST_USER_ID) -> list[int]:
    """Telegram ids of the people, two per pair (learner, then mentor)."""
    return [first + n for n in range(people)]


async def seed_due_reminders(
    db: Database,
    now: datetime,
    people: int,
    *,
    due: datetime | None = None,
    window: tuple[datetime, datetime] | None = None,
    first: int = FIRST_USER_ID,
) -> list[int]:
    """``people`` (even) people in pairs, each with a reminder due at ``due`` (default ``now``),
    within ``window`` (default: none stored, the planner's default); their ids, from ``first`` on."""
    if people < 2 or people % 2:
        raise ValueError("people come in pairs: give an even number, at least 2")
    ids = user_ids(people, first)
    for start in range(0, people, CHUNK):
        await _seed_chunk(db, now, ids[start : start + CHUNK], due or now, window)
    return ids


async def _seed_chunk(
    db: Database, now: datetime, ids: list[int], due: datetime, window: tuple[datetime, datetime] | None
) -> None:
    async with db.unit_of_work() as uow:
        run = uow.session.execute
        await run(insert(table_of(Person)), [person_row(user_id, n, now) for n, user_id in enumerate(ids)])
        rows = await run(select(Person.id, Person.telegram_user_id).where(Person.telegram_user_id.in_(ids)))
        person_of = dict((telegram_id, person_id) for person_id, telegram_id in rows.all())
        learners = [person_of[user_id] for user_id in ids[0::2]]
        mentors = [person_of[user_id] for user_id in ids[1::2]]
        starts = due + timedelta(hours=1)
        couples = list(zip(learners, mentors, strict=True))
        pairs = [pair_row(learner, mentor, starts, now) for learner, mentor in couples]
        await run(insert(table_of(Pair)), pairs)
        found = await run(select(Pair.id, Pair.learner_id).where(Pair.learner_id.in_(learners)))
        pair_of = dict((learner, pair_id) for pair_id, learner in found.all())
        sessions = [session_row(pair_of[learner], starts, now) for learner in learners]
        await run(insert(table_of(Session)), sessions)
        found = await run(
            select(Session.id, Session.pair_id).where(Session.pair_id.in_(list(pair_of.values())))
        )
        session_of = dict((pair_id, session_id) for session_id, pair_id in found.all())
        jobs = []
        for learner, mentor in couples:
            session_id = session_of[pair_of[learner]]
            jobs += [_reminder(person, session_id, now, due, window) for person in (learner, mentor)]
        await run(insert(table_of(DueJob)), jobs)


def person_row(user_id: int, n: int, now: datetime) -> dict[str, Any]:
    role = "learner" if n % 2 == 0 else "mentor"
    return {
        "telegram_user_id": user_id,
        "chat_id": user_id,
        "first_name": f"{role.title()} {user_id}",
        "telegram_language": "en",
        "locale": "en",
        "role": role,
        "consent_at": now,
        "screening": "approved" if role == "mentor" else None,
        "ready_at": now if role == "mentor" else None,
        "profile": {"onboarded": True},
        "created_at": now,
        "updated_at": now,
    }


def pair_row(learner: int, mentor: int, starts: datetime, now: datetime) -> dict[str, Any]:
    return {
        "learner_id": learner,
        "mentor_id": mentor,
        "status": "active",
        "score": 1.0,
        "created_at": now,
        "decided_at": now,
        "slot_weekday": starts.weekday(),
        "slot_time": f"{starts:%H:%M}",
        "slot_place": "public",
    }


def session_row(pair_id: int, starts: datetime, now: datetime) -> dict[str, Any]:
    return {"pair_id": pair_id, "starts_at": starts, "place": "public", "created_at": now}


def _reminder(
    person_id: int, session_id: int, now: datetime, due: datetime, window: tuple[datetime, datetime] | None
) -> dict[str, Any]:
    opens, closes = window or (None, None)
    return {
        "kind": JOB,
        "payload": {"person_id": person_id, "session": session_id, "kind": "hour"},
        "due_at": due,
        "opens_at": opens,
        "closes_at": closes,
        "dedupe_key": f"session:{session_id}:hour:{person_id}",
        "created_at": now,
    }
