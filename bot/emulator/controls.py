"""The control side of the emulator: simulated people, injected updates, faults, inspection."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple

from bot.emulator.limits import Limits
from bot.emulator.methods import BotApi, Forced429, member_json
from bot.emulator.state import Chat, Entry, Json, State, Stats, StoredMessage, User, json_key

UNCOUNTED_BY_DEFAULT = frozenset(["getupdates", "getme"])
_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Injected(NamedTuple):
    """What an injection produced: the update's id and, for a user message, its message_id."""

    update_id: int
    message_id: int | None = None


@dataclass
class Fault:
    method: str | None
    status: int | None
    count: int
    delay: float
    description: str
    late: bool = False  # carried out at once, answered after `delay`

    def matches(self, method: str) -> bool:
        if self.method is None:
            return method not in UNCOUNTED_BY_DEFAULT
        return self.method == method


def _fake_bytes(kind: str, name: str, size: int = 2048) -> bytes:
    header = {"photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "voice": b"OggS\x00\x02"}.get(kind, b"")
    seed = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    return (header + seed * (size // len(seed) + 1))[:size]


# The bot accounts Telegram signs messages sent on behalf of a chat with.
ANONYMOUS_ADMIN = User(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = User(136817688, "Channel", username="Channel_Bot", is_bot=True)


def _text_body(text: str) -> Json:
    body: Json = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return body


def _text_kind(text: str) -> str:
    return "command" if text.startswith("/") else "text"


class Controls:
    """Mixin of `Emulator`: the in-process control API (everything synchronous)."""

    state: State
    api: BotApi
    me: Json
    faults: list[Fault]

    # -- people -------------------------------------------------------------------------------
    def add_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> Json:
        """Create a person (or, ``is_bot``, a bot account) who has started the bot; their private
        chat id is their user id."""
        uid = self.state.allocate_user_id() if user_id is None else user_id
        user = User(uid, first_name, last_name, username, language_code, is_bot=is_bot)
        return self.state.add_user(user).to_json()

    def add_group(
        self, title: str, member_ids: list[int], *, kind: str = "supergroup", bot_admin: bool = False
    ) -> int:
        """A group with the bot in it; its first member created it. ``bot_admin``: the bot is one
        of its administrators (only then does it hear of others joining and leaving)."""
        for member in member_ids:
            self.state.user(member)
        return self.state.add_group(title, member_ids, kind, bot_admin=bot_admin).id

    def users(self) -> list[Json]:
        return [u.to_json() | {"blocked": u.blocked} for u in self.state.users.values()]

    def chats(self) -> list[Json]:
        return [c.to_json() | {"members": c.members} for c in self.state.chats.values()]

    # -- injected messages --------------------------------------------------------------------
    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        body: Json,
        *,
        kind: str,
        text: str,
        document: str | None = None,
    ) -> Injected:
        user = self.state.user(user_id)
        if user.blocked and chat_id in (None, user_id):
            self.unblock(user_id)  # like pressing "Restart" in the app
        chat = self.state.chat(user_id if chat_id is None else chat_id)
        message_id = self.state.new_message_id(chat)
        message = {
            "message_id": message_id,
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": self.state.unix_now(),
            **body,
        }
        stored = StoredMessage(chat.id, message_id, user.id, kind, text, message, document=document)
        self.state.store_message(stored)
        self.api.limiter.heard_from(chat.id)
        return Injected(self.state.enqueue({"message": message}), message_id)

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> Injected:
        return self._user_message(user_id, chat_id, _text_body(text), kind=_text_kind(text), text=text)

    def send_as_chat(self, chat_id: int, text: str, *, sender_chat_id: int | None = None) -> Injected:
        """A message sent on behalf of a chat, as Telegram delivers it: an anonymous admin of a
        group writing as the group, or (``sender_chat_id``, a channel) a channel's post in its
        discussion group. Telegram signs it with a bot account (GroupAnonymousBot, Channel_Bot)
        and names the chat in ``sender_chat``."""
        speaker = self.state.chat(chat_id if sender_chat_id is None else sender_chat_id)
        signer = ANONYMOUS_ADMIN if sender_chat_id is None else CHANNEL_BOT
        if signer.id not in self.state.users:
            self.state.add_user(User(signer.id, signer.first_name, username=signer.username, is_bot=True))
        body = {**_text_body(text), "sender_chat": speaker.to_json()}
        return self._user_message(signer.id, chat_id, body, kind=_text_kind(text), text=text)

    def send_location(self, user_id: int, lat: float, lon: float, chat_id: int | None = None) -> Injected:
        body = {"location": {"latitude": lat, "longitude": lon}}
        return self._user_message(user_id, chat_id, body, kind="location", text=f"{lat}, {lon}")

    def send_contact(self, user_id: int, phone: str, first_name: str, chat_id: int | None = None) -> Injected:
        """Share a contact; it carries the sender's user_id when it is their own (same name)."""
        contact: Json = {"phone_number": phone, "first_name": first_name}
        if first_name == self.state.user(user_id).first_name:
            contact["user_id"] = user_id
        return self._user_message(user_id, chat_id, {"contact": contact}, kind="contact", text=phone)

    def send_photo(
        self, user_id: int, name: str, chat_id: int | None = None, caption: str | None = None
    ) -> Injected:
        stored = self.state.add_file(name, "image/jpeg", _fake_bytes("photo", name), "photos")
        size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        body: Json = {
            "photo": [
                {**size, "width": 1280, "height": 960, "file_size": len(stored.content)},
            ]
        }
        if caption:
            body["caption"] = caption
        return self._user_message(user_id, chat_id, body, kind="photo", text=caption or "", document=name)

    def send_document(
        self,
        user_id: int,
        name: str,
        content: bytes = b"%PDF-1.4 emulator document\n",
        chat_id: int | None = None,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> Injected:
        stored = self.state.add_file(name, mime_type, content, "documents")
        body: Json = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": name,
                "mime_type": mime_type,
                "file_size": len(content),
            }
        }
        if caption:
            body["caption"] = caption
        return self._user_message(user_id, chat_id, body, kind="document", text=caption or "", document=name)

    def send_voice(self, user_id: int, seconds: int, chat_id: int | None = None) -> Injected:
        data = _fake_bytes("voice", f"{user_id}:{seconds}", 1000 + 1600 * seconds)
        stored = self.state.add_file("voice.ogg", "audio/ogg", data, "voice")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": seconds,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(user_id, chat_id, {"voice": voice}, kind="voice", text="")

    def send_sticker(self, user_id: int, emoji: str, chat_id: int | None = None) -> Injected:
        sticker = {
            "file_id": f"EMUSTICKER{ord(emoji[0]):x}",
            "file_unique_id": f"S{ord(emoji[0]):x}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user_id, chat_id, {"sticker": sticker}, kind="sticker", text=emoji)

    # -- buttons ------------------------------------------------------------------------------
    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> Injected:
        """A callback query on a message (which need not exist: forged/stale presses)."""
        user = self.state.user(user_id)
        chat = self.state.chat(chat_id)
        msg = self.state.messages.get((chat.id, message_id))
        if msg is not None and not msg.deleted:
            message = msg.json
        else:
            message = {"chat": chat.to_json(), "message_id": message_id, "date": 0}
        query_id = f"{self.me['id']}{len(self.state.callbacks) + 1:010d}"
        self.state.callbacks[query_id] = (chat.id, message_id)
        instance = hashlib.sha256(f"{chat.id}".encode()).hexdigest()[:16]
        self.state.append(
            chat_id=chat.id,
            message_id=message_id,
            sender=user.id,
            text=(msg.button_text(data) if msg is not None else None) or "",
            kind="press",
            callback=data,
        )
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": str(int(instance, 16)),
            "data": data,
        }
        self.api.limiter.heard_from(chat.id)
        return Injected(self.state.enqueue({"callback_query": query}))

    def newest_button(self, chat_id: int, text_regex: str) -> tuple[StoredMessage, str]:
        """The newest bot message in the chat with a callback button whose text matches."""
        pattern = re.compile(text_regex)
        for msg in reversed(self.state.chat_messages.get(chat_id, [])):
            if msg.sender != "bot" or msg.deleted:
                continue
            for row in msg.buttons:
                for button in row:
                    if button.data is not None and pattern.search(button.text):
                        return msg, button.data
        raise LookupError(f"no button matching {text_regex!r} in chat {chat_id}")

    def press_button(self, user_id: int, chat_id: int | None, text_regex: str) -> Injected:
        chat = user_id if chat_id is None else chat_id
        msg, data = self.newest_button(chat, text_regex)
        return self.press(user_id, chat, msg.message_id, data)

    # -- membership ---------------------------------------------------------------------------
    def _member_update(self, user: User, old: str, new: str) -> int:
        new_member: Json = {"user": self.me, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        update = {
            "chat": self.state.chat(user.id).to_json(),
            "from": user.to_json(),
            "date": self.state.unix_now(),
            "old_chat_member": {
                "user": self.me,
                "status": old,
                **({"until_date": 0} if old == "kicked" else {}),
            },
            "new_chat_member": new_member,
        }
        self.state.append(chat_id=user.id, message_id=0, sender=user.id, text="", kind=new)
        return self.state.enqueue({"my_chat_member": update})

    def block(self, user_id: int) -> Injected:
        """The person blocks the bot: sends to them get 403 and a my_chat_member arrives."""
        user = self.state.user(user_id)
        user.blocked = True
        return Injected(self._member_update(user, "member", "kicked"))

    def unblock(self, user_id: int) -> Injected:
        user = self.state.user(user_id)
        user.blocked = False
        return Injected(self._member_update(user, "kicked", "member"))

    def remove_bot(self, chat_id: int, by_user_id: int | None = None) -> Injected | None:
        """A group refuses the bot: a member removes it (a my_chat_member update comes from
        them) or, without one, the group is deleted (nothing comes). Sends to it get 403."""
        chat = self.state.chat(chat_id)
        chat.bot_removed = "kicked" if by_user_id is not None else "deleted"
        if by_user_id is None:
            return None
        return Injected(self._group_member_update(chat, by_user_id, "member", "kicked"))

    def return_bot(self, chat_id: int, by_user_id: int) -> Injected:
        """A member adds the bot to the group again."""
        chat = self.state.chat(chat_id)
        chat.bot_removed = None
        return Injected(self._group_member_update(chat, by_user_id, "kicked", "member"))

    def promote_bot(self, chat_id: int, by_user_id: int) -> Injected:
        """A member makes the bot an administrator of the group."""
        chat = self.state.chat(chat_id)
        chat.bot_admin = True
        return Injected(self._group_member_update(chat, by_user_id, "member", "administrator"))

    def _group_member_update(self, chat: Chat, by_user_id: int, old: str, new: str) -> int:
        user = self.state.user(by_user_id)
        update = self._member_change(chat, user, self.me, old, new)
        self.state.append(chat_id=chat.id, message_id=0, sender=user.id, text="", kind=new)
        return self.state.enqueue({"my_chat_member": update})

    def _member_change(self, chat: Chat, by: User, member: Json, old: str, new: str) -> Json:
        return {
            "chat": chat.to_json(),
            "from": by.to_json(),
            "date": self.state.unix_now(),
            "old_chat_member": member_json(member, old),
            "new_chat_member": member_json(member, new),
        }

    def migrate_group(self, chat_id: int, by_user_id: int) -> list[Injected]:
        """A group becomes a supergroup, as Telegram does when it grows or an admin changes a
        setting: a new chat with a new id and the same members; the old one says so in a service
        message (``migrate_to_chat_id``), the new one too (``migrate_from_chat_id``), and sends to
        the old one are refused with the new id."""
        old = self.state.chat(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a basic group")
        new = self.state.add_group(old.title or "", list(old.members), "supergroup", bot_admin=old.bot_admin)
        new.owner, new.admins = old.owner, list(old.admins)
        old.migrated_to = new.id
        return [
            self._user_message(by_user_id, old.id, {"migrate_to_chat_id": new.id}, kind="service", text=""),
            self._user_message(by_user_id, new.id, {"migrate_from_chat_id": old.id}, kind="service", text=""),
        ]

    # -- others in a group --------------------------------------------------------------------
    def join_group(
        self,
        chat_id: int,
        user_id: int,
        by_user_id: int | None = None,
        *,
        admin: bool = False,
        service_message: bool = True,
    ) -> list[Injected]:
        """Someone joins a group (added by ``by_user_id``, or by a link): the group's service
        message of the join, unless the group hides them (``service_message=False``), and a
        chat_member update, which Telegram sends only to a bot that administers the group (and
        only if it asked for them in ``allowed_updates``)."""
        chat, user = self.state.chat(chat_id), self.state.user(user_id)
        if user_id not in chat.members:
            chat.members.append(user_id)
        if admin and user_id not in chat.admins:
            chat.admins.append(user_id)
        body = {"new_chat_members": [user.to_json()]}
        return self._membership(
            chat, user, by_user_id, body, "left", chat.status_of(user_id), service_message
        )

    def leave_group(
        self, chat_id: int, user_id: int, by_user_id: int | None = None, *, service_message: bool = True
    ) -> list[Injected]:
        """Someone leaves a group, or ``by_user_id`` removes them: as ``join_group``."""
        chat, user = self.state.chat(chat_id), self.state.user(user_id)
        old = chat.status_of(user_id)
        chat.members = [m for m in chat.members if m != user_id]
        chat.admins = [m for m in chat.admins if m != user_id]
        new = "left" if by_user_id in (None, user_id) else "kicked"
        body = {"left_chat_member": user.to_json()}
        return self._membership(chat, user, by_user_id, body, old, new, service_message)

    def _membership(
        self, chat: Chat, user: User, by_user_id: int | None, body: Json, old: str, new: str, service: bool
    ) -> list[Injected]:
        by = self.state.user(by_user_id) if by_user_id is not None else user
        injected = []
        if service:
            injected.append(self._user_message(by.id, chat.id, body, kind="service", text=""))
        else:
            self.state.append(chat_id=chat.id, message_id=0, sender=by.id, text="", kind=new)
        if chat.bot_admin:
            update = self._member_change(chat, by, user.to_json(), old, new)
            injected.append(Injected(self.state.enqueue({"chat_member": update})))
        return injected

    # -- raw updates --------------------------------------------------------------------------
    def redeliver(self, update_id: int) -> Injected:
        """Queue an already delivered update again, with the same update_id."""
        return Injected(self.state.redeliver(update_id))

    def inject_raw(self, update: Json) -> Injected:
        return Injected(self.state.enqueue_raw(dict(update)))

    def pending_updates(self) -> int:
        """Updates queued and not yet handed to the bot (by getUpdates or webhook)."""
        return self.state.pending()

    @property
    def delivered_update_ids(self) -> list[int]:
        return list(self.state.delivered_update_ids)

    # -- faults and limits --------------------------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        *,
        status: int | None = 500,
        count: int = 1,
        delay: float = 0.0,
        description: str | None = None,
    ) -> None:
        """Make the next `count` calls of `method` (None: any but getUpdates/getMe) fail
        with `status`, or, with status=None, answer normally after `delay` seconds."""
        if status is None and delay <= 0:
            raise ValueError("a fault needs a status or a delay")
        text = description or _DESCRIPTIONS.get(status or 0, "Error")
        self.faults.append(Fault(method and method.lower(), status, count, delay, text))

    def answer_late(self, method: str | None, seconds: float, *, count: int = 1) -> None:
        """Carry out the next `count` calls of `method` (None: any but getUpdates/getMe) at once,
        and answer them only after `seconds`: a client that gives up sooner cannot tell whether
        its call happened (it did)."""
        if seconds <= 0:
            raise ValueError("a late answer needs a delay")
        self.faults.append(Fault(method and method.lower(), None, count, seconds, "", late=True))

    def force_429(self, chat_id: int | None = None, retry_after: int = 1, count: int = 1) -> None:
        """Make the next `count` counted sends (to `chat_id`, or any) answer 429."""
        self.api.forced.append(Forced429(chat_id, max(1, retry_after), count))

    def set_limits(self, limits: Limits) -> None:
        self.api.limiter.reset(limits)

    @property
    def limits(self) -> Limits:
        return self.api.limiter.limits

    @property
    def stats(self) -> Stats:
        return self.state.stats

    # -- inspection ---------------------------------------------------------------------------
    def transcript(self, chat_id: int | None = None, since_seq: int = 0) -> list[Entry]:
        return list(self.state.entries(chat_id, since_seq))

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """The current state of a message (text, buttons with data, JSON), or None."""
        return self.state.messages.get((chat_id, message_id))

    def commands(self, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """The commands set for a scope (default scope if None) and language."""
        key = (json_key(scope or {"type": "default"}), language_code)
        return list(self.api.commands.get(key, []))

    def menu(self, chat_id: int, user_id: int | None = None) -> list[Json]:
        """The commands a person sees behind "/" in a chat (in a group, ``user_id`` is who looks):
        the narrowest scope that has any, in their language before any language, as Telegram
        resolves them. Administrators' scopes are left out: the emulator has no administrators."""
        chat = self.state.chat(chat_id)
        looking = chat.id if chat.user is not None else user_id  # a private chat's id is its person's
        if looking is None:
            raise ValueError("a group's menu depends on who looks: give user_id")
        user = self.state.user(looking)
        if chat.is_group:
            scopes: list[Json] = [
                {"type": "chat_member", "chat_id": chat.id, "user_id": user.id},
                {"type": "chat", "chat_id": chat.id},
                {"type": "all_group_chats"},
            ]
        else:
            scopes = [{"type": "chat", "chat_id": chat.id}, {"type": "all_private_chats"}]
        for scope in (*scopes, {"type": "default"}):
            for language in (user.language_code or "", ""):
                found = self.api.commands.get((json_key(scope), language))
                if found:
                    return list(found)
        return []

    def webhook_url(self) -> str:
        return self.api.webhook.url
