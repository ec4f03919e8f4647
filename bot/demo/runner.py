"""The demo programme: the emulator, the real bot on a virtual clock, its cast, and their state.

Everything lives under one folder (``./var/demo/`` by default), never the production database.
The bot's database and the clock survive a restart; the emulator's chat history does not (the
phones start empty again, while the bot remembers everyone).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapter import Framework
from bot.admin import run_admin
from bot.clock import SystemClock
from bot.demo.cast import MENTOR_ANSWERS, PLACES, SEED, Member
from bot.devtools.simulation import SIMULATION_LIMITS, Simulation
from bot.emulator.state import Entry
from bot.i18n import language_name
from bot.services.courses import shipped_courses

STATE_FILE = "demo.json"
# The seeding plays the coordinator's first hour (invites, a screening, a training) in a moment,
# far more than a chat's burst; afterwards people click at a human pace, well inside Telegram's.
DEMO_LIMITS = replace(SIMULATION_LIMITS, chat_burst=100.0)
READY_MENTOR = "jonas"  # matchable from the start; Amira's application waits for screening
STEPS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}


class DemoError(ValueError):
    """A request the demo cannot carry out (unknown person, bad value); shown to the visitor."""


class Demo:
    def __init__(self, folder: Path, framework: Framework = "aiogram", *, reset: bool = False) -> None:
        self.folder = folder
        self.framework = framework
        self.reset = reset
        self.members: list[Member] = []
        self.sim: Simulation | None = None
        self.listeners: list[asyncio.Queue[tuple[str, Any] | None]] = []
        self._advancing = asyncio.Lock()

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
        await self.sim.start()
        if fresh:
            await self._seed_conversations()
        self._save()

    async def stop(self) -> None:
        for queue in self.listeners:
            queue.put_nowait(None)
        if self.sim is not None:
            self._save()
            await self.sim.stop()
            self.sim = None

    @property
    def simulation(self) -> Simulation:
        if self.sim is None:
            raise RuntimeError("the demo is not running")
        return self.sim

    # --- what the page can do -----------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        sim = self.simulation
        emulator = sim.emulator
        assert sim.settings is not None
        return {
            "clock": sim.clock.now().isoformat(),
            "zone": sim.settings.timezone,
            "people": [self.person_json(m) for m in self.members],
            "entries": [entry_json(emulator, e) for e in emulator.transcript()],
            "places": [{"id": key, "name": name} for key, (name, _, _) in PLACES.items()],
            "languages": [{"code": c, "name": language_name(c)} for c in shipped()],
        }

    def person_json(self, member: Member) -> dict[str, Any]:
        sim = self.simulation
        row = member.to_json()
        if member.kind == "group":
            row["chat_id"] = sim.groups[member.key]
            row["members"] = [sim.users[k] for k in member.members]
            row["user_id"] = row["members"][0]
        else:
            row["user_id"] = row["chat_id"] = sim.users[member.key]
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
            cards = await sim.send(coordinator, "/screening")
            card = next(c for c in cards if c.text.startswith(mentor.title()))
            await sim.press_data(coordinator, card.message_id, button_data(card, ":chk"))
            await sim.press_option(coordinator, check)
            await sim.send(coordinator, issued)
            await sim.press_option(coordinator, -1)  # the programme's usual validity
        cards = await sim.send(coordinator, "/screening")
        card = next(c for c in cards if c.text.startswith(mentor.title()))
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
        (self.folder / STATE_FILE).write_text(json.dumps(data, indent=1), encoding="utf-8")


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
