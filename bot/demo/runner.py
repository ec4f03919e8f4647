"""The demo programme: the emulator, the real bot on a virtual clock, its cast, and their state.

Everything lives under one folder (``./var/demo/`` by default), never the production database:
the bot's database, the clock and the cast (``demo.json``), and the chats as the emulator holds
them (``chats.json``: what each phone shows, its "/" menu), so a restart finds the phones as they
were, as Telegram would keep them while the bot restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapter import Framework
from bot.admin import run_admin
from bot.clock import SystemClock
from bot.demo.cast import COORDINATORS_GROUP, MENTOR_ANSWERS, PLACES, SEED, Member
from bot.devtools.simulation import SIMULATION_LIMITS, Simulation
from bot.emulator import snapshot
from bot.emulator.state import Entry, Json
from bot.i18n import language_name
from bot.services.courses import shipped_courses

log = logging.getLogger(__name__)

STATE_FILE = "demo.json"
CHATS_FILE = "chats.json"
# How long the page's follower lets a burst of messages settle before it reads roles and menus
# and writes the chats down: often enough to look live, seldom enough to cost nothing.
FOLLOW_PAUSE = 0.3
SAVE_EVERY = 2.0  # seconds: the chats file is rewritten whole, so not at every message
INVITE_LINK = re.compile(r"https://t\.me/\w+\?start=(\w+)")
# The seeding plays the coordinator's first hour (invites, a screening, a training) in a moment,
# far more than a chat's burst; afterwards people click at a human pace, well inside Telegram's.
DEMO_LIMITS = replace(SIMULATION_LIMITS, chat_burst=100.0)
READY_MENTOR = "jonas"  # matchable from the start; Amira's application waits for screening
STEPS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}


class DemoError(ValueError):
    """A request the demo cannot carry out (unknown person, bad value); shown to the visitor."""


class Demo:
    def __init__(
        self,
        folder: Path,
        framework: Framework = "aiogram",
        *,
        reset: bool = False,
        public_url: str | None = None,
    ) -> None:
        self.folder = folder
        self.public_url = public_url  # where the page is served: the console's sign-in links point there
        self.framework = framework
        self.reset = reset
        self.members: list[Member] = []
        self.sim: Simulation | None = None
        self.listeners: list[asyncio.Queue[tuple[str, Any] | None]] = []
        self.live: dict[str, Json] = {}  # key -> the role the bot gave them and their "/" menu
        self._invites: dict[str, str | None] = {}  # code -> the role it gives (it never changes)
        self._advancing = asyncio.Lock()
        self._following: asyncio.Task[None] | None = None
        self.stopping = False

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self.reset and self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        saved = self._load()
        fresh = saved is None
        start = SystemClock().now().replace(second=0, microsecond=0)
        if saved is not None:
            start = datetime.fromisoformat(saved["clock"])
            self.members = [Member(**m) for m in saved["members"]]
        else:
            self.members = [Member(**m.to_json()) for m in SEED]
        self.sim = Simulation(
            framework=self.framework,
            start=start,
            database_url=f"sqlite+aiosqlite:///{(self.folder / 'tandem.db').resolve()}",
            limits=DEMO_LIMITS,
        )
        if saved is not None:
            self.sim.emulator.state.resume_update_ids(int(saved.get("next_update_id", 0)))
        for member in self.members:
            self._enrol(member)
        if COORDINATORS_GROUP in self.sim.groups:  # alerts go to the group's phone
            self.sim.configure(coordinator_chat_id=self.sim.groups[COORDINATORS_GROUP])
        if self.public_url:
            self.sim.configure(public_url=self.public_url)
        if not fresh:
            self._restore_chats()
        await self.sim.start()
        if fresh:
            await self._seed_conversations()
        self._save()
        self._save_chats()
        await self._refresh_people(read_roles=True)
        self._following = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        self.stopping = True
        for queue in self.listeners:
            queue.put_nowait(None)
        if self._following is not None:
            self._following.cancel()
            await asyncio.gather(self._following, return_exceptions=True)  # nothing keeps it running
            self._following = None
        if self.sim is not None:
            try:
                await self.sim.stop()
            finally:  # after the bot's last delivery, from the emulator's state in memory
                self._save()
                self._save_chats()
                self.sim = None

    @property
    def simulation(self) -> Simulation:
        if self.sim is None:
            raise RuntimeError("the demo is not running")
        return self.sim

    # --- what the page can do -----------------------------------------------------------------

    async def state(self) -> dict[str, Any]:
        sim = self.simulation
        emulator = sim.emulator
        assert sim.settings is not None
        return {
            "clock": sim.clock.now().isoformat(),
            "zone": sim.settings.timezone,
            "people": [self.person_json(m) for m in self.members],
            "entries": [await self.entry_json(e) for e in emulator.transcript()],
            "places": [{"id": key, "name": name} for key, (name, _, _) in PLACES.items()],
            "languages": [{"code": c, "name": language_name(c)} for c in shipped()],
        }

    def person_json(self, member: Member) -> dict[str, Any]:
        """A phone: who, in which chat, the role the bot gave them (None before they wrote to it;
        ``cast_role`` is their part in the story) and their "/" menu."""
        sim = self.simulation
        row = member.to_json()
        row["cast_role"] = row.pop("role")
        if member.kind == "group":
            row["chat_id"] = sim.groups[member.key]
            row["members"] = [sim.users[k] for k in member.members]
            row["user_id"] = row["members"][0]
        else:
            row["user_id"] = row["chat_id"] = sim.users[member.key]
        live = self.live.get(member.key, {})
        row["role"] = live.get("role")
        row["menu"] = live.get("menu", [])
        return row

    async def entry_json(self, entry: Entry) -> dict[str, Any]:
        """A transcript line for the page; an invite link in it comes with the role it gives."""
        row = entry_json(self.simulation.emulator, entry)
        found = INVITE_LINK.search(row.get("text") or "")
        if found:
            row["invite"] = {"code": found[1], "role": await self._invite_role(found[1])}
        return row

    async def add_person(self, name: str, language: str) -> dict[str, Any]:
        name = " ".join(name.split())[:40]
        if not name:
            raise DemoError("A name is needed.")
        if language not in shipped():
            raise DemoError(f"Unknown language {language!r}.")
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "person"
        key, n = base, 2
        while any(m.key == key for m in self.members):
            key, n = f"{base}-{n}", n + 1
        member = Member(key, name, language, "person")
        self.members.append(member)
        self._enrol(member)
        self._save()
        self.live[key] = self._live(member, None)
        person = self.person_json(member)
        self._broadcast("person", person)
        return person

    async def advance(self, step: str) -> str:
        if step not in STEPS:
            raise DemoError(f"Unknown step {step!r}; use one of {', '.join(STEPS)}.")
        async with self._advancing:  # two clicks must not run the scheduler twice at once
            await self.simulation.advance(STEPS[step])
            self._save()
        now = self.simulation.clock.now().isoformat()
        self._broadcast("clock", {"clock": now})
        return now

    # --- following the bot --------------------------------------------------------------------

    async def _follow(self) -> None:
        """Keep each phone's role and menu as the bot has them (the page hears of changes) a moment
        after the emulator's chats or menus change, and the chats written down every few seconds
        while they change (and at the end, in ``stop``)."""
        state = self.simulation.emulator.state
        loop = asyncio.get_running_loop()
        seen, unsaved, saved_at = len(state.transcript), False, loop.time()
        while True:
            with contextlib.suppress(TimeoutError):  # unsaved chats wait no longer than that
                await asyncio.wait_for(state.next_change(), SAVE_EVERY)
            await asyncio.sleep(FOLLOW_PAUSE)
            lines = len(state.transcript)
            try:
                # A role changes with a message to the person, so the database is read only then.
                changed = await self._refresh_people(read_roles=lines != seen)
            except Exception:  # a bug here must not stop the page from following
                log.exception("the demo could not read the people's roles")
                changed = False
            unsaved = unsaved or changed or lines != seen
            seen = lines
            if unsaved and loop.time() - saved_at >= SAVE_EVERY:
                try:
                    self._save()  # the update ids too: after a crash, new ones must not repeat them
                    self._save_chats()
                except OSError as exc:  # a full disk, a folder gone: the demo itself goes on
                    log.warning("the demo could not write its state (%s)", exc)
                unsaved, saved_at = False, loop.time()

    async def _refresh_people(self, *, read_roles: bool) -> bool:
        """Read everyone's role (when asked) and menu; tell the page of each phone that changed."""
        roles = await self._roles() if read_roles else None
        changed = False
        for member in self.members:
            role = roles.get(member.key) if roles is not None else self.live.get(member.key, {}).get("role")
            live = self._live(member, role)
            if live != self.live.get(member.key):
                self.live[member.key] = live
                self._broadcast("person", self.person_json(member))
                changed = True
        return changed

    async def _roles(self) -> dict[str, str | None]:
        """Each person's role in the bot: None before they wrote to it, "newcomer" without one."""
        sim = self.simulation
        roles: dict[str, str | None] = {}
        async with sim.tandem.db.unit_of_work() as uow:
            for member in self.members:
                if member.kind == "group":
                    continue
                person = await uow.people.by_telegram_id(sim.users[member.key])
                roles[member.key] = None if person is None else person.role or "newcomer"
        return roles

    def _live(self, member: Member, role: str | None) -> Json:
        sim = self.simulation
        if member.kind == "group":  # the menu of the member whose phone it is
            menu = sim.emulator.menu(sim.groups[member.key], sim.users[member.members[0]])
            return {"role": None, "menu": menu}
        return {"role": role, "menu": sim.emulator.menu(sim.users[member.key])}

    async def _invite_role(self, code: str) -> str | None:
        if code not in self._invites:
            async with self.simulation.tandem.db.unit_of_work() as uow:
                invite = await uow.invites.by_code(code)
            self._invites[code] = invite.role if invite is not None else None
        return self._invites[code]

    # --- helpers -----------------------------------------------------------------------------

    def _enrol(self, member: Member) -> None:
        sim = self.simulation
        if member.kind == "group":
            sim.add_group(member.key, member.name, member.members)
        else:
            sim.add_user(member.key, member.name, member.language)

    async def _seed_conversations(self) -> None:
        """Set the programme up the way a real one starts, through the bot's own commands.

        The coordinator joins with a code from ``tandem admin invite coordinator``, invites the
        mentors (who send in their applications) and prints a learner invite; the learner has
        not opened it yet: that is for the visitor.
        """
        sim = self.simulation
        # This happened "before the visitor came": at a person's pace, not within a second, so
        # Telegram's per-chat limit would never have been met. It is back on for the visitor.
        limits = sim.emulator.limits
        sim.emulator.set_limits(replace(limits, enabled=False))
        try:
            await self._seed_programme()
        finally:
            sim.emulator.set_limits(limits)

    async def _seed_programme(self) -> None:
        sim = self.simulation
        coordinator = next(m for m in self.members if m.role == "coordinator")
        output = await run_admin(["invite", "coordinator"], sim.tandem)
        await sim.send(coordinator.key, f"/start {output.split()[0]}")
        mentors = await sim.send(coordinator.key, "/invite mentor multi")
        code = invite_code(mentors[-1].text)
        for member in self.members:
            if member.role != "mentor":
                continue
            await sim.send(member.key, f"/start {code}")
            for kind, value in MENTOR_ANSWERS[member.key]:
                if kind == "press":
                    await sim.press_option(member.key, int(value))
                else:
                    await sim.send(member.key, str(value))
        await self._make_ready(coordinator.key, READY_MENTOR)
        await sim.send(coordinator.key, "/invite learner multi school=Berufsschule Nord cohort=2026")

    async def _make_ready(self, coordinator: str, mentor: str) -> None:
        """One mentor is screened, checked and trained already; the other waits for the visitor."""
        sim = self.simulation
        course = shipped_courses()(next(m.language for m in self.members if m.key == mentor))
        await sim.send(mentor, "/training")
        for index, module in enumerate(course.module):
            for question in module.quiz:
                await sim.press_option(mentor, question.answer)
            if index + 1 < len(course.module):
                await sim.press_option(mentor, 0)  # carry on
        issued = (sim.clock.now() - timedelta(days=20)).strftime("%d.%m.%Y")
        for check in range(len(sim.tandem.dispatcher.rules.mentor_checks)):
            card = await sim.on_pages(coordinator, "/screening", mentor.title())
            await sim.press_data(coordinator, card.message_id, button_data(card, ":chk"))
            await sim.press_option(coordinator, check)
            await sim.send(coordinator, issued)
            await sim.press_option(coordinator, -1)  # the programme's usual validity
        card = await sim.on_pages(coordinator, "/screening", mentor.title())
        await sim.press_data(coordinator, card.message_id, button_data(card, ":ok"))

    def _broadcast(self, kind: str, payload: Any) -> None:
        for queue in self.listeners:
            queue.put_nowait((kind, payload))

    def _load(self) -> dict[str, Any] | None:
        path = self.folder / STATE_FILE
        if not path.exists() or not (self.folder / "tandem.db").exists():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def _save(self) -> None:
        if self.sim is None:
            return
        data = {
            "clock": self.sim.clock.now().astimezone(UTC).isoformat(),
            "members": [m.to_json() for m in self.members],
            # A new emulator would count update ids from the start again, and the bot would
            # take them for updates it has already handled.
            "next_update_id": self.sim.emulator.state.next_update_id,
        }
        write_atomically(self.folder / STATE_FILE, json.dumps(data, indent=1))

    def _save_chats(self) -> None:
        if self.sim is not None:
            chats = json.dumps(snapshot.snapshot(self.sim.emulator), ensure_ascii=False)
            write_atomically(self.folder / CHATS_FILE, chats)

    def _restore_chats(self) -> None:
        """The phones as they were; without the file (a demo from before it was kept), or with one
        that does not fit, they start empty while the bot remembers everyone."""
        path = self.folder / CHATS_FILE
        if not path.exists():
            return
        try:
            snapshot.restore(self.simulation.emulator, json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the demo's chats could not be restored (%s); the phones start empty", exc)


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or leave the old one: a demo stopped mid-write keeps what it had."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def button_data(entry: Entry, suffix: str) -> str:
    """The callback data of the message's button whose data ends with ``suffix``."""
    return next(d for row in entry.data for d in row if d and d.endswith(suffix))


def invite_code(text: str) -> str:
    match = re.search(r"start=(\w+)", text)
    if match is None:
        raise RuntimeError("the bot did not answer /invite with a link")
    return match.group(1)


def shipped() -> tuple[str, ...]:
    from bot.i18n import shipped_locales

    return shipped_locales()


def place_name(coordinates: str) -> str | None:
    """The preset place a shared location came from ("52.52, 13.4" is Berlin-Mitte)."""
    try:
        lat, lon = (float(part) for part in coordinates.split(","))
    except ValueError:
        return None
    for name, place_lat, place_lon in PLACES.values():
        if abs(place_lat - lat) < 1e-6 and abs(place_lon - lon) < 1e-6:
            return name
    return None


def entry_json(emulator: Any, entry: Any) -> dict[str, Any]:
    """A transcript line for the page, with the file behind a document or photo."""
    row: dict[str, Any] = entry.to_json()
    row["file_id"] = row["mime_type"] = None
    if entry.kind == "location":
        row["text"] = place_name(entry.text) or entry.text
    if entry.kind == "voice":
        message = emulator.message(entry.chat_id, entry.message_id)
        row["seconds"] = (message.json.get("voice") or {}).get("duration") if message else None
    message = emulator.message(entry.chat_id, entry.message_id) if entry.document else None
    if message is not None:
        body = message.json
        document = body.get("document")
        photo = body.get("photo")
        if document:
            row["file_id"], row["mime_type"] = document.get("file_id"), document.get("mime_type")
        elif photo:
            row["file_id"], row["mime_type"] = photo[-1].get("file_id"), "image/jpeg"
    return row
