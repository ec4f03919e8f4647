"""The database tables, as typed SQLAlchemy 2 models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, orm_insert_sentinel

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it once, at class creation)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Person(Base):
    """Someone who wrote to the bot. Roles and programme membership come later (invites)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(16))
    # Simple language (short sentences, buttons first), chosen at the language step.
    simple_language: Mapped[bool] = mapped_column(default=False)
    preferred_name: Mapped[str | None] = mapped_column(String(64))
    requested_role: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(String(16))  # given by an invite, never chosen
    school: Mapped[str | None] = mapped_column(String(120))
    cohort: Mapped[str | None] = mapped_column(String(60))
    # The programme area they belong to (an id from the programme file); a coordinator's may list
    # several, comma-separated, or be "*": all areas (a programme lead).
    area: Mapped[str] = mapped_column(String(200), default="main", server_default="main")
    invite_id: Mapped[int | None]  # which invite (no foreign key: invites point at people)
    unreachable_since: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]  # no prompts while paused (/pause, /resume)
    consent_at: Mapped[datetime | None]  # agreed to what is stored and who sees it
    guardian_name: Mapped[str | None] = mapped_column(String(80))
    guardian_contact: Mapped[str | None] = mapped_column(String(80))
    guardian_confirmed_at: Mapped[datetime | None]  # pending until a coordinator confirms
    guardian_status: Mapped[str | None] = mapped_column(String(16))  # pending, confirmed, refused, recheck
    timezone: Mapped[str | None] = mapped_column(String(64))  # their own; else the programme's
    screening: Mapped[str | None] = mapped_column(String(16))  # a mentor's: waiting, approved, ...
    screening_note: Mapped[str | None] = mapped_column(String(1000))  # a rejection's reason (internal)
    interview_at: Mapped[datetime | None]
    # Why the last /match found no mentor for this learner (a key of matchmaking.UNMATCHED), or None.
    waiting_reason: Mapped[str | None] = mapped_column(String(24))
    training_module: Mapped[int] = mapped_column(default=0)  # the module in progress
    training_question: Mapped[int] = mapped_column(default=0)  # its quiz question in progress
    training_done_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]  # screened, checked and trained: matchable
    suspended_at: Mapped[datetime | None]  # a required check expired: no new matches
    waiting_told_at: Mapped[datetime | None]  # a learner told the programme is still looking
    prompted_at: Mapped[datetime | None]  # the programme's last question of its own (one a day)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)  # onboarding answers
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def reachable(self) -> bool:
        return self.unreachable_since is None


class ProcessedUpdate(Base):
    """An update already handled; its row commits with the update's effects."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime]


class FlowState(Base):
    """Where a person is in a guided conversation: one active flow per person."""

    __tablename__ = "flow_states"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    # The step it was begun at, when not the first (a coordinator's welcome begins at the language).
    entry: Mapped[str | None] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WaitingFlow(Base):
    """A conversation on a person's agenda, behind the one in the foreground: started by someone
    else or a due job while they were busy (waiting), or set aside by the person's own command
    (parked). It comes forward, its question asked again, when the foreground one ends."""

    __tablename__ = "waiting_flows"
    __table_args__ = (Index("ix_waiting_flows_person_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    entry: Mapped[str | None] = mapped_column(String(64))  # as FlowState.entry
    token: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[Any]] = mapped_column(default=list)
    parked: Mapped[bool] = mapped_column(default=False)  # set aside by the person: resumes first
    asked: Mapped[bool] = mapped_column(default=False)  # its question was shown before it waited
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    queued_at: Mapped[datetime]


class DueJob(Base):
    """Scheduled work: a row with a due time, so a restart loses nothing."""

    __tablename__ = "due_jobs"
    __table_args__ = (Index("ix_due_jobs_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime]
    # Its window: the planner may run it early, never before ``opens_at``, so that its message
    # goes by ``closes_at`` (None: opens at ``due_at``, closes a little after; bot.context).
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    last_error: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An outbound action written with the event that caused it, delivered after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[dict[str, Any]]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Numbers an update's rows as they are inserted, so that one INSERT ... RETURNING hands back
    # their ids in order on SQLite too (without it SQLAlchemy inserts them one by one).
    _sentinel: Mapped[int | None] = orm_insert_sentinel()


class Invite(Base):
    """A code behind a t.me deep link that gives whoever opens it a role in the programme."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    school: Mapped[str | None] = mapped_column(String(120))
    cohort: Mapped[str | None] = mapped_column(String(60))
    area: Mapped[str] = mapped_column(String(200), default="main", server_default="main")  # as Person.area
    max_uses: Mapped[int | None]  # None: any number of people, until it expires
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Who decided what about whom, and when: screening and consent decisions are kept here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ids and codes, never free text


class MentorCheck(Base):
    """A safeguarding check the programme requires (a criminal-record certificate, say), as recorded."""

    __tablename__ = "mentor_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # a check id from the programme file
    done_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class Pair(Base):
    """A learner and a mentor: proposed by /match, introduced, then active, or declined or ended."""

    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_status_position", "status", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # proposed skipped introduced active declined ended
    score: Mapped[float]
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # codes and values, worded when read
    alternatives: Mapped[list[Any]] = mapped_column(default=list)  # the next best mentors
    position: Mapped[int] = mapped_column(default=0)  # in its /match run
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    first_meeting_at: Mapped[datetime | None]
    first_meeting_place: Mapped[str | None] = mapped_column(String(16))
    learner_continues: Mapped[str | None] = mapped_column(String(8))
    mentor_continues: Mapped[str | None] = mapped_column(String(8))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(1000))  # a coordinator's, kept internal
    slot_weekday: Mapped[int | None]  # the weekly slot: Monday 0, in the programme's time zone
    slot_time: Mapped[str | None] = mapped_column(String(5))  # "17:30", local wall clock
    slot_place: Mapped[str | None] = mapped_column(String(16))
    # Each agreed to write to the other directly (/direct), where the programme allows it.
    learner_direct_at: Mapped[datetime | None]
    mentor_direct_at: Mapped[datetime | None]
    # The exact public place, named by one of the pair (/place) and agreed by the other.
    exact_place: Mapped[str | None] = mapped_column(String(120))
    exact_place_agreed_at: Mapped[datetime | None]
    # The planned end (the programme's length from the start of the weekly mentoring); four weeks
    # before it each says "close" or "extend"; an extension needs both and a coordinator.
    planned_end: Mapped[datetime | None]
    learner_extends: Mapped[str | None] = mapped_column(String(8))  # yes, no
    mentor_extends: Mapped[str | None] = mapped_column(String(8))
    end_kind: Mapped[str | None] = mapped_column(String(8))  # planned, early
    early_reason: Mapped[str | None] = mapped_column(String(16))  # moved no_time no_fit left_training other


class ClosingSurvey(Base):
    """What one of a pair says at its end. Kept when the partner deletes their data (the pair's
    row goes, the answer stays without it); goes with its writer's data."""

    __tablename__ = "closing_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # learner, mentor
    changed: Mapped[str | None] = mapped_column(String(1000))  # their own words; never logged
    goals: Mapped[str] = mapped_column(String(8))  # yes, partly, no
    recommend: Mapped[str] = mapped_column(String(8))  # yes, maybe, no
    answered_at: Mapped[datetime]


class Session(Base):
    """One week's meeting of a pair, at the pair's weekly slot in the programme's local time."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_pair_id_starts_at", "pair_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]  # UTC; made from the local wall-clock time, so DST keeps 17:30 at 17:30
    place: Mapped[str] = mapped_column(String(16))  # public, online
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned, cancelled
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    learner_met: Mapped[str | None] = mapped_column(String(8))  # yes, no, other: each their own answer
    moves: Mapped[int] = mapped_column(default=0)
    late_moves: Mapped[int] = mapped_column(default=0)  # moved within 24 h of the time it had
    cancelled_late: Mapped[bool] = mapped_column(default=False)  # within 24 h of the start
    confirm_asked_at: Mapped[datetime | None]  # when "still on?" went out
    learner_answered_at: Mapped[datetime | None]  # their first answer to it: response time
    mentor_answered_at: Mapped[datetime | None]
    mentor_met: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]


class Signal(Base):
    """A sign a pair may be in trouble (two missed sessions, many cancellations), for coordinators."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # missed_twice, cancelled_often
    raised_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]  # the Escalation issue turns open signals into alerts


class Goal(Base):
    """A learner's goal in their own words; the learner decides whether their mentor sees it."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str | None] = mapped_column(String(200))  # "how will you know you got there?"
    category: Mapped[str] = mapped_column(String(16))  # exam attendance work career language personal
    target_on: Mapped[date | None] = mapped_column(Date)
    shared: Mapped[bool] = mapped_column(default=False)  # the mentor sees it
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, dropped
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class NextStep(Base):
    """A small step towards a goal, added by the learner or their mentor; asked about when due."""

    __tablename__ = "next_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, dropped
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class CheckIn(Base):
    """One week's check-in of a learner: asked, then answered (or missed when the next one comes)."""

    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_person_id_asked_at", "person_id", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="asked")  # asked, answered, missed
    motivation: Mapped[int | None]  # 1-5
    areas: Mapped[dict[str, Any]] = mapped_column(default=dict)  # area code -> good, soso, bad
    goals: Mapped[dict[str, Any]] = mapped_column(default=dict)  # goal id -> none, some, done
    comment: Mapped[str | None] = mapped_column(String(1000))  # for the mentor; never logged
    voice_file_id: Mapped[str | None] = mapped_column(String(256))  # a voice note, passed on as audio


class Reflection(Base):
    """A learner's answer to a reflection question: theirs alone unless they share it."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    question: Mapped[int]  # index into the rotating set
    text: Mapped[str | None] = mapped_column(String(1000))
    voice_file_id: Mapped[str | None] = mapped_column(String(256))
    shared: Mapped[bool] = mapped_column(default=False)
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class MentorNote(Base):
    """A mentor's short form after a session: topics, how the learner seemed, a note for coordinators."""

    __tablename__ = "mentor_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    seemed: Mapped[int | None]  # 1-5
    note: Mapped[str | None] = mapped_column(String(1000))  # to the coordinators only
    voice_file_id: Mapped[str | None] = mapped_column(String(256))  # the note spoken instead
    worried: Mapped[bool] = mapped_column(default=False)
    written_at: Mapped[datetime]


class Concern(Base):
    """Something a coordinator must look at: raised by a person, or by a signal or a phrase.

    A concern about a mentor is never shown to that mentor. Its text is shown to coordinators
    and kept here; it never goes to logs.
    """

    __tablename__ = "concerns"
    __table_args__ = (Index("ix_concerns_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))  # what it is about; "signal:..." and "phrase:..." too
    severity: Mapped[str] = mapped_column(String(8))  # urgent, high, normal
    about_mentor: Mapped[bool] = mapped_column(default=False)  # the mentor never sees or hears of it
    text: Mapped[str | None] = mapped_column(String(2000))
    voice_file_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, acknowledged, resolved
    overdue: Mapped[int] = mapped_column(default=0)  # 1: re-sent to every coordinator; 2: to the lead
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(24))


class CaseEntry(Base):
    """One line of a concern's case log: raised, a signal added, acknowledged, a note, a message to
    the learner and their reply, resolved. A learner's reply may be a voice note, kept by its file id."""

    __tablename__ = "case_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(2000))
    voice_file_id: Mapped[str | None] = mapped_column(String(256))


class MessageRef(Base):
    """Where a copy of a message the bot keeps editing went (an alert: in the coordinators' group,
    each coordinator's chat, the lead's), recorded when Telegram accepted it. A key has a row
    per copy, so that every copy can be edited alike."""

    __tablename__ = "message_refs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)  # "concern:12"
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime]


class GroupChat(Base):
    """A group the bot writes to (the coordinators'), and whether it still can: a group that
    refused the bot (removed it, or was deleted) is passed over until it is heard from again.

    And who may read it. Telegram tells a bot how many members a group has, and who its
    administrators are, but not who the others are: ``group_members`` holds those the bot has
    seen. Members beyond them are only trusted as far as the coordinators vouched for them."""

    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unreachable_since: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    member_count: Mapped[int | None]  # Telegram's count, the bot included; None: never counted
    counted_at: Mapped[datetime | None]
    vouched: Mapped[int] = mapped_column(default=0)  # unseen members a coordinator said are coordinators
    unseen_told: Mapped[int] = mapped_column(default=0)  # unseen members the coordinators were told of
    bot_admin: Mapped[bool | None]  # only an administrator hears of every join
    restricted_since: Mapped[datetime | None]  # alerts there show only case numbers, since


class CoordinatorGroup(Base):
    """Which group is the coordinators': recorded by ``/setup`` sent there by a coordinator, so
    that nobody has to find a chat id. One row per scope: ``area`` "" is the whole programme (an
    area's own group, once there are areas, is a row with its id); without a row, the deployment
    setting ``TANDEM_COORDINATOR_CHAT_ID`` is used."""

    __tablename__ = "coordinator_groups"

    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    set_at: Mapped[datetime]


class ConsoleLink(Base):
    """A one-time sign-in link to the coordinators' console, sent by ``/console``. Only the SHA-256
    of its token is kept, so a copy of the database signs nobody in; used once, then spent."""

    __tablename__ = "console_links"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class GroupMember(Base):
    """Someone in the coordinators' group whom the bot has seen: joining, or as an administrator.
    A row per member present (leaving removes it); the name is Telegram's, for the coordinators."""

    __tablename__ = "group_members"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(32))
    is_bot: Mapped[bool] = mapped_column(default=False)
    admin: Mapped[bool] = mapped_column(default=False)
    since: Mapped[datetime]  # joined, or first seen as an administrator
    reported_at: Mapped[datetime | None]  # when the coordinators were told they are not one of them


class SendWindow(Base):
    """One second of the bulk send budget the replicas share: how many messages they took in it.
    A replica claims a few at a time with one upsert; ``granted`` is that claim's share (what the
    upsert returns, as a row's old value cannot be read back in the same statement)."""

    __tablename__ = "send_windows"

    second: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    used: Mapped[int]
    granted: Mapped[int]


class Announcement(Base):
    """A coordinator's message to many (/announce): its words, to whom, and when the report of how
    it went is due. Each recipient's copy is a due job of its own, sent as bulk within a window."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(3000))
    audience: Mapped[str] = mapped_column(String(16))  # mentors, learners, everyone, cohort
    cohort: Mapped[str | None] = mapped_column(String(60))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    closes_at: Mapped[datetime]  # every copy is out by then; the report follows
    reported_at: Mapped[datetime | None]


class AnnouncementCopy(Base):
    """One recipient of an announcement and what became of their copy: pending, sent, paused
    (not sent: they asked for a pause), or gone (they had left or blocked Tandem)."""

    __tablename__ = "announcement_copies"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")


class Roundtable(Base):
    """A meeting of mentors to exchange experience (/roundtable): when, where, what about, and
    whom it invites (all mentors, or a cohort's)."""

    __tablename__ = "roundtables"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))  # an address, or an online link
    cohort: Mapped[str | None] = mapped_column(String(60))  # None: all mentors
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    attendance_at: Mapped[datetime | None]  # when its organiser said who came


class RoundtableGuest(Base):
    """A mentor invited to a roundtable, and their answer: None until they answer, "yes" or "no"."""

    __tablename__ = "roundtable_guests"

    roundtable_id: Mapped[int] = mapped_column(
        ForeignKey("roundtables.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]
    came: Mapped[bool] = mapped_column(default=False)  # marked by the organiser afterwards
    feedback: Mapped[str | None] = mapped_column(String(8))  # their answer to the one question after


class RelationshipCheck(Base):
    """One person's answers to a pair's relationship check (every few weeks, 1 to 5 each): how
    close, how much trust, how useful, how enjoyable, and how much they want to go on. Theirs:
    in /mydata, and gone with them or with the pair."""

    __tablename__ = "relationship_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # "learner" or "mentor"
    answered_at: Mapped[datetime]
    closeness: Mapped[int]
    trust: Mapped[int]
    usefulness: Mapped[int]
    enjoyment: Mapped[int]
    going_on: Mapped[int]


class RelayedMessage(Base):
    """A message one of a pair wrote to the other through the bot (``/msg``): words, or a photo,
    voice note or document by its Telegram file id, with a caption. It goes with the pair (and
    so with either person's erasure); its words are shown to the partner and, through an open
    case, to coordinators, and never logged."""

    __tablename__ = "relayed_messages"
    __table_args__ = (Index("ix_relayed_messages_sender_id_created_at", "sender_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # text, photo, voice, document
    text: Mapped[str | None] = mapped_column(String(4096))  # the words, or a file's caption
    file_id: Mapped[str | None] = mapped_column(String(256))
    # sent; held (for a coordinator); quiet (waits for the recipient's morning); rejected
    status: Mapped[str] = mapped_column(String(16))
    held_for: Mapped[str | None] = mapped_column(String(40))  # contact details, or phrase:<category>
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ExpenseClaim(Base):
    """What a mentor spent with their learner and asks back (/expenses): an amount in the
    programme's currency, in cents, a category, the day, and the receipt by its Telegram file id
    (never the file). Coordinators decide it (/claims): pending, asked (a question waits for the
    mentor), approved or rejected. Erased with the mentor, unless the programme keeps approved
    claims for its finance office: then ``mentor_id`` is null and ``payee`` keeps the name."""

    __tablename__ = "expense_claims"
    __table_args__ = (Index("ix_expense_claims_status_spent_on", "status", "spent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    payee: Mapped[str | None] = mapped_column(String(120))  # set only when kept after an erasure
    cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(16))  # transport, activity, other
    spent_on: Mapped[date] = mapped_column(Date)
    receipt_kind: Mapped[str | None] = mapped_column(String(16))  # photo, document; None: no receipt
    receipt_file_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))  # pending, asked, approved, rejected
    question: Mapped[str | None] = mapped_column(String(1000))  # a coordinator's, to the mentor
    answer: Mapped[str | None] = mapped_column(String(1000))  # the mentor's
    reason: Mapped[str | None] = mapped_column(String(1000))  # why it was rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
