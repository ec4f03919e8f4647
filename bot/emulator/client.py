"""An async HTTP client for the emulator's control API (/_emu/*)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from types import TracebackType
from typing import Any

from aiohttp import ClientSession

from bot.emulator.controls import Injected
from bot.emulator.limits import Limits
from bot.emulator.state import Entry, Json


class EmulatorError(Exception):
    """The control API refused a call (unknown user, bad arguments ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class EmulatorClient:
    """Drives an `Emulator` over HTTP; mirrors its control methods (all async)."""

    def __init__(self, base_url: str, session: ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            self._session = ClientSession()
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def call(self, action: str, **args: Any) -> Any:
        """POST /_emu/<action> with the arguments as JSON; returns the result."""
        async with self.session.post(f"{self.base_url}/_emu/{action}", json=args) as resp:
            body = await resp.json()
        if not body.get("ok"):
            raise EmulatorError(resp.status, str(body.get("error")))
        return body.get("result")

    async def _inject(self, action: str, **args: Any) -> Injected:
        result = await self.call(action, **args)
        return Injected(result["update_id"], result.get("message_id"))

    # -- people -------------------------------------------------------------------------------
    async def add_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> Json:
        result: Json = await self.call(
            "add_user",
            first_name=first_name,
            user_id=user_id,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_bot=is_bot,
        )
        return result

    async def add_users(self, users: list[Json]) -> list[Json]:
        """Many people at once (each a dict of ``add_user``'s arguments): one request."""
        result: list[Json] = await self.call("add_users", users=users)
        return result

    async def add_group(
        self, title: str, member_ids: list[int], *, kind: str = "supergroup", bot_admin: bool = False
    ) -> int:
        return int(
            await self.call("add_group", title=title, member_ids=member_ids, kind=kind, bot_admin=bot_admin)
        )

    # -- injection ----------------------------------------------------------------------------
    async def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> Injected:
        return await self._inject("send_text", user_id=user_id, text=text, chat_id=chat_id)

    async def send_as_chat(self, chat_id: int, text: str, *, sender_chat_id: int | None = None) -> Injected:
        """A message on behalf of a chat (an anonymous group admin, a channel): see ``Emulator``."""
        return await self._inject("send_as_chat", chat_id=chat_id, text=text, sender_chat_id=sender_chat_id)

    async def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> Injected:
        return await self._inject("press", user_id=user_id, chat_id=chat_id, message_id=message_id, data=data)

    async def press_button(self, user_id: int, chat_id: int | None, text_regex: str) -> Injected:
        return await self._inject("press_button", user_id=user_id, chat_id=chat_id, text_regex=text_regex)

    async def send_location(
        self, user_id: int, lat: float, lon: float, chat_id: int | None = None
    ) -> Injected:
        return await self._inject("send_location", user_id=user_id, lat=lat, lon=lon, chat_id=chat_id)

    async def send_contact(
        self, user_id: int, phone: str, first_name: str, chat_id: int | None = None
    ) -> Injected:
        return await self._inject(
            "send_contact", user_id=user_id, phone=phone, first_name=first_name, chat_id=chat_id
        )

    async def send_photo(
        self, user_id: int, name: str, chat_id: int | None = None, caption: str | None = None
    ) -> Injected:
        return await self._inject("send_photo", user_id=user_id, name=name, chat_id=chat_id, caption=caption)

    async def send_document(
        self,
        user_id: int,
        name: str,
        content: bytes = b"%PDF-1.4 emulator document\n",
        chat_id: int | None = None,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> Injected:
        return await self._inject(
            "send_document",
            user_id=user_id,
            name=name,
            content_b64=base64.b64encode(content).decode(),
            chat_id=chat_id,
            mime_type=mime_type,
            caption=caption,
        )

    async def send_voice(self, user_id: int, seconds: int, chat_id: int | None = None) -> Injected:
        return await self._inject("send_voice", user_id=user_id, seconds=seconds, chat_id=chat_id)

    async def send_sticker(self, user_id: int, emoji: str, chat_id: int | None = None) -> Injected:
        return await self._inject("send_sticker", user_id=user_id, emoji=emoji, chat_id=chat_id)

    async def block(self, user_id: int) -> Injected:
        return await self._inject("block", user_id=user_id)

    async def unblock(self, user_id: int) -> Injected:
        return await self._inject("unblock", user_id=user_id)

    async def remove_bot(self, chat_id: int, by_user_id: int | None = None) -> Injected | None:
        """A group refuses the bot (removed by a member, or deleted when ``by_user_id`` is None)."""
        result = await self.call("remove_bot", chat_id=chat_id, by_user_id=by_user_id)
        return None if result is None else Injected(result["update_id"], result.get("message_id"))

    async def return_bot(self, chat_id: int, by_user_id: int) -> Injected:
        return await self._inject("return_bot", chat_id=chat_id, by_user_id=by_user_id)

    async def promote_bot(self, chat_id: int, by_user_id: int) -> Injected:
        return await self._inject("promote_bot", chat_id=chat_id, by_user_id=by_user_id)

    async def join_group(
        self, chat_id: int, user_id: int, by_user_id: int | None = None, **options: bool
    ) -> list[Injected]:
        """Someone joins a group: its service message and (the bot an admin) a chat_member update."""
        args = {"chat_id": chat_id, "user_id": user_id, "by_user_id": by_user_id, **options}
        return [Injected(r["update_id"], r.get("message_id")) for r in await self.call("join_group", **args)]

    async def leave_group(
        self, chat_id: int, user_id: int, by_user_id: int | None = None, **options: bool
    ) -> list[Injected]:
        args = {"chat_id": chat_id, "user_id": user_id, "by_user_id": by_user_id, **options}
        return [Injected(r["update_id"], r.get("message_id")) for r in await self.call("leave_group", **args)]

    async def redeliver(self, update_id: int) -> Injected:
        return await self._inject("redeliver", update_id=update_id)

    async def inject_raw(self, update: Json) -> Injected:
        return await self._inject("inject_raw", update=update)

    # -- faults and limits --------------------------------------------------------------------
    async def fail_next(
        self,
        method: str | None,
        *,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        description: str | None = None,
    ) -> None:
        await self.call(
            "fail_next",
            method=method,
            status=status,
            count=count,
            delay=delay,
            description=description,
        )

    async def answer_late(self, method: str | None, seconds: float, *, count: int = 1) -> None:
        await self.call("answer_late", method=method, seconds=seconds, count=count)

    async def force_429(self, chat_id: int | None = None, retry_after: int = 1, count: int = 1) -> None:
        await self.call("force_429", chat_id=chat_id, retry_after=retry_after, count=count)

    async def set_limits(self, limits: Limits) -> None:
        await self.call("set_limits", **asdict(limits))

    # -- inspection ---------------------------------------------------------------------------
    async def transcript(self, chat_id: int | None = None, since_seq: int = 0) -> list[Entry]:
        result = await self.call("transcript", chat_id=chat_id, since_seq=since_seq)
        return [Entry.from_json(e) for e in result]

    async def message(self, chat_id: int, message_id: int) -> Json | None:
        result: Json | None = await self.call("message", chat_id=chat_id, message_id=message_id)
        return result

    async def menu(self, chat_id: int, user_id: int | None = None) -> list[Json]:
        """The commands the person sees behind "/" in the chat (see `Emulator.menu`)."""
        result: list[Json] = await self.call("menu", chat_id=chat_id, user_id=user_id)
        return result

    async def stats(self) -> Json:
        result: Json = await self.call("stats")
        return result

    async def state(self) -> Json:
        """Bot user, users, chats, pending_updates, delivered_update_ids, webhook_url."""
        result: Json = await self.call("state")
        return result

    async def pending_updates(self) -> int:
        return int((await self.state())["pending_updates"])

    async def events(self, since_seq: int = 0, chat_id: int | None = None) -> AsyncIterator[Entry]:
        """Follow GET /_emu/events (Server-Sent Events) as transcript entries."""
        params = {"since_seq": str(since_seq)}
        if chat_id is not None:
            params["chat_id"] = str(chat_id)
        async with self.session.get(f"{self.base_url}/_emu/events", params=params) as resp:
            async for line in resp.content:
                if line.startswith(b"data: "):
                    yield Entry.from_json(json.loads(line[6:]))
