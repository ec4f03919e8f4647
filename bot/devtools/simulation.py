"""The real bot, through a real adapter, against the emulator, on a virtual clock.

Used by ``tandem simulate``, the end-to-end tests and the benchmarks. Every injected update is
awaited until the core has handled it (and delivered what it wrote), so what a person "sees"
in the emulator's transcript is complete when a call returns.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.adapter import Framework, WebhookTarget
from bot.app import Tandem, build
from bot.clock import VirtualClock
from bot.config import Settings, load_settings
from bot.emulator import Emulator, Limits
from bot.emulator.state import Entry
from bot.runtime.web import Ops, OpsServer
from storage.scratch import ScratchDatabase

TEST_TOKEN = "42:TEST"
WEBHOOK_SECRET = "simulation-secret"
# People in a scenario answer instantly, where a real person takes seconds between answers; so
# the per-chat burst is widened. The per-bot and per-group limits stay Telegram's.
SIMULATION_LIMITS = Limits(chat_burst=20.0)
# Entries that are not messages a person sees in the chat (button answers are toasts).
NOT_MESSAGES = frozenset({"answer", "alert", "delete"})
WAIT_SECONDS = 15.0


class Simulation:
    def __init__(
        self,
        *,
        framework: Framework = "aiogram",
        start: datetime | None = None,
        database_url: str | None = None,
        overrides: dict[str, Any] | None = None,
        limits: Limits | None = None,
        webhook: bool = False,
    ) -> None:
        self.framework = framework
        self.webhook = webhook  # updates pushed by the emulator to the bot's webhook server
        self.clock = VirtualClock(start)
        self.emulator = Emulator(limits=limits or SIMULATION_LIMITS, now=self.clock.now)
        # The bot's own pace mirrors the emulator's limits, a token short of its bursts.
        emulated = self.emulator.limits
        self._pace = {
            "send_limits": emulated.enabled,
            "send_chat_burst": max(1.0, emulated.chat_burst - 1),
        }
        self._database_url = database_url
        self._overrides = dict(overrides or {})
        self._scratch: ScratchDatabase | None = None
        self.app: Tandem | None = None
        self.server: OpsServer | None = None
        self.replicas: list[tuple[Tandem, OpsServer]] = []
        self.settings: Settings | None = None
        self.users: dict[str, int] = {}
        self.groups: dict[str, int] = {}

    # --- lifecycle -------------------------------------------------------------------------

    def configure(self, **overrides: Any) -> None:
        """More settings for the bot (before ``start``), e.g. a group's id once it exists."""
        self._overrides.update(overrides)

    async def __aenter__(self) -> Simulation:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.emulator.start()
        if self._database_url is None:  # a fresh database of its own (SQLite, or PostgreSQL in CI)
            self._scratch = await ScratchDatabase.create()
            self._database_url = self._scratch.url
        self.settings = load_settings(
            **{
                "bot_token": TEST_TOKEN,
                "framework": self.framework,
                "database_url": self._database_url,
                "api_base_url": self.emulator.base_url,
                "polling_timeout": 1,
                **self._pace,
                **self._overrides,
            }
        )
        # A scratch database comes migrated; one the caller named is upgraded like `tandem run`'s.
        self.app = await build(self.settings, self.clock, migrate=self._scratch is None)
        if not self.webhook:
            await self.app.start()
            return
        self.server = await self._serve(self.app)
        url = f"http://127.0.0.1:{self.server.port}{self.settings.webhook_path}"
        await self.app.start(WebhookTarget(WEBHOOK_SECRET, url))  # setWebhook: the emulator pushes
        self.server.ops.adapter = self.app.adapter

    async def _serve(self, app: Tandem) -> OpsServer:
        assert self.settings is not None
        ops = Ops(app.db, self.clock, webhook_secret=WEBHOOK_SECRET)
        server = OpsServer(ops, "127.0.0.1", 0, self.settings.webhook_path)
        await server.start()
        return server

    async def add_replica(self) -> tuple[Tandem, OpsServer]:
        """Another bot process on the same database, taking updates on its own webhook server
        (not registered with the emulator: a test posts to it, as a load balancer would)."""
        assert self.settings is not None
        app = await build(self.settings, self.clock, migrate=False)
        server = await self._serve(app)
        await app.start(WebhookTarget(WEBHOOK_SECRET))
        server.ops.adapter = app.adapter
        self.replicas.append((app, server))
        return app, server

    async def stop(self) -> None:
        try:
            for app, server in self.replicas:
                await server.stop()
                await app.stop()
            self.replicas = []
            if self.server is not None:
                await self.server.drain()
            if self.app is not None:
                await self.app.stop()
                self.app = None
            if self.server is not None:
                await self.server.stop()
                self.server = None
        finally:
            await self.emulator.stop()
            if self._scratch is not None:
                await self._scratch.drop()
                self._scratch = None

    async def restart(self) -> None:
        """Stop the bot process and start a new one on the same database (the emulator stays)."""
        assert self.app is not None and self.settings is not None
        if self.server is not None:
            self.server.ops.adapter = None  # 503 meanwhile: the emulator pushes again later
        await self.app.stop()
        self.app = await build(self.settings, self.clock, migrate=False)
        if self.server is None:
            await self.app.start()
            return
        url = f"http://127.0.0.1:{self.server.port}{self.settings.webhook_path}"
        await self.app.start(WebhookTarget(WEBHOOK_SECRET, url))
        self.server.ops.db, self.server.ops.adapter = self.app.db, self.app.adapter

    @property
    def tandem(self) -> Tandem:
        assert self.app is not None, "the simulation is not running"
        return self.app

    # --- people --------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        first_name: str | None = None,
        language_code: str | None = None,
        *,
        is_bot: bool = False,
        username: str | None = None,
    ) -> int:
        user = self.emulator.add_user(
            first_name or name.title(), language_code=language_code, is_bot=is_bot, username=username
        )
        self.users[name] = int(user["id"])
        return self.users[name]

    def add_group(
        self, name: str, title: str, members: list[str], *, kind: str = "supergroup", bot_admin: bool = False
    ) -> int:
        """A group (or, ``kind="channel"``, a channel) with these members, the first its creator;
        ``bot_admin``: the bot administers it (and so hears of everyone joining)."""
        members_ids = [self.users[m] for m in members]
        chat_id = self.emulator.add_group(title, members_ids, kind=kind, bot_admin=bot_admin)
        self.groups[name] = int(chat_id)
        return self.groups[name]

    def chat_id(self, name: str) -> int:
        if name in self.users:
            return self.users[name]
        if name in self.groups:
            return self.groups[name]
        raise KeyError(f"unknown user or group {name!r}")

    def name_of(self, chat_or_user_id: int) -> str:
        for names in (self.users, self.groups):
            for name, value in names.items():
                if value == chat_or_user_id:
                    return name
        return str(chat_or_user_id)

    # --- what people do ------------------------------------------------------------------

    async def send(self, who: str, text: str, chat: str | None = None) -> list[Entry]:
        target = self.chat_id(chat) if chat else None
        return await self._act(
            who, chat, lambda: self.emulator.send_text(self.users[who], text, chat_id=target)
        )

    async def send_as_chat(self, chat: str, text: str, sender_chat: str | None = None) -> list[Entry]:
        """A message on behalf of a chat: an anonymous admin of group ``chat`` writing as the
        group, or channel ``sender_chat`` posting in it (Telegram signs both with a bot account)."""
        before = self.last_seq()
        speaker = self.chat_id(sender_chat) if sender_chat else None
        sent = self.emulator.send_as_chat(self.chat_id(chat), text, sender_chat_id=speaker)
        await self.wait_handled(sent.update_id)
        return [e for e in self.transcript(chat, before) if e.sender == "bot"]

    async def press(self, who: str, pattern: str, chat: str | None = None) -> list[Entry]:
        chat_id = self.chat_id(chat or who)
        return await self._act(
            who, chat, lambda: self.emulator.press_button(self.users[who], chat_id, pattern)
        )

    async def press_option(self, who: str, index: int) -> list[Entry]:
        """Press the index-th button (rows read left to right; -1 the last) of the newest bot
        message with buttons in the person's chat: the same press in any language."""
        for entry in reversed(self.transcript(who)):
            if entry.sender == "bot" and entry.data:
                data = [d for row in entry.data for d in row]
                return await self.press_data(who, entry.message_id, str(data[index]))
        raise LookupError(f"no buttons in {who}'s chat")

    async def press_data(self, who: str, message_id: int, data: str) -> list[Entry]:
        """A raw press: old or forged buttons."""
        user_id = self.users[who]
        return await self._act(who, None, lambda: self.emulator.press(user_id, user_id, message_id, data))

    async def location(self, who: str, lat: float, lon: float) -> list[Entry]:
        return await self._act(who, None, lambda: self.emulator.send_location(self.users[who], lat, lon))

    async def contact(self, who: str, phone: str) -> list[Entry]:
        return await self._act(
            who, None, lambda: self.emulator.send_contact(self.users[who], phone, who.title())
        )

    async def photo(self, who: str, name: str) -> list[Entry]:
        return await self._act(who, None, lambda: self.emulator.send_photo(self.users[who], name))

    async def document(self, who: str, name: str) -> list[Entry]:
        return await self._act(who, None, lambda: self.emulator.send_document(self.users[who], name))

    async def voice(self, who: str, seconds: int) -> list[Entry]:
        return await self._act(who, None, lambda: self.emulator.send_voice(self.users[who], seconds))

    async def sticker(self, who: str, emoji: str) -> list[Entry]:
        return await self._act(who, None, lambda: self.emulator.send_sticker(self.users[who], emoji))

    async def block(self, who: str) -> None:
        await self._act(who, None, lambda: self.emulator.block(self.users[who]))

    async def unblock(self, who: str) -> None:
        await self._act(who, None, lambda: self.emulator.unblock(self.users[who]))

    async def remove_bot(self, group: str, by: str | None = None) -> None:
        """The group refuses the bot: ``by`` removes it (the bot hears of it), or it is deleted."""
        chat_id = self.chat_id(group)
        if by is None:
            self.emulator.remove_bot(chat_id)
            return
        await self._act(by, group, lambda: self.emulator.remove_bot(chat_id, self.users[by]))

    async def return_bot(self, group: str, by: str) -> None:
        chat_id = self.chat_id(group)
        await self._act(by, group, lambda: self.emulator.return_bot(chat_id, self.users[by]))

    async def promote_bot(self, group: str, by: str) -> None:
        """``by`` makes the bot an administrator of the group."""
        chat_id = self.chat_id(group)
        await self._act(by, group, lambda: self.emulator.promote_bot(chat_id, self.users[by]))

    async def migrate_group(self, group: str, by: str) -> int:
        """The group (``kind="group"``) becomes a supergroup under a new id, as Telegram does; the
        name ``group`` then means the supergroup. Returns its id."""
        old = self.chat_id(group)
        for injected in self.emulator.migrate_group(old, self.users[by]):
            await self.wait_handled(injected.update_id)
        self.groups[group] = int(self.emulator.state.chat(old).migrated_to or old)
        return self.groups[group]

    async def join_group(self, group: str, who: str, by: str | None = None, **options: bool) -> None:
        """``who`` joins the group (added by ``by``): the service message, and a chat_member
        update if the bot is an admin (``options``: ``admin``, ``service_message``)."""
        chat_id, adder = self.chat_id(group), self.users[by] if by else None
        for injected in self.emulator.join_group(chat_id, self.users[who], adder, **options):
            await self.wait_handled(injected.update_id)

    async def leave_group(self, group: str, who: str, by: str | None = None, **options: bool) -> None:
        """``who`` leaves the group, or ``by`` removes them."""
        chat_id, remover = self.chat_id(group), self.users[by] if by else None
        for injected in self.emulator.leave_group(chat_id, self.users[who], remover, **options):
            await self.wait_handled(injected.update_id)

    async def redeliver(self, update_id: int, times: int = 2) -> None:
        self.emulator.redeliver(update_id)
        await self.wait_handled(update_id, times)

    async def advance(self, delta: timedelta) -> None:
        """Move the virtual clock, running every job due on the way."""
        await self.tandem.scheduler.advance(self.clock, self.clock.now() + delta)

    # --- reading ---------------------------------------------------------------------------

    def transcript(self, chat: str | None = None, since_seq: int = 0) -> list[Entry]:
        chat_id = self.chat_id(chat) if chat else None
        entries = self.emulator.transcript(chat_id=chat_id, since_seq=since_seq)
        return [e for e in entries if e.kind not in NOT_MESSAGES]

    def last_seq(self) -> int:
        entries = self.emulator.state.transcript
        return entries[-1].seq if entries else 0

    def toasts(self, chat: str, since_seq: int = 0) -> list[str]:
        """Texts of button answers (the short notes Telegram shows on a press)."""
        entries = self.emulator.transcript(chat_id=self.chat_id(chat), since_seq=since_seq)
        return [e.text for e in entries if e.kind in ("answer", "alert") and e.text]

    def bot_texts(self, chat: str, since_seq: int = 0) -> list[str]:
        return [e.text for e in self.transcript(chat, since_seq) if e.sender == "bot"]

    def current_texts(self, chat: str, since_seq: int = 0) -> list[str]:
        """The bot's messages as they read now: each edited one once, in its latest version."""
        latest: dict[int, str] = {}
        for entry in self.transcript(chat, since_seq):
            if entry.sender == "bot" and entry.kind not in NOT_MESSAGES:
                latest[entry.message_id] = entry.text
        return list(latest.values())

    async def on_pages(self, who: str, command: str, needle: str) -> Entry:
        """The page of a coordinator's list that shows ``needle``: ``command``, then "Next" until
        one does (each press edits the same message)."""
        page = (await self.send(who, command))[-1]
        while needle not in page.text:
            ahead = next_page(page)
            if ahead is None:
                raise LookupError(f"{needle!r} is on no page of {command}")
            page = (await self.press_data(who, page.message_id, ahead))[-1]
        return page

    def find(self, chat: str, pattern: str, since_seq: int = 0) -> Entry | None:
        regex = re.compile(pattern)
        for entry in self.transcript(chat, since_seq):
            if entry.sender == "bot" and regex.search(entry.text or ""):
                return entry
        return None

    # --- waiting ---------------------------------------------------------------------------

    async def wait_handled(self, update_id: int, times: int = 1) -> None:
        await asyncio.wait_for(self.tandem.dispatcher.wait_handled(update_id, times), WAIT_SECONDS)

    async def _act(self, who: str, chat: str | None, inject: Callable[[], Any]) -> list[Entry]:
        if who not in self.users:
            raise KeyError(f"unknown user {who!r}")
        before = self.last_seq()
        result = inject()
        if isinstance(result, Awaitable):
            result = await result
        update_id = result if isinstance(result, int) else int(result.update_id)
        await self.wait_handled(update_id)
        return [e for e in self.transcript(chat or who, before) if e.sender == "bot"]


def next_page(page: Entry) -> str | None:
    """The data of a list page's "Next" button, None on the last page."""
    for texts, data in zip(page.buttons, page.data, strict=True):
        for text, datum in zip(texts, data, strict=True):
            if datum and datum.startswith("ls1:") and text.endswith("▶"):
                return datum
    return None
