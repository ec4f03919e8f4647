"""The emulator's world: users, chats, messages, files, the transcript and the update queue."""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.emulator.rules import Button

Sender = int | Literal["bot"]
Json = dict[str, Any]

FIRST_USER_ID = 100001
FIRST_GROUP_ID = -1001000000001


def json_key(obj: Any) -> str:
    """A canonical JSON string (used to key command scopes)."""
    return json.dumps(obj, sort_keys=True)


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    is_bot: bool = False  # another bot, or Telegram's stand-ins for chats (GroupAnonymousBot)

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    user: User | None = None
    members: list[int] = field(default_factory=list)
    next_message_id: int = 1
    bot_removed: str | None = None  # a group that removed the bot: why ("kicked", "deleted")
    owner: int | None = None  # a group's creator (its first member)
    admins: list[int] = field(default_factory=list)  # its other administrators
    bot_admin: bool = False  # only then does Telegram send the bot others' chat_member updates
    migrated_to: int | None = None  # a group that became a supergroup: the supergroup's id

    def status_of(self, user_id: int) -> str:
        """A user's chat_member status in the group."""
        if user_id not in self.members:
            return "left"
        if user_id == self.owner:
            return "creator"
        return "administrator" if user_id in self.admins else "member"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_json(self) -> Json:
        if self.user is not None:
            out = self.user.to_json()
            out.pop("is_bot")
            out.pop("language_code", None)
            return {**out, "type": self.type}
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class StoredMessage:
    """A message's current state (bot messages change when edited)."""

    chat_id: int
    message_id: int
    sender: Sender
    kind: str
    text: str
    json: Json
    raw: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_buttons: list[list[str]] = field(default_factory=list)
    document: str | None = None
    deleted: bool = False
    file_id: str | None = None  # the file a bot message carries (photo, document, voice)

    def button_text(self, data: str) -> str | None:
        for row in self.buttons:
            for button in row:
                if button.data == data:
                    return button.text
        return None


@dataclass
class Entry:
    """One line of a chat transcript."""

    seq: int
    t: datetime
    chat_id: int
    message_id: int
    sender: Sender
    text: str
    kind: str
    buttons: list[list[str]] = field(default_factory=list)
    data: list[list[str | None]] = field(default_factory=list)
    document: str | None = None
    edit: bool = False
    raw: str | None = None
    reply_buttons: list[list[str]] = field(default_factory=list)
    callback: str | None = None
    file_id: str | None = None

    def to_json(self) -> Json:
        out = asdict(self)
        out["t"] = self.t.isoformat()
        return out

    @classmethod
    def from_json(cls, obj: Json) -> Entry:
        return cls(**{**obj, "t": datetime.fromisoformat(obj["t"])})


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    name: str
    mime_type: str
    content: bytes
    path: str
    duration: int = 0  # seconds, for a voice note

    def to_json(self) -> Json:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.path,
        }


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    too_many_requests: int = 0
    errors_5xx: int = 0
    forbidden: int = 0
    bad_requests: int = 0
    webhook_posts: int = 0
    webhook_failures: int = 0
    paid_broadcasts: int = 0  # messages sent with allow_paid_broadcast (a fee each, on Telegram)

    def to_json(self) -> Json:
        out = asdict(self)
        out["calls"] = dict(self.calls)
        return out


@dataclass(frozen=True)
class ApiRequest:
    """One Bot API call as the bot made it: the method and its parameters as they arrived (an
    upload by its file name), for a test to check what the bot sent where."""

    method: str
    params: Json

    def mentions(self, needle: str) -> bool:
        """Whether ``needle`` appears anywhere in the call's parameters."""
        return needle in json.dumps(self.params, ensure_ascii=False, default=str)


# The Bot API calls kept (the oldest forgotten first): a long simulation stays small.
REQUESTS_KEPT = 20_000


@dataclass
class Queued:
    update: Json
    delivered: bool = False
    redelivery: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def type(self) -> str:
        return next((k for k in self.update if k != "update_id"), "")


class State:
    """Everything the emulator knows; all methods are synchronous and loop-bound."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.chat_messages: dict[int, list[StoredMessage]] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.transcript: list[Entry] = []
        self.by_chat: dict[int, list[Entry]] = {}
        self.queue: list[Queued] = []
        self.history: dict[int, Json] = {}
        self.callbacks: dict[str, tuple[int, int]] = {}
        self.answered: set[str] = set()
        self.delivered_update_ids: list[int] = []
        self.requests: deque[ApiRequest] = deque(maxlen=REQUESTS_KEPT)
        self.stats = Stats()
        self.listeners: list[Callable[[Entry], None]] = []
        self._next_user = FIRST_USER_ID
        self._next_group = FIRST_GROUP_ID
        self._next_update = 1000
        self._next_seq = 1
        self._next_file = 1
        self._changed: asyncio.Event | None = None

    # -- change notification ------------------------------------------------------------------
    def changed(self) -> None:
        """Wake everyone waiting for a change of the transcript or the queue."""
        event, self._changed = self._changed, None
        if event is not None:
            event.set()

    async def next_change(self) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        await self._changed.wait()

    def unix_now(self) -> int:
        return int(self.now().timestamp())

    # -- people and chats ---------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        if user.id in self.users:
            raise ValueError(f"user {user.id} exists")
        self.users[user.id] = user
        self.chats[user.id] = Chat(user.id, "private", user=user)
        return user

    def allocate_user_id(self) -> int:
        while self._next_user in self.users:
            self._next_user += 1
        return self._next_user

    def add_group(self, title: str, member_ids: list[int], kind: str, *, bot_admin: bool = False) -> Chat:
        owner = member_ids[0] if member_ids else None
        chat = Chat(
            self._next_group, kind, title=title, members=list(member_ids), owner=owner, bot_admin=bot_admin
        )
        self._next_group -= 1
        self.chats[chat.id] = chat
        return chat

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise LookupError(f"no user {user_id}") from None

    def chat(self, chat_id: int) -> Chat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise LookupError(f"no chat {chat_id}") from None

    def new_message_id(self, chat: Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def store_message(self, msg: StoredMessage) -> None:
        """Keep a new message and write it to the transcript."""
        self.messages[(msg.chat_id, msg.message_id)] = msg
        self.chat_messages.setdefault(msg.chat_id, []).append(msg)
        voice = msg.json.get("voice")
        if isinstance(voice, dict) and voice.get("file_id") in self.files:
            # A voice note sent on by its file id keeps the length it arrived with, as in Telegram.
            self.files[voice["file_id"]].duration = int(voice.get("duration") or 0)
        self.record(msg)

    # -- files --------------------------------------------------------------------------------
    def add_file(self, name: str, mime_type: str, content: bytes, folder: str) -> StoredFile:
        n = self._next_file
        self._next_file += 1
        digest = hashlib.sha256(content + n.to_bytes(8, "big")).hexdigest()
        suffix = name.rsplit(".", 1)[1] if "." in name else "bin"
        stored = StoredFile(
            file_id=f"EMU{folder[:2].upper()}{n:06d}{digest[:24]}",
            file_unique_id=f"U{digest[:15]}",
            name=name,
            mime_type=mime_type,
            content=content,
            path=f"{folder}/file_{n}.{suffix}",
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.path] = stored
        return stored

    # -- transcript ---------------------------------------------------------------------------
    def record(self, msg: StoredMessage, *, edit: bool = False, kind: str | None = None) -> Entry:
        return self.append(
            chat_id=msg.chat_id,
            message_id=msg.message_id,
            sender=msg.sender,
            text=msg.text,
            kind=kind or msg.kind,
            buttons=[[b.text for b in row] for row in msg.buttons],
            data=[[b.data for b in row] for row in msg.buttons],
            document=msg.document,
            edit=edit,
            raw=msg.raw,
            reply_buttons=[list(row) for row in msg.reply_buttons],
            file_id=msg.file_id,
        )

    def append(self, **fields: Any) -> Entry:
        entry = Entry(seq=self._next_seq, t=self.now(), **fields)
        self._next_seq += 1
        self.transcript.append(entry)
        self.by_chat.setdefault(entry.chat_id, []).append(entry)
        for listener in list(self.listeners):
            listener(entry)
        self.changed()
        return entry

    def entries(self, chat_id: int | None = None, since_seq: int = 0) -> list[Entry]:
        pool = self.transcript if chat_id is None else self.by_chat.get(chat_id, [])
        start = bisect.bisect_right(pool, since_seq, key=lambda e: e.seq)
        return pool[start:]

    # -- updates ------------------------------------------------------------------------------
    @property
    def next_update_id(self) -> int:
        return self._next_update

    def counters(self) -> dict[str, int]:
        """Where the numbering of transcript lines, files and updates goes on (for a snapshot)."""
        return {"seq": self._next_seq, "file": self._next_file, "update": self._next_update}

    def resume_counters(self, counters: dict[str, int]) -> None:
        """Number on after a snapshot's lines, files and updates; ids only ever grow."""
        self._next_seq = max(self._next_seq, int(counters.get("seq", 0)))
        self._next_file = max(self._next_file, int(counters.get("file", 0)))
        self.resume_update_ids(int(counters.get("update", 0)))

    def resume_update_ids(self, next_id: int) -> None:
        """Continue numbering after an earlier run, as Telegram's ids only ever grow."""
        self._next_update = max(self._next_update, next_id)

    def enqueue(self, body: Json) -> int:
        update_id = self._next_update
        self._next_update += 1
        update = {"update_id": update_id, **body}
        self.history[update_id] = update
        self.queue.append(Queued(update))
        self.changed()
        return update_id

    def enqueue_raw(self, update: Json) -> int:
        if "update_id" not in update:
            return self.enqueue(update)
        update_id = int(update["update_id"])
        self._next_update = max(self._next_update, update_id + 1)
        self.history[update_id] = update
        self.queue.append(Queued(update))
        self.changed()
        return update_id

    def redeliver(self, update_id: int) -> int:
        try:
            update = self.history[update_id]
        except KeyError:
            raise LookupError(f"no update {update_id}") from None
        self.queue.append(Queued(update, redelivery=True))
        self.changed()
        return update_id

    def mark_delivered(self, item: Queued) -> None:
        if not item.delivered:
            item.delivered = True
            self.delivered_update_ids.append(item.update_id)
            self.changed()

    def confirm(self, offset: int) -> None:
        """Forget updates confirmed by a getUpdates offset (negative: keep the last -offset)."""
        before = len(self.queue)
        if offset < 0:
            self.queue = self.queue[offset:]
        else:
            self.queue = [
                q for q in self.queue if q.update_id >= offset or (q.redelivery and not q.delivered)
            ]
        if len(self.queue) != before:
            self.changed()

    def drop_pending(self) -> None:
        self.queue.clear()
        self.changed()

    def pending(self) -> int:
        return sum(1 for q in self.queue if not q.delivered)
