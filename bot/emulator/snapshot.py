"""The emulator's chats written down and read back, so that a restarted demo shows them again.

Telegram keeps every chat's history whatever happens to the bot; the emulator keeps it in memory.
`snapshot` takes what people would still see in their app (the transcript, each message as it reads
now with its buttons, the files behind them, the "/" menus) and `restore` puts it into a fresh
emulator whose people and groups were added again, in the same order, so their ids are the same.
Updates still queued are not kept: the bot had not seen them.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from bot.emulator.rules import Button
from bot.emulator.state import Entry, Json, StoredFile, StoredMessage, json_key

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

VERSION = 1


def snapshot(emulator: Emulator) -> Json:
    """Everything `restore` needs, as JSON-ready values."""
    state = emulator.state
    return {
        "version": VERSION,
        "counters": state.counters(),
        "chats": [
            {"id": c.id, "next_message_id": c.next_message_id, "bot_removed": c.bot_removed}
            for c in state.chats.values()
        ],
        "blocked": [u.id for u in state.users.values() if u.blocked],
        "messages": [_message_json(m) for m in state.messages.values()],
        "entries": [e.to_json() for e in state.transcript],
        "files": [_file_json(f) for f in state.files.values()],
        "menus": [
            {"scope": json.loads(scope), "language": language, "commands": commands}
            for (scope, language), commands in emulator.api.commands.items()
        ],
    }


def restore(emulator: Emulator, data: Json) -> None:
    """Bring a snapshot back. Raises ValueError (or KeyError, TypeError for a damaged one), having
    changed nothing, when it is of another version, damaged, or names a chat this emulator does
    not have (people added in another order)."""
    state = emulator.state
    if data.get("version") != VERSION:
        raise ValueError(f"a snapshot of version {data.get('version')!r}, not {VERSION}")
    unknown = {c["id"] for c in data["chats"]} - set(state.chats)
    if unknown:
        raise ValueError(f"the snapshot has chats this emulator does not: {sorted(unknown)[:5]}")
    # Read everything first, so that a damaged snapshot leaves the emulator as it was.
    files = [StoredFile(**{**row, "content": base64.b64decode(row["content"])}) for row in data["files"]]
    messages = [_message(row) for row in data["messages"]]
    entries = [Entry.from_json(row) for row in data["entries"]]
    menus = {(json_key(m["scope"]), str(m["language"])): list(m["commands"]) for m in data["menus"]}
    chats = [(state.chats[c["id"]], int(c["next_message_id"]), c["bot_removed"]) for c in data["chats"]]
    counters = {key: int(value) for key, value in data["counters"].items()}
    blocked = [state.users[int(u)] for u in data["blocked"] if int(u) in state.users]

    for chat, next_message_id, bot_removed in chats:
        chat.next_message_id = max(chat.next_message_id, next_message_id)
        chat.bot_removed = bot_removed
    for user in blocked:
        user.blocked = True
    for stored in files:
        state.files[stored.file_id] = stored
        state.files_by_path[stored.path] = stored
    for msg in messages:
        state.messages[(msg.chat_id, msg.message_id)] = msg
        state.chat_messages.setdefault(msg.chat_id, []).append(msg)
    for entry in entries:
        state.transcript.append(entry)
        state.by_chat.setdefault(entry.chat_id, []).append(entry)
    emulator.api.commands.update(menus)
    state.resume_counters(counters)


def _message_json(msg: StoredMessage) -> Json:
    return {
        "chat_id": msg.chat_id,
        "message_id": msg.message_id,
        "sender": msg.sender,
        "kind": msg.kind,
        "text": msg.text,
        "json": msg.json,
        "raw": msg.raw,
        "buttons": [[b.to_json() for b in row] for row in msg.buttons],
        "reply_buttons": msg.reply_buttons,
        "document": msg.document,
        "deleted": msg.deleted,
        "file_id": msg.file_id,
    }


def _message(row: Json) -> StoredMessage:
    buttons = [[Button(**button) for button in line] for line in row["buttons"]]
    return StoredMessage(**{**row, "buttons": buttons})


def _file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "name": stored.name,
        "mime_type": stored.mime_type,
        "content": base64.b64encode(stored.content).decode("ascii"),
        "path": stored.path,
        "duration": stored.duration,
    }
