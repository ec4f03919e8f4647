"""Repositories: the only place that writes SQL. Handlers and services get domain rows back."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar, cast, overload

from sqlalchemy import (
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from storage.models import (
    Announcement,
    AnnouncementCopy,
    AuditEntry,
    Base,
    CaseEntry,
    CheckIn,
    ClosingSurvey,
    Concern,
    ConsoleLink,
    CoordinatorGroup,
    DueJob,
    ExpenseClaim,
    FlowState,
    Goal,
    GroupChat,
    GroupMember,
    Invite,
    MentorCheck,
    MentorNote,
    MessageRef,
    NextStep,
    OutboxMessage,
    Pair,
    Person,
    ProcessedUpdate,
    Reflection,
    RelationshipCheck,
    RelayedMessage,
    Roundtable,
    RoundtableGuest,
    SendWindow,
    Session,
    Signal,
    WaitingFlow,
)

Entity = TypeVar("Entity")  # what a select of one model reads
SUPPORT_ACTIONS = ("acknowledged", "note", "contacted", "resolved")  # a coordinator's, on a case
LIVE_PAIRS = ("introduced", "active")  # a learner has a mentor; the mentor's seat is taken
# Delivered, or never to be delivered: nothing more to do with the row.
FINISHED = frozenset({"sent", "dropped", "gone", "unreachable"})
# Sent without an answer once (it may have arrived): tried once more, never again.
IN_DOUBT = "in_doubt"
UNDELIVERED = ("pending", IN_DOUBT)  # rows still to (re)try


def held(query: Select[Entity]) -> Select[Entity]:
    """The rows read afresh (over what this transaction read of them before) and locked until it
    ends. PostgreSQL's FOR NO KEY UPDATE: what an UPDATE takes, so it waits for another decision's
    lock, not for rows merely inserted with a reference to these. SQLite ignores it: there a
    process runs one transaction at a time (``storage.database.Database.unit_of_work``)."""
    return query.with_for_update(key_share=True).execution_options(populate_existing=True)


@dataclass(frozen=True, slots=True)
class AreaScope:
    """The programme areas a coordinator's reads are limited to (``bot.services.areas.scope_of``
    makes one; None in a repository's ``scope`` argument: the whole programme). ``strays``: rows
    recorded in an area the programme does not list count as its default area, which is one of
    ``ids``."""

    ids: frozenset[str]
    strays: bool
    known: frozenset[str]

    def clause(self, column: Any = None) -> Any:
        """The condition on an area column (a person's, by default) that keeps what is in scope."""
        column = Person.area if column is None else column
        kept = column.in_(self.ids)
        return or_(kept, column.not_in(self.known)) if self.strays else kept

    def people(self) -> Any:
        """The ids of the learners and mentors in scope, as a subquery."""
        return select(Person.id).where(self.clause())

    def pairs(self) -> Any:
        """The condition on a pair: its learner is in scope (its mentor may serve any area)."""
        return Pair.learner_id.in_(self.people())

    def concerns(self) -> Any:
        """The condition on a concern: its pair in scope; without a pair, whom it is about (else
        who raised it)."""
        in_pairs = Concern.pair_id.in_(select(Pair.id).where(self.pairs()))
        about = func.coalesce(Concern.subject_id, Concern.raised_by).in_(self.people())
        return or_(in_pairs, Concern.pair_id.is_(None) & about)

    def sessions(self) -> Any:
        return Session.pair_id.in_(select(Pair.id).where(self.pairs()))


Query = TypeVar("Query")  # a select (of any columns)


def scoped(query: Query, scope: AreaScope | None, condition: Any = None) -> Query:
    """``query`` limited to ``scope`` (by ``condition``, a person's area by default)."""
    if scope is None:
        return query
    return cast(Query, cast(Any, query).where(scope.clause() if condition is None else condition(scope)))


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements (the ORM's bulk path costs more than the SQL)."""
    return cast(Table, model.__table__)


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@functools.cache
def _job_upsert(insert_of: Any) -> Any:
    """Store a job, replacing a pending or finished one of the same dedupe key. Built once per
    dialect and run with the job's values as parameters: every update that asks a question
    stores its nudge, and building the statement anew cost more than running it."""
    table = table_of(DueJob)
    statement = insert_of(table)
    replaced: dict[str, Any] = {
        k: statement.excluded[k] for k in ("payload", "due_at", "kind", "opens_at", "closes_at")
    }
    replaced.update(status="pending", attempts=0, done_at=None, last_error=None)
    return statement.on_conflict_do_update(index_elements=[table.c.dedupe_key], set_=replaced)


@functools.cache
def _update_claim(insert_of: Any) -> Any:
    """Record an update's id unless it is there (built once per dialect, as ``_job_upsert``)."""
    table = table_of(ProcessedUpdate)
    return insert_of(table).on_conflict_do_nothing(index_elements=["update_id"]).returning(table.c.update_id)


# The reads every update makes, built once: building a statement anew cost as much as running it.
_PERSON_BY_TELEGRAM_ID = select(Person).where(Person.telegram_user_id == bindparam("telegram_user_id"))
_FLOW_STATE_OF = select(FlowState).where(FlowState.person_id == bindparam("person_id"))
# The sender of an update with their conversation's state, in one statement.
_SENDER = (
    select(Person, FlowState)
    .outerjoin(FlowState, FlowState.person_id == Person.id)
    .where(Person.telegram_user_id == bindparam("telegram_user_id"))
)
_FLOW_STATES = table_of(FlowState)
_FLOW_COLUMNS = ("flow", "step", "entry", "token", "answers", "history", "started_at", "updated_at")
_INSERT_FLOW_STATE = insert(_FLOW_STATES)
# The SET clause comes of the parameters' names, the same ones each time: compiled once.
_UPDATE_FLOW_STATE = update(_FLOW_STATES).where(_FLOW_STATES.c.person_id == bindparam("of_person"))
_CLEAR_FLOW_STATE = delete(_FLOW_STATES).where(_FLOW_STATES.c.person_id == bindparam("person_id"))
# ``Session.info``: each person's conversation state as this unit of work last read or wrote it
# (None: they have none), and what their row holds, to tell what changed (``write_flow_states``).
_FLOW_STATES_KNOWN = "tandem.flow_states"
_FLOW_STATES_STORED = "tandem.flow_states_stored"

FlowRow = tuple[Any, ...]


def _known_states(session: AsyncSession) -> dict[int, FlowState | None]:
    return cast(dict[int, FlowState | None], session.info.setdefault(_FLOW_STATES_KNOWN, {}))


def _stored_states(session: AsyncSession) -> dict[int, FlowRow]:
    return cast(dict[int, FlowRow], session.info.setdefault(_FLOW_STATES_STORED, {}))


def _flow_row(state: FlowState) -> FlowRow:
    return tuple(getattr(state, column) for column in _FLOW_COLUMNS)


def _hold_state(session: AsyncSession, person_id: int, state: FlowState | None) -> None:
    """A state read from the database, taken out of the ORM's hands: the unit of work writes it
    itself, when it changed (``write_flow_states``)."""
    _known_states(session)[person_id] = state
    if state is not None:
        session.expunge(state)
        _stored_states(session)[person_id] = _flow_row(state)


async def write_flow_states(session: AsyncSession) -> None:
    """Write the conversation states this unit of work changed, one statement each, before it
    commits (``Database.unit_of_work``) or reads them otherwise (``FlowStates.of_others``).

    A state is the one row every answer changes. The ORM's flush wrote it at about twice the cost
    of the statement itself (sorting its unit of work, its events, its bookkeeping), so the
    repository keeps the states it hands out and compares each with its row, as the flush would
    (an attribute set anew; a dict changed in place is not seen, by either). A row deleted
    meanwhile (by a person leaving, on another replica) is the ORM's ``StaleDataError``, which
    the dispatcher's retry knows."""
    stored = session.info.get(_FLOW_STATES_STORED)
    if not stored:
        return
    known = _known_states(session)
    for person_id, row in list(stored.items()):
        state = known.get(person_id)
        if state is None:
            continue
        now = _flow_row(state)
        if now == row:
            continue
        values = dict(zip(_FLOW_COLUMNS, now, strict=True))
        result = await session.execute(_UPDATE_FLOW_STATE, {"of_person": person_id, **values})
        if getattr(result, "rowcount", 1) != 1:
            raise StaleDataError(f"the conversation state of person {person_id} was deleted meanwhile")
        stored[person_id] = now


class People:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_telegram_id(self, telegram_user_id: int) -> Person | None:
        result = await self._session.execute(_PERSON_BY_TELEGRAM_ID, {"telegram_user_id": telegram_user_id})
        return result.scalar_one_or_none()

    async def sender(self, telegram_user_id: int) -> Person | None:
        """As ``by_telegram_id``, reading their conversation's state along (``FlowStates.of``
        then finds it in the unit of work, or knows there is none)."""
        row = (await self._session.execute(_SENDER, {"telegram_user_id": telegram_user_id})).first()
        if row is None:
            return None
        person, state = row
        _hold_state(self._session, person.id, state)
        return person

    async def get(self, person_id: int) -> Person | None:
        return await self._session.get(Person, person_id)

    async def by_chat(self, chat_id: int) -> Person | None:
        """Whose private chat this is (None for a group, or someone Tandem does not know)."""
        query = select(Person).where(Person.chat_id == chat_id).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, person: Person) -> Person:
        self._session.add(person)
        await self._session.flush()
        _known_states(self._session)[person.id] = None  # someone new is in no conversation
        return person

    async def lock(self, *person_ids: int) -> list[Person]:
        """These people, read afresh and held until the transaction ends (by id, the order every
        decision takes them in, after the pairs it locks: ``Pairs.lock``)."""
        query = select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)
        return list((await self._session.execute(held(query))).scalars().all())

    async def erase(self, person: Person) -> None:
        """Delete the person's row (their conversation state goes with it, by cascade)."""
        await self._session.delete(person)
        await self._session.flush()

    async def unreachable(self, scope: AreaScope | None = None) -> Sequence[Person]:
        """People with a role whom the bot can no longer reach (they blocked it), longest first
        (``scope``: the learners and mentors of its areas)."""
        query = (
            select(Person)
            .where(Person.unreachable_since.is_not(None), Person.role.is_not(None))
            .order_by(Person.unreachable_since)
        )
        if scope is not None:
            query = query.where(Person.role.in_(("learner", "mentor")), scope.clause())
        return (await self._session.execute(query)).scalars().all()

    async def waiting_learners(self, scope: AreaScope | None = None) -> Sequence[Person]:
        """Learners who can be matched now: consented (and their guardian, if needed), not paused
        or unreachable, without a mentor, and not mentored to a planned end; longest waiting first."""
        live = select(Pair.learner_id).where(Pair.status.in_(LIVE_PAIRS))
        finished = select(Pair.learner_id).where(Pair.end_kind == "planned")  # mentored to the end
        query = (
            select(Person)
            .where(
                Person.role == "learner",
                Person.id.not_in(finished),
                Person.consent_at.is_not(None),
                Person.guardian_status.is_(None) | (Person.guardian_status == "confirmed"),
                Person.paused_at.is_(None),
                Person.unreachable_since.is_(None),
                Person.id.not_in(live),
            )
            .order_by(Person.consent_at, Person.id)
        )
        return (await self._session.execute(scoped(query, scope))).scalars().all()

    async def ready_mentors(self) -> Sequence[Person]:
        """Mentors screened, checked and trained, not suspended, paused or unreachable."""
        query = (
            select(Person)
            .where(
                Person.role == "mentor",
                Person.screening == "approved",  # a coordinator's suspension keeps them out
                Person.ready_at.is_not(None),
                Person.suspended_at.is_(None),
                Person.paused_at.is_(None),
                Person.unreachable_since.is_(None),
            )
            .order_by(Person.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def applicants(self, scope: AreaScope | None = None) -> Sequence[Person]:
        """Volunteers waiting for a screening decision, oldest application first."""
        query = (
            select(Person)
            .where(Person.role == "mentor", Person.screening.in_(("waiting", "more_info", "interview")))
            .order_by(Person.consent_at, Person.id)
        )
        return (await self._session.execute(scoped(query, scope))).scalars().all()

    async def guardians_pending(self, scope: AreaScope | None = None) -> Sequence[Person]:
        """Learners whose guardian's answer a coordinator is to record (not asked yet, or to be
        asked again since the learner changed their answers after a "no"), oldest first."""
        query = (
            select(Person)
            .where(Person.guardian_status.in_(("pending", "recheck")))
            .order_by(Person.updated_at)
        )
        return (await self._session.execute(scoped(query, scope))).scalars().all()

    async def with_role(self, role: str, *, lock: bool = False) -> Sequence[Person]:
        """Everyone with the role; ``lock``: their rows held until the transaction ends, so two
        coordinators removing each other at once cannot leave the programme with none."""
        query = select(Person).where(Person.role == role).order_by(Person.id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalars().all()

    async def roster(
        self, *, words: str = "", school: str = "", cohort: str = "", role: str = "", limit: int = 200
    ) -> Sequence[Person]:
        """People with a role, by name: those whose name holds ``words``, of a school, a cohort, a
        role (each ignored when empty); at most ``limit``."""
        query = select(Person).where(Person.role.is_not(None))
        if words:
            pattern = "%" + words.replace("\\", "").replace("%", "").replace("_", "") + "%"
            query = query.where(
                Person.first_name.ilike(pattern) | func.coalesce(Person.preferred_name, "").ilike(pattern)
            )
        if school:
            query = query.where(Person.school == school)
        if cohort:
            query = query.where(Person.cohort == cohort)
        if role:
            query = query.where(Person.role == role)
        name = func.coalesce(Person.preferred_name, Person.first_name)
        return (await self._session.execute(query.order_by(name, Person.id).limit(limit))).scalars().all()

    async def schools_and_cohorts(self) -> tuple[list[str], list[str]]:
        """Every school and cohort people were invited with, sorted: the roster's filters."""
        schools = await self._session.execute(
            select(Person.school).where(Person.school.is_not(None)).distinct()
        )
        cohorts = await self._session.execute(
            select(Person.cohort).where(Person.cohort.is_not(None)).distinct()
        )
        return sorted(str(s) for s in schools.scalars()), sorted(str(c) for c in cohorts.scalars())

    async def team(self) -> Sequence[Person]:
        """The programme's staff and volunteers: coordinators, then mentors past screening
        (approved or suspended), each group by name."""
        query = (
            select(Person)
            .where(
                (Person.role == "coordinator")
                | ((Person.role == "mentor") & Person.screening.in_(("approved", "suspended")))
            )
            .order_by(Person.role, func.coalesce(Person.preferred_name, Person.first_name), Person.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def mark_unreachable(self, chat_id: int, since: datetime) -> bool:
        result = await self._session.execute(
            update(Person)
            .where(Person.chat_id == chat_id, Person.unreachable_since.is_(None))
            .values(unreachable_since=since, updated_at=since)
        )
        return bool(getattr(result, "rowcount", 0))


class ProcessedUpdates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, update_id: int) -> bool:
        return await self._session.get(ProcessedUpdate, update_id) is not None

    async def claim(self, update_id: int, when: datetime) -> bool:
        """Claim the update: False when it was handled before. On PostgreSQL a replica handling
        the same update at the same moment waits here for the other's commit (or rollback)."""
        statement = _update_claim(_insert_for(self._session))
        values = {"update_id": update_id, "handled_at": when}
        return (await self._session.execute(statement, values)).first() is not None


class FlowStates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, person_id: int) -> FlowState | None:
        """Their conversation's state: the one this unit of work holds (read along with the
        sender, read before, saved) or knows is none (cleared, someone new), else read. It is
        written back when it changed, before the unit of work commits."""
        known = _known_states(self._session)
        if person_id in known:
            return known[person_id]
        state = (await self._session.execute(_FLOW_STATE_OF, {"person_id": person_id})).scalar_one_or_none()
        _hold_state(self._session, person_id, state)
        return state

    async def save(self, state: FlowState) -> None:
        """A conversation begun (none is in the foreground): its row inserted now."""
        row = _flow_row(state)
        await self._session.execute(
            _INSERT_FLOW_STATE, {"person_id": state.person_id, **dict(zip(_FLOW_COLUMNS, row, strict=True))}
        )
        _known_states(self._session)[state.person_id] = state
        _stored_states(self._session)[state.person_id] = row

    async def clear(self, person_id: int) -> None:
        """End their conversation: a statement on the table, built once (the ORM's delete would
        build and compile one each time)."""
        await self._session.execute(_CLEAR_FLOW_STATE, {"person_id": person_id})
        held = self._session.identity_map.get(identity_key(FlowState, person_id))
        if held is not None:  # read by ``of_others`` meanwhile
            self._session.expunge(held)
        _known_states(self._session)[person_id] = None
        _stored_states(self._session).pop(person_id, None)

    async def forget(self, person_id: int) -> None:
        """The foreground conversation and the whole agenda (erasure)."""
        await self.clear(person_id)
        await self._session.execute(delete(WaitingFlow).where(WaitingFlow.person_id == person_id))

    async def of_others(self, person_id: int) -> list[FlowState | WaitingFlow]:
        """Everyone else's conversations, in the foreground and waiting (erasure: what refers to
        the person who leaves)."""
        await write_flow_states(self._session)
        foreground = await self._session.scalars(select(FlowState).where(FlowState.person_id != person_id))
        waiting = await self._session.scalars(select(WaitingFlow).where(WaitingFlow.person_id != person_id))
        return [*foreground, *waiting]

    async def drop(self, row: FlowState | WaitingFlow) -> None:
        if isinstance(row, FlowState) and row not in self._session:  # one this repository holds
            await self.clear(row.person_id)
            return
        await self._session.delete(row)
        await self._session.flush()
        if isinstance(row, FlowState):
            _known_states(self._session)[row.person_id] = None
            _stored_states(self._session).pop(row.person_id, None)

    async def agenda(self, person_id: int) -> list[WaitingFlow]:
        """What waits behind the foreground, in the order it comes forward: what the person set
        aside themselves, the latest first; then what others started, the oldest first."""
        rows = await self._session.scalars(select(WaitingFlow).where(WaitingFlow.person_id == person_id))
        waiting = list(rows)
        parked = sorted((w for w in waiting if w.parked), key=lambda w: w.id, reverse=True)
        return parked + sorted((w for w in waiting if not w.parked), key=lambda w: w.id)

    async def wait(self, waiting: WaitingFlow) -> None:
        self._session.add(waiting)
        await self._session.flush()

    async def unwait(self, waiting: WaitingFlow) -> None:
        await self._session.delete(waiting)
        await self._session.flush()


_DUE_JOBS = table_of(DueJob)
_CANCEL_JOB = (
    update(_DUE_JOBS)
    .where(_DUE_JOBS.c.dedupe_key == bindparam("job_key"), _DUE_JOBS.c.status == "pending")
    .values(status="cancelled")
)


class DueJobs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, values: dict[str, Any]) -> None:
        """Store a job; one with the same dedupe key is replaced (one statement, an upsert)."""
        if values.get("dedupe_key") is None:
            await self._session.execute(insert(table_of(DueJob)), values)
            return
        await self._session.execute(_job_upsert(_insert_for(self._session)), values)

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store jobs without dedupe keys, in one executemany."""
        if rows:
            await self._session.execute(insert(table_of(DueJob)), list(rows))

    async def due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[DueJob]:
        """Pending jobs due by ``now``, oldest first; ``after`` continues past a (due_at, id)."""
        query = (
            select(DueJob)
            .where(DueJob.status == "pending", DueJob.due_at <= now)
            .order_by(DueJob.due_at, DueJob.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(tuple_(DueJob.due_at, DueJob.id) > tuple_(*after))
        return (await self._session.execute(query)).scalars().all()

    async def add_once(self, values: dict[str, Any]) -> bool:
        """Store a job unless one of its dedupe key exists (whatever its state); True if stored."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        table = table_of(DueJob)
        statement = upsert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        result = await self._session.execute(statement.returning(table.c.id))
        return result.scalar_one_or_none() is not None

    async def any_open(self, now: datetime, early: timedelta) -> bool:
        """Whether a pending job's window has opened (else the planner has nothing to run)."""
        opens = func.coalesce(DueJob.opens_at, DueJob.due_at)
        pending = (DueJob.status == "pending", DueJob.due_at <= now + early, opens <= now)
        query = select(DueJob.id).where(*pending)
        return (await self._session.execute(query.limit(1))).first() is not None

    async def windows(
        self, until: datetime, early: timedelta
    ) -> list[tuple[int, datetime, datetime | None, datetime | None]]:
        """Pending jobs whose window opens by ``until`` (all that are due, too): id, due_at,
        opens_at, closes_at; no window opens more than ``early`` before its due time (the
        index on due_at finds them). What the planner reads: four columns, no payload."""
        opens = func.coalesce(DueJob.opens_at, DueJob.due_at)
        query = select(DueJob.id, DueJob.due_at, DueJob.opens_at, DueJob.closes_at).where(
            DueJob.status == "pending", DueJob.due_at <= until + early, opens <= until
        )
        return [(i, due, o, c) for i, due, o, c in (await self._session.execute(query)).all()]

    async def get(self, job_id: int) -> DueJob | None:
        return await self._session.get(DueJob, job_id)

    async def claim(self, job_id: int) -> DueJob | None:
        """The job, locked for this transaction, if it is still pending and no other replica
        holds it (PostgreSQL's FOR UPDATE SKIP LOCKED; SQLite has one process and ignores it)."""
        query = (
            select(DueJob)
            .where(DueJob.id == job_id, DueJob.status == "pending")
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def next_due_at(self) -> datetime | None:
        query = select(DueJob.due_at).where(DueJob.status == "pending").order_by(DueJob.due_at)
        return (await self._session.execute(query.limit(1))).scalar_one_or_none()

    async def pending_for(self, kind: str, person_id: int) -> Sequence[DueJob]:
        """A person's pending jobs of one kind, soonest first."""
        table = table_of(DueJob)
        query = (
            select(DueJob)
            .where(
                DueJob.kind == kind,
                DueJob.status == "pending",
                table.c.payload["person_id"].as_integer() == person_id,
            )
            .order_by(DueJob.due_at)
        )
        return (await self._session.execute(query)).scalars().all()

    async def forget_person(self, person_id: int) -> None:
        """Every job about a person (erasure): their id is in the payload."""
        table = table_of(DueJob)
        await self._session.execute(
            delete(table).where(table.c.payload["person_id"].as_integer() == person_id)
        )

    async def unanchor(self, person_id: int, kinds: Sequence[str]) -> None:
        """Jobs of these kinds stop running for the person and stay when they go (a case's
        deadlines, scheduled for a person before they belonged to the case)."""
        table = table_of(DueJob)
        query = select(DueJob).where(
            DueJob.kind.in_(kinds), table.c.payload["person_id"].as_integer() == person_id
        )
        for job in (await self._session.execute(query)).scalars():
            job.payload = {key: value for key, value in job.payload.items() if key != "person_id"}
        await self._session.flush()

    async def cancel(self, dedupe_key: str) -> None:
        """A pending job of that key no longer runs (a statement built once; a question asked or
        a conversation ended cancels one). A job this unit of work holds says so too, as the ORM's
        own update would have made it."""
        await self._session.execute(_CANCEL_JOB, {"job_key": dedupe_key})
        for held in list(self._session.identity_map.values()):
            if isinstance(held, DueJob) and held.dedupe_key == dedupe_key and held.status == "pending":
                set_committed_value(held, "status", "cancelled")


_INSERT_OUTBOX = insert(table_of(OutboxMessage)).returning(
    table_of(OutboxMessage).c.id, sort_by_parameter_order=True
)
_DELETE_SENT = delete(table_of(OutboxMessage)).where(table_of(OutboxMessage).c.id == bindparam("outbox_id"))


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows in one statement; their ids come back in the rows' order."""
        return list((await self._session.execute(_INSERT_OUTBOX, list(rows))).scalars())

    async def claim(self, now: datetime, limit: int, lease_until: datetime) -> Sequence[OutboxMessage]:
        """Rows due for a (re)try (their event's own delivery did not happen or failed), leased
        to this replica until ``lease_until``: rows another replica has locked are skipped, and
        the lease keeps the others off them after this transaction commits."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(UNDELIVERED), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self._session.execute(query)).scalars().all()
        for row in rows:
            row.next_attempt_at = lease_until
        return rows

    async def settle_many(self, outcomes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Record delivery outcomes: a finished row is deleted (the outbox is a queue, not an
        archive of what people were told); one still to retry is updated, in one executemany."""
        finished = [i for i, values in outcomes if values["status"] in FINISHED]
        retry = [(i, values) for i, values in outcomes if values["status"] not in FINISHED]
        table = table_of(OutboxMessage)
        if finished:  # an executemany: a list in IN () would compile the statement anew each time
            await self._session.execute(_DELETE_SENT, [{"outbox_id": i} for i in finished])
        if not retry:
            return
        outcomes = retry
        columns = sorted(outcomes[0][1])
        statement = (
            update(table)
            .where(table.c.id == bindparam("outbox_id"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        params = [
            {"outbox_id": outbox_id, **{f"new_{k}": values[k] for k in columns}}
            for outbox_id, values in outcomes
        ]
        await self._session.execute(statement, params)

    async def forget_chat(self, chat_id: int) -> None:
        """Every row for a chat, whatever its state (erasure)."""
        await self._session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))

    async def drop_pending_for(self, chat_id: int) -> None:
        """The person cannot be reached: what waited for them is not kept."""
        await self._session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.status.in_(UNDELIVERED)
            )
        )


class SendWindows:
    """The bulk send budget the replicas share: a row a second, its messages claimed by upserts
    (each atomic, so two replicas never take the same second's last message)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _upsert(self) -> Any:
        dialect = self._session.get_bind().dialect.name
        return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table_of(SendWindow))

    async def claim(self, second: int, want: int, limit: int) -> int:
        """Up to ``want`` of the ``limit`` messages of one second: how many this claim got."""
        table = table_of(SendWindow)
        first = min(want, limit)
        total = table.c.used + want
        taken = case((total > limit, limit), else_=total)
        statement = (
            self._upsert()
            .values(second=second, used=first, granted=first)
            .on_conflict_do_update(
                index_elements=[table.c.second],
                set_={"granted": taken - table.c.used, "used": taken},  # both read the old row
            )
            .returning(table.c.granted)
        )
        return max(0, int((await self._session.execute(statement)).scalar_one()))

    async def fill(self, seconds: Sequence[int], limit: int) -> None:
        """Nothing more to take in these seconds (Telegram asked us to wait)."""
        if not seconds:
            return
        table = table_of(SendWindow)
        statement = self._upsert().values([{"second": s, "used": limit, "granted": 0} for s in seconds])
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.second], set_={"used": limit, "granted": 0}
        )
        await self._session.execute(statement)

    async def forget_before(self, second: int) -> None:
        table = table_of(SendWindow)
        await self._session.execute(delete(table).where(table.c.second < second))


class Invites:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invite: Invite) -> Invite:
        self._session.add(invite)
        await self._session.flush()
        return invite

    async def by_code(self, code: str) -> Invite | None:
        result = await self._session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one_or_none()

    async def get(self, invite_id: int) -> Invite | None:
        return await self._session.get(Invite, invite_id)

    async def take_use(self, invite: Invite) -> bool:
        """Count one more use, unless the invite is used up: False then. One statement, so that
        people opening a single-use link at the same moment cannot all get in (on PostgreSQL the
        second waits for the first's row lock, then finds the row used up)."""
        taken = await self._session.execute(
            update(Invite)
            .where(Invite.id == invite.id)
            .where((Invite.max_uses.is_(None)) | (Invite.uses < Invite.max_uses))
            .values(uses=Invite.uses + 1)
            .returning(Invite.uses)
            .execution_options(synchronize_session=False)
        )
        uses = taken.scalar_one_or_none()
        if uses is not None:
            set_committed_value(invite, "uses", uses)
        return uses is not None

    async def revoke_coordinator_invites_of(self, person_id: int, now: datetime) -> None:
        """Withdraw the open coordinator invites a person made: they are no longer one, and a code
        kept back would make them one again."""
        await self._session.execute(
            update(Invite)
            .where(Invite.created_by == person_id, Invite.role == "coordinator", Invite.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def open(self, now: datetime, scope: AreaScope | None = None) -> Sequence[Invite]:
        """Invites that still work: not withdrawn, not expired, not used up; newest first
        (``scope``: those into its areas)."""
        query = (
            select(Invite)
            .where(Invite.revoked_at.is_(None))
            .where((Invite.expires_at.is_(None)) | (Invite.expires_at > now))
            .where((Invite.max_uses.is_(None)) | (Invite.uses < Invite.max_uses))
            .order_by(Invite.id.desc())
        )
        query = scoped(query, scope, lambda scope: scope.clause(Invite.area))
        return (await self._session.execute(query)).scalars().all()


class MentorChecks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, check: MentorCheck) -> MentorCheck:
        self._session.add(check)
        await self._session.flush()
        return check

    async def get(self, check_id: int) -> MentorCheck | None:
        return await self._session.get(MentorCheck, check_id)

    async def expiring(self, until: date) -> Sequence[MentorCheck]:
        """Checks that run out by ``until`` (or have), soonest first: one a mentor and kind, the newest."""
        newest = (
            select(MentorCheck.person_id, MentorCheck.kind, func.max(MentorCheck.id).label("id"))
            .group_by(MentorCheck.person_id, MentorCheck.kind)
            .subquery()
        )
        query = (
            select(MentorCheck)
            .join(newest, MentorCheck.id == newest.c.id)
            .where(MentorCheck.expires_on.is_not(None), MentorCheck.expires_on <= until)
            .order_by(MentorCheck.expires_on, MentorCheck.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def of(self, person_id: int) -> Sequence[MentorCheck]:
        """A mentor's checks, newest first."""
        query = (
            select(MentorCheck)
            .where(MentorCheck.person_id == person_id)
            .order_by(MentorCheck.done_on.desc(), MentorCheck.id.desc())
        )
        return (await self._session.execute(query)).scalars().all()


class Pairs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, pair: Pair) -> Pair:
        self._session.add(pair)
        await self._session.flush()
        return pair

    async def add_all(self, pairs: Sequence[Pair]) -> None:
        """Many pairs in one flush (a national /match proposes tens of thousands)."""
        self._session.add_all(pairs)
        await self._session.flush()

    async def get(self, pair_id: int) -> Pair | None:
        return await self._session.get(Pair, pair_id)

    async def lock(self, pair_id: int) -> Pair | None:
        """The pair, read afresh and held until the transaction ends. A decision that reads the
        pair's state (or a partner's) and then writes begins here: another decision about the
        same pair waits for this one to commit, then reads what it wrote. Two people deciding at
        once in their own chats would otherwise each see the other as not yet decided."""
        query = select(Pair).where(Pair.id == pair_id)
        return (await self._session.execute(held(query))).scalar_one_or_none()

    async def lock_live_of(self, person_id: int) -> list[Pair]:
        """Every pair the person is in, whatever its state, locked as ``lock`` does (by id: one
        order for all, so two such decisions never wait on each other); the live ones come back.
        A proposal being approved at this moment is waited for, then counted if it went live."""
        query = (
            select(Pair)
            .where((Pair.learner_id == person_id) | (Pair.mentor_id == person_id))
            .order_by(Pair.id)
        )
        pairs = (await self._session.execute(held(query))).scalars().all()
        return [pair for pair in pairs if pair.status in LIVE_PAIRS]

    async def drop_proposals(self, scope: AreaScope | None = None) -> None:
        """A new /match replaces the proposals nobody decided on (``scope``: of its areas)."""
        query = delete(Pair).where(Pair.status == "proposed")
        if scope is not None:
            query = query.where(scope.pairs())
        await self._session.execute(query)

    async def next_proposal(self, scope: AreaScope | None = None) -> Pair | None:
        query = select(Pair).where(Pair.status == "proposed")
        query = scoped(query, scope, AreaScope.pairs).order_by(Pair.position).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def proposals(self) -> Sequence[Pair]:
        """The proposals waiting for a decision, in /match's order."""
        query = select(Pair).where(Pair.status == "proposed").order_by(Pair.position, Pair.id)
        return (await self._session.execute(query)).scalars().all()

    async def proposals_count(self, scope: AreaScope | None = None) -> int:
        """How many proposals the current /match run made (decided or not)."""
        latest = scoped(select(func.max(Pair.created_at)).where(Pair.position >= 0), scope, AreaScope.pairs)
        query = select(func.count()).select_from(Pair).where(Pair.created_at == latest.scalar_subquery())
        return int((await self._session.execute(scoped(query, scope, AreaScope.pairs))).scalar_one())

    async def run_start(self) -> int | None:
        """The first pair id of the latest /match run: the run's name on its batch buttons. Each
        run numbers its proposals from 0, and a later run's rows come after (two runs may share a
        clock time, so the time cannot tell them apart)."""
        query = select(func.max(Pair.id)).where(Pair.position == 0)
        found = (await self._session.execute(query)).scalar_one_or_none()
        return None if found is None else int(found)

    async def pending(
        self, at_least: float = 0.0, *, lock: bool = False, scope: AreaScope | None = None
    ) -> list[Pair]:
        """The proposals nobody decided on (all of the latest run's: /match drops the older ones),
        scoring ``at_least``, in the run's order; only ``scope``'s when given. With ``lock``, held
        as ``lock`` holds one, in the order of their ids, so that two approvals of many at once take
        turns; the second sees what the first did."""
        query = select(Pair).where(Pair.status == "proposed", Pair.score >= at_least - 1e-6)
        query = scoped(query, scope, AreaScope.pairs)
        if lock:
            query = held(query.order_by(Pair.id))
            rows = (await self._session.execute(query)).scalars().all()
            return sorted((pair for pair in rows if pair.status == "proposed"), key=lambda p: p.position)
        query = query.order_by(Pair.position)
        return list((await self._session.execute(query)).scalars().all())

    async def load_of(self, mentor_id: int) -> int:
        """Learners this mentor has now (introduced or active)."""
        query = (
            select(func.count())
            .select_from(Pair)
            .where(Pair.mentor_id == mentor_id, Pair.status.in_(LIVE_PAIRS))
        )
        return int((await self._session.execute(query)).scalar_one())

    async def load(self) -> dict[int, int]:
        """Learners each mentor has now (introduced or active)."""
        query = (
            select(Pair.mentor_id, func.count()).where(Pair.status.in_(LIVE_PAIRS)).group_by(Pair.mentor_id)
        )
        return {int(m): int(n) for m, n in (await self._session.execute(query)).all()}

    async def closed(self) -> set[tuple[int, int]]:
        """(learner, mentor) pairs that were declined or ended: never proposed again."""
        query = select(Pair.learner_id, Pair.mentor_id).where(Pair.status.in_(("declined", "ended")))
        return {(int(a), int(b)) for a, b in (await self._session.execute(query)).all()}

    async def live(self, scope: AreaScope | None = None) -> Sequence[Pair]:
        query = select(Pair).where(Pair.status.in_(LIVE_PAIRS)).order_by(Pair.id)
        query = scoped(query, scope, AreaScope.pairs)
        return (await self._session.execute(query)).scalars().all()

    async def live_of(self, person_id: int) -> Sequence[Pair]:
        """Every introduced or active pair the person is in, as learner or mentor."""
        query = (
            select(Pair)
            .where(
                Pair.status.in_(LIVE_PAIRS), (Pair.learner_id == person_id) | (Pair.mentor_id == person_id)
            )
            .order_by(Pair.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def of_person(self, person_id: int) -> Sequence[Pair]:
        """Every pair the person was ever in, whatever became of it, oldest first."""
        query = (
            select(Pair)
            .where((Pair.learner_id == person_id) | (Pair.mentor_id == person_id))
            .order_by(Pair.id)
        )
        return (await self._session.execute(query)).scalars().all()

    async def current_for(self, person_id: int) -> Pair | None:
        """The person's introduced or active pair (as learner or mentor), the newest."""
        pairs = await self.live_of(person_id)
        return pairs[-1] if pairs else None


class Sessions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: Session) -> Session:
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, session_id: int) -> Session | None:
        return await self._session.get(Session, session_id)

    async def lock(self, session_id: int) -> Session | None:
        """The session, read afresh once its pair is locked (``Pairs.lock``; ``get`` then gives
        the pair as locked): a session's decisions (moving it, cancelling it) are the pair's."""
        pair_of = select(Session.pair_id).where(Session.id == session_id).scalar_subquery()
        await self._session.execute(held(select(Pair).where(Pair.id == pair_of)))
        query = select(Session).where(Session.id == session_id).execution_options(populate_existing=True)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def upcoming(self, pair_id: int, now: datetime) -> list[Session]:
        """The pair's sessions still ahead (cancelled ones too: their week is planned), soonest first."""
        query = (
            select(Session)
            .where(Session.pair_id == pair_id, Session.starts_at > now)
            .order_by(Session.starts_at)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def between(self, pair_id: int, start: datetime, end: datetime) -> list[Session]:
        query = (
            select(Session)
            .where(Session.pair_id == pair_id, Session.starts_at >= start, Session.starts_at <= end)
            .order_by(Session.starts_at)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def of_pairs(self, pair_ids: Sequence[int]) -> list[Session]:
        """Every session of these pairs, by time."""
        query = select(Session).where(Session.pair_id.in_(pair_ids)).order_by(Session.starts_at)
        return list((await self._session.execute(query)).scalars().all())

    async def past(self, pair_id: int, now: datetime) -> list[Session]:
        query = (
            select(Session)
            .where(Session.pair_id == pair_id, Session.starts_at <= now)
            .order_by(Session.starts_at.desc())
        )
        return list((await self._session.execute(query)).scalars().all())


class Signals:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def raise_once(self, pair_id: int, kind: str, at: datetime) -> bool:
        """Record a signal unless one of its kind is still open for the pair; True when new."""
        query = select(Signal.id).where(
            Signal.pair_id == pair_id, Signal.kind == kind, Signal.handled_at.is_(None)
        )
        if (await self._session.execute(query)).first() is not None:
            return False
        self._session.add(Signal(pair_id=pair_id, kind=kind, raised_at=at))
        return True

    async def open(self) -> Sequence[Signal]:
        query = select(Signal).where(Signal.handled_at.is_(None)).order_by(Signal.id)
        return (await self._session.execute(query)).scalars().all()


class Audit:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        at: datetime,
        actor: Person | None,
        action: str,
        subject: Person | None,
        **detail: Any,
    ) -> None:
        entry = AuditEntry(
            at=at,
            actor_id=actor.id if actor else None,
            action=action,
            subject_id=subject.id if subject else None,
            detail=detail,
        )
        self._session.add(entry)

    async def about(self, subject_id: int) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.subject_id == subject_id).order_by(AuditEntry.id)
        return (await self._session.execute(query)).scalars().all()


class Goals:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, goal: Goal) -> Goal:
        self._session.add(goal)
        await self._session.flush()
        return goal

    async def get(self, goal_id: int) -> Goal | None:
        return await self._session.get(Goal, goal_id)

    async def of(self, person_id: int, statuses: Sequence[str] = ("open",)) -> list[Goal]:
        """A learner's goals in these states, oldest first."""
        query = (
            select(Goal)
            .where(Goal.person_id == person_id, Goal.status.in_(statuses))
            .order_by(Goal.created_at, Goal.id)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def add_step(self, step: NextStep) -> NextStep:
        self._session.add(step)
        await self._session.flush()
        return step

    async def get_step(self, step_id: int) -> NextStep | None:
        return await self._session.get(NextStep, step_id)

    async def steps_of(self, goal_id: int) -> list[NextStep]:
        query = select(NextStep).where(NextStep.goal_id == goal_id).order_by(NextStep.id)
        return list((await self._session.execute(query)).scalars().all())

    async def due_steps(self, person_id: int, day: date) -> list[NextStep]:
        """Open next steps of a learner's open goals, due by ``day`` or without a date."""
        query = (
            select(NextStep)
            .join(Goal, Goal.id == NextStep.goal_id)
            .where(
                Goal.person_id == person_id,
                Goal.status == "open",
                NextStep.status == "open",
                or_(NextStep.due_on.is_(None), NextStep.due_on <= day),
            )
            .order_by(NextStep.due_on, NextStep.id)
        )
        return list((await self._session.execute(query)).scalars().all())


class CheckIns:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, check_in: CheckIn) -> CheckIn:
        self._session.add(check_in)
        await self._session.flush()
        return check_in

    async def get(self, check_in_id: int) -> CheckIn | None:
        return await self._session.get(CheckIn, check_in_id)

    async def latest(self, person_id: int, n: int) -> list[CheckIn]:
        """A learner's last ``n`` check-ins, newest first."""
        query = (
            select(CheckIn)
            .where(CheckIn.person_id == person_id)
            .order_by(CheckIn.asked_at.desc(), CheckIn.id.desc())
            .limit(n)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def all_of(self, person_id: int) -> list[CheckIn]:
        query = select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.asked_at, CheckIn.id)
        return list((await self._session.execute(query)).scalars().all())


class Reflections:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, reflection: Reflection) -> Reflection:
        self._session.add(reflection)
        await self._session.flush()
        return reflection

    async def get(self, reflection_id: int) -> Reflection | None:
        return await self._session.get(Reflection, reflection_id)

    async def of(self, person_id: int) -> list[Reflection]:
        query = (
            select(Reflection)
            .where(Reflection.person_id == person_id)
            .order_by(Reflection.asked_at, Reflection.id)
        )
        return list((await self._session.execute(query)).scalars().all())


class MentorNotes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, note: MentorNote) -> MentorNote:
        self._session.add(note)
        await self._session.flush()
        return note

    async def by_mentor(self, mentor_id: int) -> list[MentorNote]:
        query = select(MentorNote).where(MentorNote.mentor_id == mentor_id).order_by(MentorNote.id)
        return list((await self._session.execute(query)).scalars().all())

    async def of_pair(self, pair_id: int) -> list[MentorNote]:
        query = select(MentorNote).where(MentorNote.pair_id == pair_id).order_by(MentorNote.id)
        return list((await self._session.execute(query)).scalars().all())


class RelayedMessages:
    """What the people of a pair wrote to each other through the bot."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: RelayedMessage) -> RelayedMessage:
        self._session.add(message)
        await self._session.flush()
        return message

    async def get(self, message_id: int) -> RelayedMessage | None:
        return await self._session.get(RelayedMessage, message_id)

    async def lock(self, message_id: int) -> RelayedMessage | None:
        """The message, its row locked: two coordinators deciding on it at once decide once."""
        query = select(RelayedMessage).where(RelayedMessage.id == message_id).with_for_update()
        return (await self._session.execute(query)).scalars().first()

    async def sent_by_since(self, sender_id: int, since: datetime) -> int:
        """How many messages the person wrote to a partner since then (for the rate limit)."""
        query = select(func.count(RelayedMessage.id)).where(
            RelayedMessage.sender_id == sender_id, RelayedMessage.created_at >= since
        )
        return int((await self._session.execute(query)).scalar() or 0)

    async def of_pair(self, pair_id: int, limit: int) -> list[RelayedMessage]:
        """The pair's newest ``limit`` messages, oldest first."""
        query = (
            select(RelayedMessage)
            .where(RelayedMessage.pair_id == pair_id)
            .order_by(RelayedMessage.id.desc())
            .limit(limit)
        )
        return list(reversed((await self._session.execute(query)).scalars().all()))

    async def of_person(self, person_id: int) -> list[RelayedMessage]:
        """Every message the person wrote or was sent, oldest first (for /mydata)."""
        query = (
            select(RelayedMessage)
            .where(or_(RelayedMessage.sender_id == person_id, RelayedMessage.recipient_id == person_id))
            .order_by(RelayedMessage.id)
        )
        return list((await self._session.execute(query)).scalars().all())


class MessageRefs:
    """Where each copy of a tracked message went (one row per copy), to edit them all alike."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, key: str, chat_id: int, message_id: int, at: datetime) -> None:
        self._session.add(MessageRef(key=key, chat_id=chat_id, message_id=message_id, sent_at=at))

    async def of(self, key: str) -> list[MessageRef]:
        """Every copy of a message, oldest first."""
        query = select(MessageRef).where(MessageRef.key == key).order_by(MessageRef.id)
        return list((await self._session.execute(query)).scalars().all())

    async def in_chat(self, chat_id: int) -> list[MessageRef]:
        """Every tracked message in one chat (the coordinators' group), oldest first."""
        query = select(MessageRef).where(MessageRef.chat_id == chat_id).order_by(MessageRef.id)
        return list((await self._session.execute(query)).scalars().all())

    async def forget_chat(self, chat_id: int) -> None:
        """The copies in a person's chat (erasure), or in a group that is no longer the
        coordinators': nothing is edited there any more."""
        await self._session.execute(delete(MessageRef).where(MessageRef.chat_id == chat_id))

    async def forget(self, key: str) -> None:
        """Every copy of a message: none is edited again."""
        await self._session.execute(delete(MessageRef).where(MessageRef.key == key))


class GroupChats:
    """Whether a group (the coordinators') still takes the bot's messages, and who is in it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def unreachable(self, chat_id: int) -> bool:
        query = select(GroupChat.unreachable_since).where(GroupChat.chat_id == chat_id)
        return (await self._session.execute(query)).scalar_one_or_none() is not None

    async def any_unreachable(self) -> bool:
        query = select(GroupChat.chat_id).where(GroupChat.unreachable_since.is_not(None)).limit(1)
        return (await self._session.execute(query)).first() is not None

    async def mark_unreachable(self, chat_id: int, since: datetime) -> bool:
        """True when the group was taken for reachable until now (so this is news)."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        await self._session.execute(
            upsert(table_of(GroupChat))
            .values(chat_id=chat_id, unreachable_since=None, updated_at=since)
            .on_conflict_do_nothing(index_elements=["chat_id"])
        )
        result = await self._session.execute(
            update(GroupChat)
            .where(GroupChat.chat_id == chat_id, GroupChat.unreachable_since.is_(None))
            .values(unreachable_since=since, updated_at=since)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def mark_reachable(self, chat_id: int, now: datetime) -> bool:
        """True when the group was taken for unreachable until now."""
        result = await self._session.execute(
            update(GroupChat)
            .where(GroupChat.chat_id == chat_id, GroupChat.unreachable_since.is_not(None))
            .values(unreachable_since=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    # --- which group is the coordinators'

    async def coordinators(self, area: str = "") -> int | None:
        """The chat id recorded for the coordinators of ``area`` ("" the whole programme)."""
        query = select(CoordinatorGroup.chat_id).where(CoordinatorGroup.area == area)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def set_coordinators(
        self, chat_id: int, by: int | None, now: datetime, area: str = ""
    ) -> int | None:
        """Record ``chat_id`` as the coordinators' group of ``area``; the one recorded before
        (None: none was), read under the row's lock, so that of two at once the second sees the
        first's (two first ones collide on the key, and the loser is run again)."""
        row = await self._session.get(CoordinatorGroup, area, with_for_update=True, populate_existing=True)
        if row is None:
            self._session.add(CoordinatorGroup(area=area, chat_id=chat_id, set_by=by, set_at=now))
            await self._session.flush()
            return None
        before = row.chat_id
        if before != chat_id:
            row.chat_id, row.set_by, row.set_at = chat_id, by, now
            await self._session.flush()
        return before

    # --- who is in it

    async def of(self, chat_id: int, now: datetime) -> GroupChat:
        """The group's row, made on first need, as stored now."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        await self._session.execute(
            upsert(table_of(GroupChat))
            .values(chat_id=chat_id, unreachable_since=None, updated_at=now, vouched=0, unseen_told=0)
            .on_conflict_do_nothing(index_elements=["chat_id"])
        )
        row = await self._session.get(GroupChat, chat_id, populate_existing=True)
        assert row is not None
        return row

    async def seen(self, chat_id: int) -> list[GroupMember]:
        """The members the bot has seen in the group, the longest there first."""
        query = select(GroupMember).where(GroupMember.chat_id == chat_id).order_by(GroupMember.since)
        return list((await self._session.execute(query)).scalars().all())

    async def member(self, chat_id: int, user_id: int) -> GroupMember | None:
        return await self._session.get(GroupMember, (chat_id, user_id))

    def add_member(self, member: GroupMember) -> None:
        self._session.add(member)

    async def remove_member(self, member: GroupMember) -> None:
        await self._session.delete(member)
        await self._session.flush()

    async def strangers(self, chat_id: int) -> list[GroupMember]:
        """Members seen in the group who are not coordinators. Bots aside: a bot never receives
        another bot's messages, so it cannot read the alerts."""
        coordinators = select(Person.telegram_user_id).where(Person.role == "coordinator")
        query = (
            select(GroupMember)
            .where(
                GroupMember.chat_id == chat_id,
                GroupMember.is_bot.is_(False),
                GroupMember.user_id.not_in(coordinators),
            )
            .order_by(GroupMember.since)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def unseen(self, chat_id: int) -> int | None:
        """Members Telegram counts that the bot has not seen (None: never counted)."""
        row = await self._session.get(GroupChat, chat_id, populate_existing=True)
        if row is None or row.member_count is None:
            return None
        query = select(func.count()).select_from(GroupMember).where(GroupMember.chat_id == chat_id)
        seen = (await self._session.execute(query)).scalar_one()
        return max(0, row.member_count - 1 - seen)  # the 1: the bot itself

    async def closed(self, chat_id: int) -> bool:
        """Only coordinators read the group, as far as the bot can tell: everyone seen in it is
        one, and it was counted, with no more members than were seen or vouched for."""
        unseen = await self.unseen(chat_id)
        if unseen is None or await self.strangers(chat_id):
            return False
        row = await self._session.get(GroupChat, chat_id)
        return row is not None and unseen <= row.vouched


class Concerns:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, concern: Concern) -> Concern:
        self._session.add(concern)
        await self._session.flush()
        return concern

    async def get(self, concern_id: int) -> Concern | None:
        return await self._session.get(Concern, concern_id)

    async def lock(self, concern_id: int) -> Concern | None:
        """The concern, read afresh and held until the transaction ends: two coordinators
        pressing on their own copies of its alert decide one after the other (``Pairs.lock``)."""
        query = select(Concern).where(Concern.id == concern_id)
        return (await self._session.execute(held(query))).scalar_one_or_none()

    async def open_for(self, pair_id: int, kind: str) -> Concern | None:
        """The pair's unresolved concern of this kind, if there is one (signals add to it)."""
        query = (
            select(Concern)
            .where(Concern.pair_id == pair_id, Concern.kind == kind, Concern.status != "resolved")
            .order_by(Concern.id)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def raised_by_since(self, person_id: int, since: datetime) -> int:
        """How many concerns the person raised themselves since then."""
        query = select(func.count()).where(Concern.raised_by == person_id, Concern.created_at > since)
        return int((await self._session.execute(query)).scalar_one())

    async def newest_open_raised_by(
        self, person_id: int, *, pair_id: int | None, subject_id: int | None
    ) -> Concern | None:
        """The person's newest concern still open or acknowledged about this pair and learner
        (None: about no pair, or nobody)."""
        query = (
            select(Concern)
            .where(
                Concern.raised_by == person_id,
                Concern.status != "resolved",
                Concern.pair_id.is_not_distinct_from(pair_id),
                Concern.subject_id.is_not_distinct_from(subject_id),
            )
            .order_by(Concern.id.desc())
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def unresolved(self, scope: AreaScope | None = None) -> list[Concern]:
        query = select(Concern).where(Concern.status != "resolved").order_by(Concern.id)
        query = scoped(query, scope, AreaScope.concerns)
        return list((await self._session.execute(query)).scalars().all())

    async def involving(self, person_id: int, pair_ids: Sequence[int] = ()) -> list[Concern]:
        """Concerns a person raised, is the subject of, took as a coordinator or took any step
        in (a note, a message, a reply: a line of the log); and those of ``pair_ids`` (the pairs
        they were in)."""
        steps = select(CaseEntry.concern_id).where(CaseEntry.actor_id == person_id)
        query = (
            select(Concern)
            .where(
                or_(
                    Concern.raised_by == person_id,
                    Concern.subject_id == person_id,
                    Concern.acknowledged_by == person_id,
                    Concern.pair_id.in_(pair_ids),
                    Concern.id.in_(steps),
                )
            )
            .order_by(Concern.id)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def of_pair(self, pair_id: int) -> list[Concern]:
        query = select(Concern).where(Concern.pair_id == pair_id).order_by(Concern.id)
        return list((await self._session.execute(query)).scalars().all())

    async def log(self, entry: CaseEntry) -> None:
        self._session.add(entry)

    async def entries(self, concern_id: int) -> list[CaseEntry]:
        query = select(CaseEntry).where(CaseEntry.concern_id == concern_id).order_by(CaseEntry.id)
        return list((await self._session.execute(query)).scalars().all())


# Whom each audience of an announcement reaches, by role ("everyone": these and the coordinators).
AUDIENCE_ROLES = {"mentors": ("mentor",), "learners": ("learner",), "cohort": ("learner", "mentor")}


class Announcements:
    """A coordinator's messages to many, and what became of each recipient's copy."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def cohorts(self, scope: AreaScope | None = None) -> list[str]:
        """The cohorts people in the programme (or ``scope``) belong to, by name."""
        query = (
            select(Person.cohort)
            .where(Person.cohort.is_not(None), Person.role.in_(("learner", "mentor")))
            .distinct()
            .order_by(Person.cohort)
        )
        query = scoped(query, scope)
        return [c for c in (await self._session.execute(query)).scalars() if c]

    async def audience(
        self, audience: str, cohort: str | None = None, scope: AreaScope | None = None
    ) -> list[Person]:
        """Who an announcement to ``audience`` reaches: people of its roles, a cohort's if one is
        named; a suspended mentor is not one of the programme's mentors for now. ``scope``: the
        learners and mentors of its areas (coordinators are the caller's to sort)."""
        roles = AUDIENCE_ROLES.get(audience, ("learner", "mentor", "coordinator"))
        query = select(Person).where(
            Person.role.in_(roles), or_(Person.screening.is_(None), Person.screening != "suspended")
        )
        if audience == "cohort":
            query = query.where(Person.cohort == cohort)
        if scope is not None:
            query = query.where(or_(Person.role == "coordinator", scope.clause()))
        return list((await self._session.execute(query.order_by(Person.id))).scalars().all())

    async def add(self, announcement: Announcement, recipients: Sequence[int]) -> Announcement:
        self._session.add(announcement)
        await self._session.flush()
        if recipients:
            copy = {"announcement_id": announcement.id, "status": "pending"}
            rows = [{**copy, "person_id": i} for i in recipients]
            await self._session.execute(insert(table_of(AnnouncementCopy)), rows)
        return announcement

    async def get(self, announcement_id: int) -> Announcement | None:
        return await self._session.get(Announcement, announcement_id)

    async def settle(self, announcement_id: int, person_id: int, status: str) -> bool:
        """Record what became of one copy; False if it was settled already (the job ran twice)."""
        table = table_of(AnnouncementCopy)
        result = await self._session.execute(
            update(table)
            .where(
                table.c.announcement_id == announcement_id,
                table.c.person_id == person_id,
                table.c.status == "pending",
            )
            .values(status=status)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def tally(self, announcement: Announcement) -> Counter[str]:
        """How the copies went: a copy sent to someone who blocked Tandem since counts as gone."""
        copies = table_of(AnnouncementCopy)
        since = Person.unreachable_since
        blocked = since.is_not(None) & (since >= announcement.created_at)
        status = case(((copies.c.status == "sent") & blocked, "gone"), else_=copies.c.status)
        query = (
            select(status, func.count())
            .select_from(copies.join(Person, Person.id == copies.c.person_id))
            .where(copies.c.announcement_id == announcement.id)
            .group_by(status)
        )
        return Counter({str(s): int(n) for s, n in (await self._session.execute(query)).all()})


class Roundtables:
    """Mentors' roundtables and their guests' answers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, roundtable: Roundtable, guests: Sequence[int]) -> Roundtable:
        self._session.add(roundtable)
        await self._session.flush()
        if guests:
            rows = [{"roundtable_id": roundtable.id, "person_id": i} for i in guests]
            await self._session.execute(insert(table_of(RoundtableGuest)), rows)
        return roundtable

    async def get(self, roundtable_id: int) -> Roundtable | None:
        return await self._session.get(Roundtable, roundtable_id)

    async def guest(self, roundtable_id: int, person_id: int) -> RoundtableGuest | None:
        return await self._session.get(RoundtableGuest, (roundtable_id, person_id))

    async def coming(self, roundtable_id: int) -> list[Person]:
        query = (
            select(Person)
            .join(RoundtableGuest, RoundtableGuest.person_id == Person.id)
            .where(RoundtableGuest.roundtable_id == roundtable_id, RoundtableGuest.answer == "yes")
            .order_by(Person.id)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def since(
        self, moment: datetime, scope: AreaScope | None = None
    ) -> list[tuple[Roundtable, Counter[str | None]]]:
        """Roundtables starting from ``moment`` on, soonest first, each with its answers counted
        (``scope``: those inviting mentors of its areas, and their answers)."""
        guests = scoped(
            select(RoundtableGuest.roundtable_id), scope, lambda a: RoundtableGuest.person_id.in_(a.people())
        )
        query = select(Roundtable).where(Roundtable.starts_at >= moment).order_by(Roundtable.starts_at)
        if scope is not None:
            query = query.where(Roundtable.id.in_(guests))
        tables = (await self._session.execute(query)).scalars().all()
        answers = scoped(
            select(RoundtableGuest.roundtable_id, RoundtableGuest.answer, func.count()),
            scope,
            lambda a: RoundtableGuest.person_id.in_(a.people()),
        )
        answers = answers.where(RoundtableGuest.roundtable_id.in_([t.id for t in tables])).group_by(
            RoundtableGuest.roundtable_id, RoundtableGuest.answer
        )
        counts: dict[int, Counter[str | None]] = {t.id: Counter() for t in tables}
        for table_id, answer, n in (await self._session.execute(answers)).all():
            counts[table_id][answer] = int(n)
        return [(t, counts[t.id]) for t in tables]

    async def guests(self, roundtable_id: int, answer: str) -> list[tuple[RoundtableGuest, Person]]:
        """The guests who gave ``answer``, with their people, in the order they were invited."""
        query = (
            select(RoundtableGuest, Person)
            .join(Person, RoundtableGuest.person_id == Person.id)
            .where(RoundtableGuest.roundtable_id == roundtable_id, RoundtableGuest.answer == answer)
            .order_by(Person.id)
        )
        return [(guest, person) for guest, person in (await self._session.execute(query)).all()]

    async def between(
        self, start: datetime, end: datetime, scope: AreaScope | None = None
    ) -> list[tuple[Roundtable, Counter[str]]]:
        """Roundtables that began in the window, latest first, each with who came and their
        answers to the question after counted (``came`` and each feedback code); ``scope``: those
        inviting mentors of its areas, and their guests only."""

        def mentors(a: AreaScope) -> Any:
            return RoundtableGuest.person_id.in_(a.people())

        query = (
            select(Roundtable)
            .where(Roundtable.starts_at >= start, Roundtable.starts_at < end)
            .order_by(Roundtable.starts_at.desc())
        )
        if scope is not None:
            invited = scoped(select(RoundtableGuest.roundtable_id), scope, mentors)
            query = query.where(Roundtable.id.in_(invited))
        tables = (await self._session.execute(query)).scalars().all()
        counted = scoped(
            select(RoundtableGuest.roundtable_id, RoundtableGuest.feedback, func.count())
            .where(RoundtableGuest.roundtable_id.in_([t.id for t in tables]), RoundtableGuest.came)
            .group_by(RoundtableGuest.roundtable_id, RoundtableGuest.feedback),
            scope,
            mentors,
        )
        counts: dict[int, Counter[str]] = {t.id: Counter() for t in tables}
        for table_id, feedback, n in (await self._session.execute(counted)).all():
            counts[table_id]["came"] += int(n)
            if feedback is not None:
                counts[table_id][str(feedback)] += int(n)
        return [(t, counts[t.id]) for t in tables]


def _checks_in(scope: AreaScope) -> Any:
    return RelationshipCheck.pair_id.in_(select(Pair.id).where(scope.pairs()))


class RelationshipChecks:
    """The relationship checks of pairs: each person's answers, oldest first."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, check: RelationshipCheck) -> None:
        self._session.add(check)

    async def of_pairs(self, pair_ids: Collection[int]) -> list[RelationshipCheck]:
        query = (
            select(RelationshipCheck)
            .where(RelationshipCheck.pair_id.in_(list(pair_ids)))
            .order_by(RelationshipCheck.answered_at, RelationshipCheck.id)
        )
        return list((await self._session.execute(query)).scalars().all())

    async def between(
        self, start: datetime, end: datetime, scope: AreaScope | None = None
    ) -> list[RelationshipCheck]:
        """The checks answered after ``start`` and by ``end`` (for the programme's figures);
        ``scope``: those of pairs in its areas."""
        query = select(RelationshipCheck).where(
            RelationshipCheck.answered_at > start, RelationshipCheck.answered_at <= end
        )
        query = scoped(query, scope, _checks_in)
        return list((await self._session.execute(query)).scalars().all())

    async def of_person(self, person_id: int) -> list[RelationshipCheck]:
        query = (
            select(RelationshipCheck)
            .where(RelationshipCheck.person_id == person_id)
            .order_by(RelationshipCheck.answered_at, RelationshipCheck.id)
        )
        return list((await self._session.execute(query)).scalars().all())


class Claims:
    """Mentors' expense claims. ``areas`` is where a coordinator's areas will narrow what they
    read (the programme has one area for now: None reads all)."""

    OPEN = ("pending", "asked")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, claim: ExpenseClaim) -> ExpenseClaim:
        self._session.add(claim)
        await self._session.flush()
        return claim

    async def get(self, claim_id: int) -> ExpenseClaim | None:
        return await self._session.get(ExpenseClaim, claim_id)

    async def lock(self, claim_id: int) -> ExpenseClaim | None:
        """The claim read afresh and held: two coordinators deciding it at once decide once."""
        query = select(ExpenseClaim).where(ExpenseClaim.id == claim_id)
        return (await self._session.execute(held(query))).scalar_one_or_none()

    async def of_mentor(self, mentor_id: int) -> list[ExpenseClaim]:
        """The mentor's claims, newest first."""
        query = (
            select(ExpenseClaim).where(ExpenseClaim.mentor_id == mentor_id).order_by(ExpenseClaim.id.desc())
        )
        return list((await self._session.execute(query)).scalars().all())

    async def open(self, scope: AreaScope | None = None) -> list[tuple[ExpenseClaim, Person]]:
        """Claims waiting for a decision (or a mentor's answer), oldest first, with their mentor
        (``scope``: of mentors in its areas)."""
        query = (
            select(ExpenseClaim, Person)
            .join(Person, Person.id == ExpenseClaim.mentor_id)
            .where(ExpenseClaim.status.in_(self.OPEN))
            .order_by(ExpenseClaim.id)
        )
        query = scoped(query, scope)
        return [(claim, mentor) for claim, mentor in (await self._session.execute(query)).all()]

    async def month_total(self, mentor_id: int, first: date, last: date) -> int:
        """The cents a mentor claimed for days in ``first``..``last``, rejected claims aside."""
        query = select(func.coalesce(func.sum(ExpenseClaim.cents), 0)).where(
            ExpenseClaim.mentor_id == mentor_id,
            ExpenseClaim.status != "rejected",
            ExpenseClaim.spent_on.between(first, last),
        )
        return int((await self._session.execute(query)).scalar() or 0)

    async def approved_between(
        self, start: datetime, end: datetime, scope: AreaScope | None = None
    ) -> list[tuple[ExpenseClaim, Person | None]]:
        """Claims approved from ``start`` until before ``end`` (the finance office's month), in
        the order they were approved, with their mentor (None: kept after the mentor's erasure,
        and then only in a lead's file: the claim no longer knows its area). ``scope``: of
        mentors in its areas."""
        query = (
            select(ExpenseClaim, Person)
            .outerjoin(Person, Person.id == ExpenseClaim.mentor_id)
            .where(
                ExpenseClaim.status == "approved",
                ExpenseClaim.decided_at >= start,
                ExpenseClaim.decided_at < end,
            )
            .order_by(ExpenseClaim.decided_at, ExpenseClaim.id)
        )
        query = scoped(query, scope)
        return [(claim, mentor) for claim, mentor in (await self._session.execute(query)).all()]

    async def forget(self, mentor_id: int, *, keep_approved_as: str | None) -> None:
        """A mentor's erasure: every claim goes, or (``keep_approved_as``, their name) the approved
        ones stay for the finance office, without the words exchanged about them."""
        mine = ExpenseClaim.mentor_id == mentor_id
        if keep_approved_as is None:
            await self._session.execute(delete(ExpenseClaim).where(mine))
            return
        await self._session.execute(delete(ExpenseClaim).where(mine, ExpenseClaim.status != "approved"))
        await self._session.execute(
            update(ExpenseClaim)
            .where(mine)
            .values(mentor_id=None, payee=keep_approved_as[:120], question=None, answer=None)
        )


class ClosingSurveys:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: ClosingSurvey) -> ClosingSurvey:
        self._session.add(row)
        await self._session.flush()
        return row

    async def by_person(self, person_id: int) -> list[ClosingSurvey]:
        query = select(ClosingSurvey).where(ClosingSurvey.person_id == person_id).order_by(ClosingSurvey.id)
        return list((await self._session.execute(query)).scalars().all())


class Reports:
    """What the coordinators' overview (/stats) and the CSV export (/export) read."""

    UNDECIDED = ("proposed", "skipped")  # /match proposals nobody decided on: not pairs yet

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pair_counts(self, scope: AreaScope | None = None) -> Counter[str]:
        query = scoped(select(Pair.status, func.count()), scope, AreaScope.pairs).group_by(Pair.status)
        return Counter({str(status): int(n) for status, n in (await self._session.execute(query)).all()})

    async def sessions_between(
        self, start: datetime, end: datetime, scope: AreaScope | None = None
    ) -> list[Session]:
        """Sessions that started in the window while their pair was running (none after it ended)."""
        query = (
            select(Session)
            .join(Pair, Pair.id == Session.pair_id)
            .where(
                Session.starts_at > start,
                Session.starts_at <= end,
                Pair.ended_at.is_(None) | (Session.starts_at <= Pair.ended_at),
            )
            .order_by(Session.starts_at, Session.id)
        )
        return list((await self._session.execute(scoped(query, scope, AreaScope.pairs))).scalars().all())

    async def mentored_pairs(self, scope: AreaScope | None = None) -> list[Pair]:
        """Pairs that began mentoring (or were introduced) and may have ended: what closure figures
        are over. Declined first meetings are not matches. ``scope``: its areas' pairs."""
        query = select(Pair).where(Pair.status.in_(("introduced", "active", "ended"))).order_by(Pair.id)
        query = scoped(query, scope, AreaScope.pairs)
        return list((await self._session.execute(query)).scalars().all())

    async def support_contacts(self, scope: AreaScope | None = None) -> int:
        """Coordinators' support contacts about pairs: each acknowledgement, note, message to the
        learner and resolution a coordinator wrote on a case of a pair (``scope``: its areas')."""
        query = (
            select(func.count())
            .select_from(CaseEntry)
            .join(Concern, Concern.id == CaseEntry.concern_id)
            .where(
                Concern.pair_id.is_not(None),
                CaseEntry.actor_id.is_not(None),
                CaseEntry.action.in_(SUPPORT_ACTIONS),
            )
        )
        query = scoped(query, scope, lambda a: Concern.pair_id.in_(select(Pair.id).where(a.pairs())))
        return int((await self._session.execute(query)).scalar_one())

    async def acknowledged_since(self, since: datetime, scope: AreaScope | None = None) -> list[Concern]:
        query = select(Concern).where(Concern.acknowledged_at >= since).order_by(Concern.id)
        return list((await self._session.execute(scoped(query, scope, AreaScope.concerns))).scalars().all())

    async def pairs(self, scope: AreaScope | None = None) -> list[Pair]:
        """Every pair that was decided on (introduced, active, declined, ended)."""
        query = select(Pair).where(Pair.status.not_in(self.UNDECIDED)).order_by(Pair.id)
        return list((await self._session.execute(scoped(query, scope, AreaScope.pairs))).scalars().all())

    async def sessions(self, scope: AreaScope | None = None) -> list[Session]:
        query = scoped(select(Session), scope, AreaScope.sessions).order_by(Session.id)
        return list((await self._session.execute(query)).scalars().all())

    async def check_ins(self, scope: AreaScope | None = None) -> list[CheckIn]:
        query = scoped(select(CheckIn), scope, lambda a: CheckIn.person_id.in_(a.people())).order_by(
            CheckIn.id
        )
        return list((await self._session.execute(query)).scalars().all())

    async def concerns(self, scope: AreaScope | None = None) -> list[Concern]:
        query = scoped(select(Concern), scope, AreaScope.concerns).order_by(Concern.id)
        return list((await self._session.execute(query)).scalars().all())


@dataclass(frozen=True, slots=True)
class OperationalFigures:
    due_jobs_waiting: int
    outbox_waiting: int
    open_concerns: dict[str, int]
    oldest_unacknowledged: dict[str, datetime]  # by severity


class ConsoleLinks:
    """The console's one-time sign-in links, by the digest of their token."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, link: ConsoleLink) -> None:
        self._session.add(link)
        await self._session.flush()

    async def spend(self, digest: str, now: datetime) -> int | None:
        """The person a live, unused link signs in, marking it used in one statement: two
        browsers opening it at once cannot both get in."""
        spent = await self._session.execute(
            update(ConsoleLink)
            .where(ConsoleLink.digest == digest, ConsoleLink.used_at.is_(None), ConsoleLink.expires_at > now)
            .values(used_at=now)
            .returning(ConsoleLink.person_id)
        )
        return spent.scalar_one_or_none()

    async def forget_before(self, moment: datetime) -> None:
        await self._session.execute(delete(ConsoleLink).where(ConsoleLink.expires_at < moment))


class Operations:
    """Counts for health and metrics: sizes of the queues and of the coordinators' backlog."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ping(self) -> None:
        await self._session.execute(select(1))

    async def figures(self, now: datetime) -> OperationalFigures:
        s = self._session
        due = select(func.count()).where(DueJob.status == "pending", DueJob.due_at <= now)
        outbox = select(func.count()).where(OutboxMessage.status.in_(UNDELIVERED))
        by_severity = (
            select(Concern.severity, func.count())
            .where(Concern.status != "resolved")
            .group_by(Concern.severity)
        )
        oldest = (
            select(Concern.severity, func.min(Concern.created_at))
            .where(Concern.status == "open")
            .group_by(Concern.severity)
        )
        return OperationalFigures(
            due_jobs_waiting=int((await s.execute(due)).scalar_one()),
            outbox_waiting=int((await s.execute(outbox)).scalar_one()),
            open_concerns={str(k): int(v) for k, v in (await s.execute(by_severity)).all()},
            oldest_unacknowledged={str(k): v for k, v in (await s.execute(oldest)).all()},
        )


Repository = TypeVar("Repository")


class _Repository(Generic[Repository]):
    """A unit of work's repository, made on first use and then kept on the unit of work: an update
    uses four or five of the thirty."""

    def __init__(self, kind: Callable[[AsyncSession], Repository]) -> None:
        self._kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Repository[Repository]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type) -> Repository: ...
    def __get__(self, uow: UnitOfWork | None, owner: type) -> Repository | _Repository[Repository]:
        if uow is None:
            return self
        repository = self._kind(uow.session)
        uow.__dict__[self._name] = repository  # found first from now on: no descriptor call
        return repository


class UnitOfWork:
    """One transaction and the repositories that work inside it (each made when first used)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    people = _Repository(People)
    updates = _Repository(ProcessedUpdates)
    flows = _Repository(FlowStates)
    jobs = _Repository(DueJobs)
    outbox = _Repository(Outbox)
    send_windows = _Repository(SendWindows)
    invites = _Repository(Invites)
    audit = _Repository(Audit)
    checks = _Repository(MentorChecks)
    pairs = _Repository(Pairs)
    sessions = _Repository(Sessions)
    signals = _Repository(Signals)
    goals = _Repository(Goals)
    checkins = _Repository(CheckIns)
    reflections = _Repository(Reflections)
    notes = _Repository(MentorNotes)
    concerns = _Repository(Concerns)
    message_refs = _Repository(MessageRefs)
    relayed = _Repository(RelayedMessages)
    groups = _Repository(GroupChats)
    operations = _Repository(Operations)
    console_links = _Repository(ConsoleLinks)
    reports = _Repository(Reports)
    closing_surveys = _Repository(ClosingSurveys)
    announcements = _Repository(Announcements)
    roundtables = _Repository(Roundtables)
    relationship = _Repository(RelationshipChecks)
    claims = _Repository(Claims)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def lock_person(self, person_id: int) -> list[Pair]:
        """For a decision about someone that reads their pairs (a pause, a suspension, leaving):
        their pairs, then their own row, locked in the order every decision takes its locks in
        (pairs, then people), so that two decisions never wait on each other. Their live pairs."""
        live = await self.pairs.lock_live_of(person_id)
        await self.people.lock(person_id)
        return live

    async def lock_chat(self, chat_id: int) -> None:
        """Hold one chat's events to one at a time across replicas, until this transaction ends
        (PostgreSQL's advisory lock; SQLite runs in one process, whose own lock already does it)."""
        if self.dialect == "postgresql":
            await self.session.execute(select(func.pg_advisory_xact_lock(chat_id)))

    async def lock_chats_of(self, person_ids: Collection[int]) -> None:
        """``lock_chat`` for these people's chats, in chat order: for a transaction that changes
        their conversations. Taken before any row lock (chats, then pairs, then people), so an
        event of theirs in flight ends first, or begins after this transaction and reads it."""
        query = select(Person.chat_id).where(Person.id.in_(person_ids)).order_by(Person.chat_id)
        for chat_id in (await self.session.execute(query)).scalars().all():
            await self.lock_chat(chat_id)

    async def try_lock_chat(self, chat_id: int) -> bool:
        """``lock_chat`` without waiting: False when another transaction holds the chat."""
        if self.dialect != "postgresql":
            return True
        return bool((await self.session.execute(select(func.pg_try_advisory_xact_lock(chat_id)))).scalar())
