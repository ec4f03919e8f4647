"""Cases as a state machine, through the emulator: learners and mentors raise concerns (urgent or
not, in words of their own that name their partner), coordinators acknowledge, write notes,
contact the learner (who answers) and resolve, pressing an alert's buttons in the coordinators'
group or in a copy in their own chat; time passes (the overdue and follow-up jobs run); a pair ends
and the learner is matched again (/pairs, /match, Approve); anyone deletes their data, the
coordinator who took a case too. After every step:

1. no case is open without its deadline: an open case has a pending overdue job, an acknowledged
   one a pending follow-up and a coordinator who took it, each job the case's own (no person's);
2. nothing names a person who left, nor holds their words: no column of any table the models
   declare (conversations in the foreground and on an agenda included), no alert as the
   coordinators see it now, no log line; nor the words others wrote in a case about them;
3. every copy of an alert shows the case as it is: each tracked copy (``message_refs``) and each
   alert in the group and the coordinators' chats says the case's state, and no message keeps an
   Acknowledge button once the case is taken, nor any button once it is resolved.

Each example starts from the same cohort (two coordinators, Carla in the group and Dora; learners
Lena and Tom; mentors Peter, one learner, and Amira, two), which joined once through the bot: a
copy of that database, the same people in a new emulator, then /match and Approve. One member of
the group stays in it after deleting their data: the group's member list keeps them (a stranger
in the group, reported to the coordinators), as docs/operations.md says, so that table is the one
place their name may stay. Both adapters; the machine's steps are sync, each example has its own
event loop."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from bot.emulator.state import StoredMessage
from bot.services.concerns import FOLLOW_UP_JOB, OVERDUE_JOB, PREFIX, alert_key
from storage.models import Base, CaseEntry, Concern, DueJob, GroupMember, MessageRef, Pair, Person
from storage.scratch import ScratchDatabase
from tests.journeys import add_coordinator, cohort_simulation, delete_my_data, on_pages, onboard_cohort

T = TypeVar("T")
COORDINATORS = ("carla", "dora")
LEARNERS = ("lena", "tom")
MENTORS = ("peter", "amira")
PEOPLE = (*COORDINATORS, *LEARNERS, *MENTORS)
TAKER = "the coordinator who took a case"
IN_THE_GROUP = ("carla",)
STEPS = (timedelta(minutes=31), timedelta(hours=3), timedelta(hours=26), timedelta(days=3, hours=1))
OUTCOMES = 4  # talked it through, referred, pair ended, no action needed
WHERE = ("group", "own chat")
# The head of an alert, in full or as a group someone else may read sees it.
HEAD = re.compile(r"^[🔴🟠🟡] Concern #(\d+) · (?:[A-Z]+ · )?(open|acknowledged|resolved)\b")
TAKEN = ("Thank you for telling us", "Thank you. You have told us several things")


@dataclass(frozen=True)
class Cohort:
    """The cohort's database once everyone joined, the time then and the next update's number."""

    database: ScratchDatabase
    now: datetime
    next_update: int


async def join_once() -> Cohort:
    database = await ScratchDatabase.create()
    sim = cohort_simulation("aiogram", database_url=database.url)
    sim.add_user("dora", "Dora", language_code="en")
    await sim.start()
    try:
        await onboard_cohort(sim)
        await add_coordinator(sim, "dora")
    finally:
        await sim.stop()
    return Cohort(database, sim.clock.now(), sim.emulator.state.next_update_id)


@pytest.fixture(scope="module")
def cohort_once() -> Iterator[Cohort]:
    cohort = asyncio.run(join_once())
    try:
        yield cohort
    finally:
        asyncio.run(cohort.database.drop())


class Logged(logging.Handler):
    """Every log line while an example runs, as the log would read it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def words(pattern: str) -> re.Pattern[str]:
    """A name or a word as a whole word ("Tom", not "Tomorrow")."""
    return re.compile(rf"(?<!\w){re.escape(pattern)}(?!\w)")


def buttons_of(message: StoredMessage) -> list[str]:
    return [button.data for row in message.buttons for button in row if button.data]


class CaseMachine(RuleBasedStateMachine):
    framework = "aiogram"
    cohort: Cohort

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.logged = Logged()
        self.level = logging.getLogger().level
        logging.getLogger().addHandler(self.logged)
        logging.getLogger().setLevel(logging.INFO)
        self.gone: set[str] = set()
        # Words written so far: each, and whose leaving must take it (its writer, and the person
        # the case is about: a case about someone who left keeps no words).
        self.written: dict[str, set[str]] = {}
        self.database = self.run(self.cohort.database.copy())
        self.sim = cohort_simulation(self.framework, start=self.cohort.now, database_url=self.database.url)
        self.sim.add_user("dora", "Dora", language_code="en")
        self.sim.emulator.state.resume_update_ids(self.cohort.next_update)
        self.run(self.sim.start())
        self.run(self.approve_every_proposal("carla"))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        logging.getLogger().removeHandler(self.logged)
        logging.getLogger().setLevel(self.level)
        try:
            self.run(self.sim.stop())
            self.run(self.database.drop())
        finally:
            self.loop.close()

    # --- reading -------------------------------------------------------------------------------

    async def _all(self, model: type[T]) -> list[T]:
        async with self.sim.tandem.db.unit_of_work() as uow:
            return list((await uow.session.execute(select(model))).scalars().all())

    def all(self, model: type[T]) -> list[T]:
        return self.run(self._all(model))

    def keys(self) -> dict[int, str]:
        """The cohort's keys by person id, of those still here."""
        by_telegram = {telegram: key for key, telegram in self.sim.users.items()}
        return {p.id: by_telegram[p.telegram_user_id] for p in self.all(Person)}

    def name(self, key: str) -> str:
        return key.title()

    def alive(self, keys: tuple[str, ...]) -> list[str]:
        return [key for key in keys if key not in self.gone]

    def chats(self) -> list[str]:
        """Where alerts are read: the coordinators' group and each coordinator's own chat."""
        return ["coordinators", *self.alive(COORDINATORS)]

    def messages(self, chat: str) -> list[StoredMessage]:
        chat_id = self.sim.chat_id(chat)
        return [
            m
            for m in self.sim.emulator.state.chat_messages.get(chat_id, [])
            if m.sender == "bot" and not m.deleted
        ]

    def copy_of(self, chat: str, number: int) -> StoredMessage | None:
        """The newest copy of concern ``number``'s alert in a chat, as it reads now."""
        for message in reversed(self.messages(chat)):
            head = HEAD.match(message.text)
            if head is not None and int(head.group(1)) == number:
                return message
        return None

    def partners(self, key: str) -> list[str]:
        """Whom the person is in a running pair with, by key (a mentor's learners oldest first)."""
        keys = self.keys()
        found = []
        for pair in sorted(self.all(Pair), key=lambda p: p.id):
            if pair.status not in ("introduced", "active"):
                continue
            if keys.get(pair.learner_id) == key and pair.mentor_id in keys:
                found.append(keys[pair.mentor_id])
            if keys.get(pair.mentor_id) == key and pair.learner_id in keys:
                found.append(keys[pair.learner_id])
        return found

    def last_text(self, who: str) -> str:
        texts = self.sim.bot_texts(who)
        return texts[-1] if texts else ""

    def note_words(self, token: str, writer: str | None) -> None:
        """Where the words went (a concern, or a line of a case log): whose leaving takes them."""
        keys = self.keys()
        found = [c for c in self.all(Concern) if c.text and words(token).search(c.text)]
        by_id = {c.id: c for c in self.all(Concern)}
        for entry in self.all(CaseEntry):
            if entry.note and words(token).search(entry.note):
                found.append(by_id[entry.concern_id])
        assert found, f"the words {token!r} were not stored"
        owners = {writer} if writer else set()
        owners |= {keys[c.subject_id] for c in found if c.subject_id in keys}
        self.written[token] = owners

    # --- what people do ------------------------------------------------------------------------

    @rule(who=st.sampled_from(LEARNERS), about=st.integers(0, 5), urgency=st.integers(0, 2))
    def a_learner_raises_a_concern(self, who: str, about: int, urgency: int) -> None:
        self.raises(who, about, urgency)

    @rule(who=st.sampled_from(MENTORS), about=st.integers(0, 3), urgency=st.integers(0, 2))
    def a_mentor_raises_a_concern(self, who: str, about: int, urgency: int) -> None:
        self.raises(who, about, urgency)

    def raises(self, who: str, about: int, urgency: int) -> None:
        """/concern, the kind (a mentor of several: about their first learner), how urgent
        (today, this week, it can wait; a learner's safety is always urgent), and their words,
        which name their partner."""
        if who in self.gone:
            return
        token = f"kumquat{len(self.written)}"
        partners = self.partners(who)
        self.run(self.sim.send(who, "/concern"))
        if self.last_text(who) == "About which of your learners?":
            self.run(self.sim.press_option(who, 0))
        self.run(self.sim.press_option(who, about))
        if self.last_text(who) == "How urgent is it?":
            self.run(self.sim.press_option(who, urgency))
        named = self.name(partners[0]) if partners else "My boss"
        replies = self.run(self.sim.send(who, f"{named} keeps talking about the {token} again"))
        assert any(r.text.startswith(TAKEN) for r in replies), replies  # then what they set aside
        self.note_words(token, who)

    @precondition(lambda self: self.can_handle())
    @rule(case=st.integers(0, 9))
    def carla_acknowledges_in_the_group(self, case: int) -> None:
        self.on_the_alert("carla", case, "group", "ack")

    @precondition(lambda self: self.can_handle())
    @rule(who=st.sampled_from(COORDINATORS), case=st.integers(0, 9))
    def a_coordinator_acknowledges_in_their_chat(self, who: str, case: int) -> None:
        self.on_the_alert(who, case, "own chat", "ack")

    @precondition(lambda self: self.can_handle())
    @rule(
        who=st.sampled_from(COORDINATORS),
        case=st.integers(0, 9),
        where=st.sampled_from(WHERE),
        outcome=st.integers(0, OUTCOMES - 1),
    )
    def a_coordinator_resolves(self, who: str, case: int, where: str, outcome: int) -> None:
        alert = self.on_the_alert(who, case, where, "resolve")
        if alert is not None:  # the outcomes replace the alert's buttons where it was pressed
            now = self.sim.emulator.message(alert.chat_id, alert.message_id)
            assert now is not None
            self.press(who, alert.chat_id, alert.message_id, buttons_of(now)[outcome])

    @precondition(lambda self: self.can_handle())
    @rule(who=st.sampled_from(COORDINATORS), case=st.integers(0, 9), where=st.sampled_from(WHERE))
    def a_coordinator_writes_a_note(self, who: str, case: int, where: str) -> None:
        """A note naming the person the case is about: the case's words, not the coordinator's own."""
        alert = self.on_the_alert(who, case, where, "note")
        if alert is None:
            return
        concern = self.concern(alert)
        keys = self.keys()
        subject = self.name(keys[concern.subject_id]) if concern.subject_id in keys else "them"
        token = f"quince{len(self.written)}"
        replies = self.run(self.sim.send(who, f"Called {subject} about the {token}"))
        assert replies[-1].text == f"Noted in the log of concern #{concern.id}.", replies
        self.note_words(token, None)

    @precondition(lambda self: self.can_handle())
    @rule(
        who=st.sampled_from(COORDINATORS),
        case=st.integers(0, 9),
        where=st.sampled_from(WHERE),
        answered=st.booleans(),
    )
    def a_coordinator_contacts_the_learner(self, who: str, case: int, where: str, answered: bool) -> None:
        """ "Contact the learner": a message to the learner the case is about, who is asked for
        an answer; ``answered``: they answer (else the question stays open)."""
        alert = self.on_the_alert(who, case, where, "contact")
        if alert is None:
            return
        concern = self.concern(alert)
        learner = self.keys().get(concern.subject_id or 0)
        assert learner in LEARNERS, f"'Contact the learner' on concern #{concern.id}, about {learner}"
        token = f"medlar{len(self.written)}"
        replies = self.run(self.sim.send(who, f"Hello {self.name(learner)}, can we talk about the {token}?"))
        assert replies[-1].text.startswith(f"Sent to {self.name(learner)}."), replies
        self.note_words(token, None)
        if answered:
            self.answers(learner)

    def answers(self, who: str) -> None:
        """The learner answers the coordinator, when that is what they are asked now (not when
        it waits behind something they were busy with)."""
        if not self.last_text(who).startswith("Your answer to"):
            return
        answer = f"sorb{len(self.written)}"
        replies = self.run(self.sim.send(who, f"Yes, the {answer} is worse"))
        assert replies[0].text == "Thank you! Your answer has reached the coordinators.", replies
        self.note_words(answer, who)

    def can_handle(self) -> bool:
        return bool(self.alive(COORDINATORS)) and any(c.status != "resolved" for c in self.all(Concern))

    def on_the_alert(self, who: str, case: int, where: str, action: str) -> StoredMessage | None:
        """The coordinator presses ``action`` on an alert of one of the unresolved cases, if it
        shows that button: in the group (Carla is in it), or on a copy in their own chat (/case N
        brings one when there is none). The alert pressed, or None."""
        if who in self.gone:
            return None
        open_ = sorted((c for c in self.all(Concern) if c.status != "resolved"), key=lambda c: c.id)
        concern = open_[case % len(open_)]
        chat = "coordinators" if where == "group" and who in IN_THE_GROUP else who
        alert = self.copy_of(chat, concern.id)
        if alert is None and chat == who:
            self.run(self.sim.send(who, f"/case {concern.id}"))
            alert = self.copy_of(chat, concern.id)
        assert alert is not None, f"no alert of concern #{concern.id} in {chat}"
        data = f"{PREFIX}:{concern.id}:{action}"
        if data not in buttons_of(alert):
            return None  # not offered: nothing to press
        self.press(who, alert.chat_id, alert.message_id, data)
        return alert

    def concern(self, alert: StoredMessage) -> Concern:
        head = HEAD.match(alert.text)
        assert head is not None
        return next(c for c in self.all(Concern) if c.id == int(head.group(1)))

    def press(self, who: str, chat_id: int, message_id: int, data: str) -> None:
        injected = self.sim.emulator.press(self.sim.users[who], chat_id, message_id, data)
        self.run(self.sim.wait_handled(injected.update_id))

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step: timedelta) -> None:
        self.run(self.sim.advance(step))

    @precondition(lambda self: len(self.gone) < len(PEOPLE))
    @rule(who=st.sampled_from((*PEOPLE, TAKER)))
    def someone_deletes_their_data(self, who: str) -> None:
        """Anyone; or the coordinator who took a case, when someone did."""
        if who == TAKER:
            keys = self.keys()
            taken = [c.acknowledged_by for c in self.all(Concern) if c.status == "acknowledged"]
            who = next((keys[i] for i in taken if i in keys), "")
        if who and who not in self.gone:
            self.run(delete_my_data(self.sim, who))
            self.gone.add(who)

    @precondition(lambda self: bool(self.alive(COORDINATORS)))
    @rule(learner=st.sampled_from(LEARNERS))
    def the_pair_ends_and_the_learner_is_matched_again(self, learner: str) -> None:
        """A coordinator ends the learner's pair (/pairs) and runs /match, approving what it proposes."""
        if learner in self.gone:
            return
        coordinator = self.alive(COORDINATORS)[0]
        if self.partners(learner):
            page = self.run(on_pages(self.sim, coordinator, "/pairs", f"{self.name(learner)} and "))
            end = next(
                data
                for texts, datas in zip(page.buttons, page.data, strict=True)
                for text, data in zip(texts, datas, strict=True)
                if text.startswith(f"End: {self.name(learner)} & ")
            )
            self.run(self.sim.press_data(coordinator, page.message_id, end or ""))
            self.run(self.sim.press(coordinator, "^Moved away$"))
            replies = self.run(self.sim.send(coordinator, "They moved to another town."))
            assert replies[0].text.startswith("The pair of"), replies
        self.run(self.approve_every_proposal(coordinator))

    async def approve_every_proposal(self, coordinator: str) -> None:
        await self.sim.send(coordinator, "/match")
        while self.last_text(coordinator).startswith("Proposal"):
            await self.sim.press(coordinator, "^Approve$")

    # --- what always holds ----------------------------------------------------------------------

    @invariant()
    def no_open_case_without_its_deadline(self) -> None:
        now = self.sim.clock.now()
        pending = [j for j in self.all(DueJob) if j.status == "pending"]
        coordinators = {p.id for p in self.all(Person) if p.role == "coordinator"}
        for concern in self.all(Concern):
            if concern.status == "resolved":
                continue
            kind = OVERDUE_JOB if concern.status == "open" else FOLLOW_UP_JOB
            jobs = [j for j in pending if j.kind == kind and j.payload.get("concern") == concern.id]
            assert jobs, f"concern #{concern.id} is {concern.status} with no {kind} job"
            assert all(j.due_at > now for j in jobs), f"concern #{concern.id}'s {kind} job is late"
            assert all(j.payload == {"concern": concern.id} for j in jobs), "a case's job is a person's"
            if concern.status == "acknowledged":
                assert concern.acknowledged_by in coordinators, f"concern #{concern.id} taken by nobody"

    @invariant()
    def nothing_names_a_person_who_left(self) -> None:
        logged = "\n".join(self.logged.lines)
        for token in self.written:  # what people write never goes to a log line, whoever they are
            assert not words(token).search(logged), f"{token!r} was logged"
        if not self.gone:
            return
        traces = {words(self.name(key)): key for key in self.gone}
        traces |= {words(str(self.sim.users[key])): key for key in self.gone}
        traces |= {
            words(token): ", ".join(sorted(owners))
            for token, owners in self.written.items()
            if owners & self.gone
        }
        stored = self.run(self.stored())
        for pattern, whose in traces.items():
            held = [row for row in stored if pattern.search(row)]
            assert not held, f"{pattern.pattern!r} of {whose}, who left, is still stored: {held}"
            for chat in self.chats():
                for message in self.messages(chat):
                    if HEAD.match(message.text):
                        assert not pattern.search(message.text), f"an alert in {chat}: {message.text}"
            assert not pattern.search(logged), f"{pattern.pattern!r} of {whose}, who left, was logged"

    async def stored(self) -> list[str]:
        """Every row of every table the models declare, as text; a group member who is in the
        group left out (the group's member list keeps who is in it, coordinator or not)."""
        members = {self.sim.users[key] for key in IN_THE_GROUP}
        rows = []
        async with self.sim.tandem.db.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                for row in await connection.execute(select(table)):
                    if table.name == GroupMember.__tablename__ and row.user_id in members:
                        continue
                    rows.append(f"{table.name}: {tuple(row)!r}")
        return rows

    @invariant()
    def every_copy_of_an_alert_agrees(self) -> None:
        concerns = {c.id: c for c in self.all(Concern)}
        for ref in self.all(MessageRef):
            number = int(ref.key.partition(":")[2])
            message = self.sim.emulator.message(ref.chat_id, ref.message_id)
            assert message is not None, f"a tracked copy of concern #{number} is not in chat {ref.chat_id}"
            head = HEAD.match(message.text)
            if ref.key == alert_key(number):  # else buttons_key: a reply, its buttons checked below
                assert head is not None and int(head.group(1)) == number, (
                    f"tracked as #{number}: {message.text}"
                )
        for chat in self.chats():
            for message in self.messages(chat):
                head = HEAD.match(message.text)
                data = buttons_of(message)
                about = {int(d.split(":")[1]) for d in data if d.startswith(f"{PREFIX}:")}
                if head is not None:
                    about.add(int(head.group(1)))
                for number in about:
                    concern = concerns[number]
                    if head is not None and int(head.group(1)) == number:
                        assert head.group(2) == concern.status, (
                            f"concern #{number} is {concern.status}; a copy in {chat} says: {message.text}"
                        )
                    ack = f"{PREFIX}:{number}:ack"
                    if concern.status != "open":
                        assert ack not in data, f"#{number} is {concern.status}: Acknowledge in {chat}"
                    elif head is not None:
                        assert ack in data, f"an open concern #{number} without Acknowledge in {chat}"
                    if concern.status == "resolved":
                        assert not [d for d in data if d.startswith(f"{PREFIX}:{number}:")], (
                            f"concern #{number} is resolved: buttons in {chat}: {message.text}"
                        )


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
def test_cases_keep_their_deadlines_their_copies_agree_and_leavers_leave_no_trace(
    framework: str, cohort_once: Cohort
) -> None:
    machine = type(f"Cases_{framework}", (CaseMachine,), {"framework": framework, "cohort": cohort_once})
    run_state_machine_as_test(
        machine,  # type: ignore[arg-type]
        settings=settings(max_examples=15, stateful_step_count=12, deadline=None),
    )
