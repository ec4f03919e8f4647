"""``tandem simulate``: scenario files (YAML) run against the real bot on the emulator.

Exit codes: 0 every expectation held, 1 one failed (with what the chat received), 2 the
scenario itself is wrong (unknown user, bad regex, unknown key).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.adapter import Framework
from bot.devtools.simulation import Simulation
from bot.emulator import Limits
from bot.emulator.state import Entry

TOP_KEYS = {"start", "settings", "users", "groups", "steps"}
ACTIONS = ("send", "press", "location", "photo", "document", "voice", "sticker", "contact")
STEP_KEYS = {"as", "chat", "capture", *ACTIONS}
DURATION = re.compile(r"(\d+)\s*([wdhms])")
UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ScenarioError(Exception):
    """The scenario is malformed (exit 2)."""


class ExpectationFailed(Exception):
    """An expectation did not hold (exit 1)."""


def parse_duration(text: str) -> timedelta:
    parts = DURATION.findall(str(text))
    if not parts or DURATION.sub("", str(text)).strip():
        raise ScenarioError(f"bad duration {text!r} (use e.g. '6d 23h', '90m', '1w')")
    return sum((timedelta(**{UNITS[unit]: int(n)}) for n, unit in parts), timedelta())


def compile_regex(pattern: Any, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        raise ScenarioError(f"{where}: bad regex {pattern!r}: {exc}") from None


@dataclass
class Scenario:
    steps: list[dict[str, Any]]
    start: datetime | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Scenario:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ScenarioError(f"{path}: cannot read: {exc}".splitlines()[0]) from None
        if not isinstance(data, dict):
            raise ScenarioError(f"{path}: a scenario is a mapping with 'steps'")
        unknown = set(data) - TOP_KEYS
        if unknown:
            raise ScenarioError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
        start = data.get("start")
        if isinstance(start, str):
            try:
                start = datetime.fromisoformat(start)
            except ValueError:
                raise ScenarioError(f"start: not an ISO date-time: {start!r}") from None
        if start is not None and (not isinstance(start, datetime) or start.tzinfo is None):
            raise ScenarioError("start: needs a date-time with a UTC offset, e.g. 2026-03-02T08:00:00+01:00")
        steps = data.get("steps")
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise ScenarioError(f"{path}: 'steps' must be a list of mappings")
        return cls(
            steps=steps,
            start=start,
            settings=dict(data.get("settings") or {}),
            users={str(k): dict(v or {}) for k, v in (data.get("users") or {}).items()},
            groups={str(k): dict(v or {}) for k, v in (data.get("groups") or {}).items()},
        )


class Runner:
    def __init__(self, scenario: Scenario, framework: Framework, database_url: str | None) -> None:
        self.scenario = scenario
        self.framework = framework
        self.database_url = database_url
        self.captured: dict[str, str] = {}
        self.cursor: dict[str, int] = {}
        self.sim: Simulation | None = None
        self.admin: Callable[[str, str], Any] | None = None

    async def run(self) -> None:
        groups = self.scenario.groups
        overrides = {self._setting_name(k): v for k, v in self.scenario.settings.items()}
        # People tap a few times a minute; a scenario taps as fast as the bot answers, and would
        # mostly wait out Telegram's per-chat limit. A scenario about the conversation turns it off.
        flood_limits = overrides.pop("flood_limits", True)
        self.sim = Simulation(
            framework=self.framework,
            start=self.scenario.start,
            database_url=self.database_url,
            limits=None if flood_limits else Limits(enabled=False),
        )
        for name, spec in self.scenario.users.items():
            self._check_keys(f"users.{name}", spec, {"first_name", "language_code"})
            self.sim.add_user(name, spec.get("first_name"), spec.get("language_code"))
        for name, spec in groups.items():
            self._check_keys(f"groups.{name}", spec, {"title", "members"})
            members = [str(m) for m in spec.get("members") or []]
            for member in members:
                if member not in self.sim.users:
                    raise ScenarioError(f"groups.{name}: unknown member {member!r}")
            self.sim.add_group(name, str(spec.get("title") or name), members)
        for key, value in list(overrides.items()):
            if isinstance(value, str) and value in self.sim.groups:
                overrides[key] = self.sim.groups[value]
        self.sim.configure(**overrides)
        await self.sim.start()
        try:
            for number, step in enumerate(self.scenario.steps, start=1):
                await self._step(number, self._substitute(step, number))
        finally:
            await self.sim.stop()

    @staticmethod
    def _setting_name(key: str) -> str:
        name = key.lower().removeprefix("tandem_")
        return {"coordinator_chat": "coordinator_chat_id"}.get(name, name)

    @staticmethod
    def _check_keys(where: str, spec: Mapping[str, Any], allowed: set[str]) -> None:
        unknown = set(spec) - allowed
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")

    def _substitute(self, value: Any, number: int) -> Any:
        if isinstance(value, str):

            def replace(match: re.Match[str]) -> str:
                key = match.group(1)
                if key not in self.captured:
                    raise ScenarioError(f"step {number}: ${{{key}}} was never captured")
                return self.captured[key]

            return re.sub(r"\$\{(\w+)\}", replace, value)
        if isinstance(value, list):
            return [self._substitute(v, number) for v in value]
        if isinstance(value, dict):
            return {k: self._substitute(v, number) for k, v in value.items()}
        return value

    async def _step(self, number: int, step: dict[str, Any]) -> None:
        sim = self.sim
        assert sim is not None
        where = f"step {number}"
        if "advance" in step:
            self._check_keys(where, step, {"advance"})
            await sim.advance(parse_duration(step["advance"]))
        elif "expect" in step or "expect_none" in step:
            self._check_keys(where, step, {"expect", "expect_none"})
            for key in ("expect", "expect_none"):
                if key in step:
                    self._expect(number, step[key], none=key == "expect_none")
        elif "admin" in step:
            self._check_keys(where, step, {"admin", "capture"})
            output = await self._admin(str(step["admin"]), where)
            self._capture(where, step.get("capture"), output)
        elif "as" in step:
            await self._act(number, step)
        else:
            raise ScenarioError(f"{where}: needs one of as/advance/expect/expect_none/admin")

    async def _act(self, number: int, step: dict[str, Any]) -> None:
        sim = self.sim
        assert sim is not None
        where = f"step {number}"
        self._check_keys(where, step, STEP_KEYS)
        who = str(step["as"])
        if who not in sim.users:
            raise ScenarioError(f"{where}: unknown user {who!r}")
        chat = step.get("chat")
        if chat is not None and chat not in sim.groups and chat not in sim.users:
            raise ScenarioError(f"{where}: unknown chat {chat!r}")
        actions = [a for a in ACTIONS if a in step]
        if len(actions) != 1:
            raise ScenarioError(f"{where}: needs exactly one of {', '.join(ACTIONS)}")
        action, value = actions[0], step[actions[0]]
        if action == "send":
            replies = await sim.send(who, str(value), chat=chat)
        elif action == "press":
            compile_regex(value, where)
            try:
                replies = await sim.press(who, str(value), chat=chat)
            except LookupError:
                raise ExpectationFailed(
                    self._report(where, f"no button matching /{value}/", chat or who)
                ) from None
        elif action == "location":
            if not (isinstance(value, list) and len(value) == 2):
                raise ScenarioError(f"{where}: location is [latitude, longitude]")
            replies = await sim.location(who, float(value[0]), float(value[1]))
        elif action == "voice":
            replies = await sim.voice(who, int(value))
        else:
            replies = await getattr(sim, action)(who, str(value))
        text = "\n".join(e.text or "" for e in replies)
        self._capture(where, step.get("capture"), text)

    def _capture(self, where: str, spec: Any, text: str) -> None:
        if spec is None:
            return
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: capture is a mapping name: regex")
        for name, pattern in spec.items():
            match = compile_regex(pattern, where).search(text)
            if match is None:
                raise ExpectationFailed(f"{where}: capture {name} /{pattern}/ found nothing in:\n{text}")
            self.captured[str(name)] = match.group(1) if match.groups() else match.group(0)

    def _expect(self, number: int, spec: Any, *, none: bool) -> None:
        sim = self.sim
        assert sim is not None
        where = f"step {number}"
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: expect needs chat and text")
        self._check_keys(where, spec, {"chat", "text", "document", "buttons"})
        chat = str(spec.get("chat"))
        if chat not in sim.users and chat not in sim.groups:
            raise ScenarioError(f"{where}: unknown chat {chat!r}")
        patterns = {k: compile_regex(spec[k], where) for k in ("text", "document", "buttons") if k in spec}
        since = self.cursor.get(chat, 0)
        entries = [e for e in sim.transcript(chat, since) if e.sender == "bot"]
        hits = [e for e in entries if all(p.search(self._field(e, k)) for k, p in patterns.items())]
        self.cursor[chat] = sim.last_seq()
        wanted = " ".join(f"{k} /{p.pattern}/" for k, p in patterns.items())
        if none and hits:
            raise ExpectationFailed(
                self._report(where, f"expected no message with {wanted} in {chat}", chat, since)
            )
        if not none and not hits:
            raise ExpectationFailed(
                self._report(where, f"expected a message with {wanted} in {chat}", chat, since)
            )

    @staticmethod
    def _field(entry: Entry, key: str) -> str:
        if key == "document":
            return entry.document or ""
        if key == "buttons":
            return "\n".join(" | ".join(row) for row in entry.buttons)
        return entry.text or ""

    def _report(self, where: str, problem: str, chat: str, since: int = 0) -> str:
        assert self.sim is not None
        lines = [f"{where}: {problem}; {chat} received:"]
        received = self.sim.transcript(chat, since)
        for entry in received:
            sender = "bot" if entry.sender == "bot" else self.sim.name_of(int(entry.sender))
            lines.append(f"  {sender}: {entry.text!r}" + (f" {entry.buttons}" if entry.buttons else ""))
        if not received:
            lines.append("  (nothing)")
        return "\n".join(lines)

    async def _admin(self, command: str, where: str) -> str:
        from bot.admin import run_admin

        assert self.sim is not None and self.sim.app is not None
        try:
            return await run_admin(command.split(), self.sim.tandem)
        except ValueError as exc:
            raise ScenarioError(f"{where}: admin {command!r}: {exc}") from None

    def transcript_lines(self) -> list[str]:
        assert self.sim is not None
        lines = []
        for entry in self.sim.transcript():
            sender = "bot" if entry.sender == "bot" else self.sim.name_of(int(entry.sender))
            row = {
                "t": entry.t.isoformat(),
                "chat": self.sim.name_of(entry.chat_id),
                "from": sender,
                "text": entry.text,
                "buttons": entry.buttons,
                "document": entry.document,
                "edit": entry.edit,
            }
            lines.append(json.dumps(row, ensure_ascii=False))
        return lines
