"""What a handler gets: the transaction, the person, their translator, and ways to answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.events import (
    AnswerButton,
    EditKeyboard,
    EditText,
    Keyboard,
    SendDocument,
    SendFile,
    SendText,
    SendVoice,
    Stored,
    encode,
)
from bot.i18n import Translator, negotiate
from bot.rules import ProgrammeRules
from storage.models import Person
from storage.repositories import UnitOfWork

if TYPE_CHECKING:  # the engine runs conversations; a context only carries it to them
    from bot.feature import Feature
    from conversations.engine import FlowEngine

# A send claimed but not confirmed this long ago was lost with its replica: another may take it.
HANDOVER = timedelta(seconds=30)

# A due job's window: the planner of bulk messages may run it early, never before it opens, so that
# its message goes before it closes. Without one given, it opens at the due time and closes
# DEFAULT_SLACK later; none opens more than EARLIEST before its due time.
DEFAULT_SLACK = timedelta(minutes=15)
EARLIEST = timedelta(hours=6)
Window = tuple[datetime, datetime]


def window_of(due_at: datetime, opens: datetime | None = None, closes: datetime | None = None) -> Window:
    """A job's window, made sound: it holds the due time, opens at most EARLIEST before it, and a
    window that closed already (a job scheduled late) gives the job the default slack from now."""
    opens = due_at if opens is None else max(min(opens, due_at), due_at - EARLIEST)
    closes = due_at + DEFAULT_SLACK if closes is None or closes < due_at else closes
    return opens, max(closes, opens + timedelta(minutes=1))


def translator_for(person: Person, settings: Settings, rules: ProgrammeRules) -> Translator:
    code = negotiate(person.locale, person.telegram_language, default=settings.default_locale)
    zone = ZoneInfo(person.timezone or rules.timezone or settings.timezone)
    return Translator(code, zone, rules.region_for(settings.timezone), person.simple_language)


async def coordinators_chat(uow: UnitOfWork, settings: Settings) -> int | None:
    """The coordinators' group: recorded by /setup, else the deployment's setting."""
    stored = await uow.groups.coordinators()
    return stored if stored is not None else settings.coordinator_chat_id


async def area_chat(uow: UnitOfWork, rules: ProgrammeRules, area: str) -> int | None:
    """An area's coordinators' group: recorded by /setup, else the programme file's, else none."""
    area = rules.home_area(area)
    stored = await uow.groups.coordinators(area)
    listed = rules.area(area)
    return stored if stored is not None else (listed.group_chat_id if listed is not None else None)


@dataclass
class Context:
    """One unit of work for one person; replies go to the outbox in the same transaction."""

    uow: UnitOfWork
    clock: Clock
    settings: Settings
    person: Person
    chat_id: int
    t: Translator
    rules: ProgrammeRules
    outgoing: list[Stored] = field(default_factory=list)
    posted: list[tuple[int, Stored]] = field(default_factory=list)  # outbox id, action
    answers: list[AnswerButton] = field(default_factory=list)
    flows: FlowEngine | None = None
    features: Sequence[Feature] = ()  # what /help and the menus are read from
    # The answers of the conversation being asked, for options that depend on them.
    flow_answers: dict[str, Any] = field(default_factory=dict)
    menu_before: tuple[str | None, str] | None = None  # role and language when the event began
    # Others whose role this unit of work changed (a coordinator removed): their chats' command
    # menus are published again once it has committed.
    menus: list[Person] = field(default_factory=list)
    # Someone's data was erased: once committed, SQLite's log is checkpointed and truncated, so
    # the deleted bytes (overwritten in the database by secure_delete) leave the disk too.
    erased: bool = False
    # Groups whose members are to be counted again (``Dispatcher.census``) once committed.
    census: list[int] = field(default_factory=list)
    # Whose own message or press this event is (None for a due job): what they start themselves
    # may set their current conversation aside; what others start waits its turn.
    actor_id: int | None = None
    # Partners' chats that this person's own message was relayed to: what goes there is their
    # reply, paced per chat only, never queued behind bulk sending.
    relayed: set[int] = field(default_factory=set)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def programme_zone(self) -> str:
        return self.rules.timezone or self.settings.timezone

    @property
    def programme(self) -> str:
        """The programme's name in the reader's language."""
        return self.rules.name_in(self.t.locale)

    def programme_translator(self) -> Translator:
        """The programme's language, time zone and region: for its groups and its own messages."""
        region = self.rules.region_for(self.settings.timezone)
        return Translator(self.settings.default_locale, ZoneInfo(self.programme_zone), region)

    async def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        await self._post(SendText(chat_id=self.chat_id, text=text, keyboard=keyboard))

    async def say_to(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None, *, track: str | None = None
    ) -> None:
        """Write to another chat (the coordinators' group, say) in the same transaction;
        ``track`` remembers where the message went, to edit it later (``edit_in``)."""
        await self._post(SendText(chat_id=chat_id, text=text, keyboard=keyboard, track=track))

    async def edit_in(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> None:
        """Edit a message the bot sent to another chat (an alert in the coordinators' group)."""
        await self._post(EditText(chat_id=chat_id, message_id=message_id, text=text, keyboard=keyboard))

    async def coordinators_chat(self, area: str | None = None) -> int | None:
        """Which group is the coordinators': the one a coordinator chose with /setup, else the
        deployment's setting (``TANDEM_COORDINATOR_CHAT_ID``), else none. With ``area`` in a
        programme of areas: that area's group (chosen with /setup, else the programme file's)."""
        if area is None or not self.rules.has_areas:
            return await coordinators_chat(self.uow, self.settings)
        return await area_chat(self.uow, self.rules, area)

    async def coordinators_group(self, area: str | None = None) -> int | None:
        """The coordinators' group, when one is set, still takes the bot's messages, and only
        coordinators read it as far as the bot can tell. The one rule of where coordinators'
        messages go: there, else to each coordinator privately. An area's group is never taken
        for closed (who is in it is watched for the programme's group only): it gets alerts by
        their number (``watched_group``), and the rest goes to its coordinators privately."""
        if area is not None and self.rules.has_areas:
            return None
        group = await self.coordinators_chat()
        if group is None or await self.uow.groups.unreachable(group):
            return None
        return group if await self.uow.groups.closed(group) else None

    async def watched_group(self, area: str | None = None) -> int | None:
        """The coordinators' group while it takes the bot's messages but someone who is not a
        coordinator may read it: alerts there carry their number only, nothing personal."""
        group = await self.coordinators_chat(area)
        if group is None or await self.uow.groups.unreachable(group):
            return None
        if area is not None and self.rules.has_areas:
            return group
        return None if await self.uow.groups.closed(group) else group

    async def reachable_coordinators(self, area: str | None = None) -> list[Person]:
        """Coordinators who have not blocked the bot (``area``: those who see it): who gets what
        goes to each of them."""
        team = await self.uow.people.with_role("coordinator")
        return [p for p in team if p.reachable and (area is None or self.rules.coordinates(p.area, area))]

    def area_of_person(self) -> str | None:
        """The area of this context's person when they are not a coordinator (what they cause
        goes to their area's coordinators); None for a coordinator or the programme."""
        if self.person.role == "coordinator" or self.person.id is None:  # the programme's own
            return None
        return self.rules.home_area(self.person.area)

    async def tell_coordinators(
        self, message: str, *, area: str | None = "", voice: str | None = None, **fields: object
    ) -> None:
        """A line for the coordinators: in their group, in the programme's language; without a
        group (or while it refuses the bot), to each coordinator in their own. ``area``: the
        area it is about (by default this context's person's); None: the whole programme.
        ``voice``: a voice note's file id, passed on with the line as its caption."""
        area = self.area_of_person() if area == "" else area
        group = await self.coordinators_group(area)
        readers = [(group, self.programme_translator())] if group is not None else []
        if group is None:
            readers = [(c.chat_id, self.translator_for(c)) for c in await self.reachable_coordinators(area)]
        for chat, t in readers:
            if voice:
                await self.about_chat(chat).send_voice(voice, t(message, **fields))
            else:
                await self.say_to(chat, t(message, **fields))

    async def edit(self, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
        await self._post(EditText(chat_id=self.chat_id, message_id=message_id, text=text, keyboard=keyboard))

    async def edit_keyboard(self, message_id: int, keyboard: Keyboard | None) -> None:
        await self._post(EditKeyboard(chat_id=self.chat_id, message_id=message_id, keyboard=keyboard))

    async def send_document(
        self,
        filename: str,
        content: bytes,
        caption: str | None = None,
        *,
        photo: bool = False,
        keyboard: Keyboard | None = None,
    ) -> None:
        await self._post(
            SendDocument(
                chat_id=self.chat_id,
                filename=filename,
                content=content,
                caption=caption,
                keyboard=keyboard,
                as_photo=photo,
            )
        )

    async def send_voice(
        self, file_id: str, caption: str | None = None, keyboard: Keyboard | None = None
    ) -> None:
        """Pass a voice note on as audio, by its Telegram file id (someone else's, usually)."""
        await self._post(SendVoice(chat_id=self.chat_id, file_id=file_id, caption=caption, keyboard=keyboard))

    async def send_file(
        self, kind: str, file_id: str, caption: str | None = None, keyboard: Keyboard | None = None
    ) -> None:
        """Pass a photo (``kind`` "photo") or a document on by its Telegram file id."""
        shape: Literal["photo", "document"] = "photo" if kind == "photo" else "document"
        await self._post(
            SendFile(chat_id=self.chat_id, kind=shape, file_id=file_id, caption=caption, keyboard=keyboard)
        )

    @property
    def engine(self) -> FlowEngine:
        """The conversations' engine (the dispatcher wires it into every context)."""
        assert self.flows is not None, "a context without a flow engine"
        return self.flows

    async def start_flow(
        self, name: str, answers: dict[str, Any] | None = None, *, behind: bool = False
    ) -> None:
        """Begin a guided conversation with this context's person (``behind``: after the one
        they are in, never instead of it)."""
        await self.engine.start(self, name, answers, behind=behind)

    def about(self, person: Person) -> Context:
        """The same unit of work acting for someone else (an applicant a coordinator decides on):
        their language and chat, and what is said goes into this event's outbox."""
        if person.id == self.person.id:
            return self
        return Context(
            uow=self.uow,
            clock=self.clock,
            settings=self.settings,
            person=person,
            chat_id=person.chat_id,
            t=self.translator_for(person),
            rules=self.rules,
            outgoing=self.outgoing,
            posted=self.posted,
            answers=self.answers,
            flows=self.flows,
            features=self.features,
            actor_id=self.actor_id,
            menus=self.menus,
            census=self.census,
            relayed=self.relayed,
        )

    def about_chat(self, chat_id: int) -> Context:
        """The same person and unit of work, writing to another chat (their own, from a group)."""
        return dataclasses.replace(self, chat_id=chat_id)

    def translator_for(self, person: Person) -> Translator:
        """How another person reads: their language and their time zone."""
        return translator_for(person, self.settings, self.rules)

    def answer_button(self, callback_id: str, text: str | None = None, alert: bool = False) -> None:
        self.answers.append(AnswerButton(callback_id=callback_id, text=text, alert=alert))

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
        window: tuple[datetime | None, datetime | None] = (None, None),
    ) -> None:
        """Store a due-job; with a dedupe key, an earlier job of that key is replaced. ``window``:
        how early it may run and by when its message must go (``window_of``)."""
        opens, closes = window_of(due_at, *window)
        job = {
            "kind": kind,
            "payload": payload or {},
            "due_at": due_at,
            "opens_at": opens,
            "closes_at": closes,
            "dedupe_key": dedupe_key,
            "status": "pending",
            "attempts": 0,
            "created_at": self.now,
        }
        await self.uow.jobs.add(job)

    async def schedule_many(
        self, kind: str, jobs: Sequence[tuple[dict[str, Any], datetime, datetime]]
    ) -> None:
        """Store many jobs of one kind at once, each ``(payload, opens, closes)``: due when its
        window opens (a message to many: each copy its own job, none with a dedupe key)."""
        rows = []
        for payload, opens, closes in jobs:
            start, end = window_of(opens, opens, closes)
            row = {"kind": kind, "payload": payload, "due_at": opens, "opens_at": start, "closes_at": end}
            rows.append({**row, "status": "pending", "attempts": 0, "created_at": self.now})
        await self.uow.jobs.add_many(rows)

    async def unschedule(self, dedupe_key: str) -> None:
        await self.uow.jobs.cancel(dedupe_key)

    async def _post(self, action: Stored) -> None:
        self.outgoing.append(action)

    async def write_outbox(self) -> None:
        """Put everything said in this unit of work into the outbox, in one statement."""
        if not self.outgoing:
            return
        rows = []
        for action in self.outgoing:
            row, content = encode(action)
            rows.append(
                {
                    "chat_id": action.chat_id,
                    "action": row,
                    "content": content,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": self.now,
                    "next_attempt_at": self.now + HANDOVER,
                }
            )
        ids = await self.uow.outbox.add_many(rows)
        self.posted.extend(zip(ids, self.outgoing, strict=True))
        self.outgoing = []
