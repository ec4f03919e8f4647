"""Erasure (/delete) of what Tandem stores about a person (/mydata: ``conversations/my_data.py``)."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.services import concerns, expenses, relay
from bot.services.people import UNNAMED, name_of
from storage.models import Person

CASE_JOBS = (concerns.OVERDUE_JOB, concerns.FOLLOW_UP_JOB)
# Keys of a conversation's answers that say whom it is about (an applicant a coordinator decides
# on, a mentor or coordinator in a /team decision): when that person leaves, it ends.
SUBJECT_KEYS = ("applicant", "person")


async def erase_person(ctx: Context) -> None:
    """Delete the person, their conversation state, their scheduled jobs and their queued messages.

    Audit entries about them stay, with the person's id set to null by the database: they hold
    no personal data, only that a decision was taken. Their cases stay with the programme, with
    their deadlines, but without their name or words: a case says that the person left, and one
    they had taken goes back to the queue (``concerns.hand_over``); every copy of its alert is
    edited to read so. Other people's conversations let go of them (``_out_of_conversations``).
    Their pairs, with the pairs' sessions, signals, notes and relayed messages, go with their row
    (the database cascades); a message of theirs still held for a coordinator leaves the
    coordinators' chats too (``relay.forget``). A mentor's expense claims go, pending ones too,
    unless the programme keeps approved ones for its finance office (``expenses.forget``).
    """
    person = ctx.person
    pair_ids = [pair.id for pair in await ctx.uow.pairs.of_person(person.id)]
    session_ids = [session.id for session in await ctx.uow.sessions.of_pairs(pair_ids)]
    cases = await concerns.hand_over(ctx, person, pair_ids)
    await relay.forget(ctx, person)
    await expenses.forget(ctx, person)
    await ctx.uow.jobs.unanchor(person.id, CASE_JOBS)  # older rows ran a case's jobs for a person
    await ctx.uow.jobs.forget_person(person.id)
    await ctx.uow.outbox.forget_chat(person.chat_id)
    await ctx.uow.message_refs.forget_chat(person.chat_id)
    await ctx.uow.flows.forget(person.id)
    await _out_of_conversations(ctx, person, {"pair": pair_ids, "session": session_ids})
    await ctx.uow.people.erase(person)
    await concerns.after_leaving(ctx, cases)
    ctx.erased = True


async def _out_of_conversations(ctx: Context, person: Person, about: dict[str, list[int]]) -> None:
    """Other people's conversations, in the foreground or waiting, that refer to the person who
    leaves. One about them (their application, a decision on them) or about one of their pairs
    or its sessions ends: nothing is left to complete, and the partner has been told the pair
    ended. Any other goes on without their name, which becomes a dash (a mentor telling a
    concern may still choose the learner who left: it reaches the coordinators about nobody)."""
    bound = {key: set(ids) for key, ids in about.items()} | {key: {person.id} for key in SUBJECT_KEYS}
    names = {name_of(person), person.first_name}
    for row in await ctx.uow.flows.of_others(person.id):
        if any(_id(row.answers.get(key)) in ids for key, ids in bound.items()):
            await ctx.uow.flows.drop(row)
            continue
        answers = {key: _unnamed(key, value, person.id, names) for key, value in row.answers.items()}
        if answers != row.answers:
            row.answers = answers


def _id(value: object) -> int | None:
    """An id in a conversation's answers (numbers, or digits from a button's value)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _unnamed(key: str, value: Any, person_id: int, names: set[str]) -> Any:
    """An answer without the person's name: in a list of "[id, name]" choices theirs keeps its
    place (a button already shown still means what it said) with a dash for the name; a
    ``*_name`` that was theirs a dash."""
    if isinstance(value, list):
        return [
            [v[0], UNNAMED] if isinstance(v, list) and len(v) == 2 and _id(v[0]) == person_id else v
            for v in value
        ]
    if key.endswith("_name") and value in names:
        return UNNAMED
    return value
