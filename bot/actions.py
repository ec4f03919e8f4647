"""Outbound actions to and from the outbox's JSON rows."""

from __future__ import annotations

from typing import Any

from bot.events import (
    Button,
    EditKeyboard,
    EditText,
    Keyboard,
    Outbound,
    SendDocument,
    SendText,
    SendVoice,
)

Stored = SendText | EditText | EditKeyboard | SendDocument | SendVoice


def keyboard_to_json(keyboard: Keyboard | None) -> list[list[dict[str, str]]] | None:
    if keyboard is None:
        return None
    return [
        [{k: v for k, v in (("text", b.text), ("data", b.data), ("url", b.url)) if v} for b in row]
        for row in keyboard
    ]


def keyboard_from_json(rows: list[list[dict[str, str]]] | None) -> Keyboard | None:
    if rows is None:
        return None
    return tuple(tuple(Button(b["text"], data=b.get("data"), url=b.get("url")) for b in row) for row in rows)


def encode(action: Stored) -> tuple[dict[str, Any], bytes | None]:
    """The JSON of an action and, for documents, its bytes (kept in their own column)."""
    keyboard = keyboard_to_json(action.keyboard)
    match action:
        case SendText():
            text: dict[str, Any] = {"type": "send_text", "text": action.text, "keyboard": keyboard}
            return ({**text, "track": action.track} if action.track else text), None
        case EditText():
            row = {"type": "edit_text", "message_id": action.message_id, "text": action.text}
            return {**row, "keyboard": keyboard}, None
        case EditKeyboard():
            return {"type": "edit_keyboard", "message_id": action.message_id, "keyboard": keyboard}, None
        case SendDocument():
            row = {"type": "send_document", "filename": action.filename, "caption": action.caption}
            return {**row, "keyboard": keyboard, "as_photo": action.as_photo}, action.content
        case SendVoice():
            row = {"type": "send_voice", "file_id": action.file_id, "caption": action.caption}
            return {**row, "keyboard": keyboard}, None


def decode(chat_id: int, row: dict[str, Any], content: bytes | None) -> Outbound:
    keyboard = keyboard_from_json(row.get("keyboard"))
    kind = row["type"]
    if kind == "send_text":
        return SendText(chat_id=chat_id, text=row["text"], keyboard=keyboard, track=row.get("track"))
    if kind == "edit_text":
        return EditText(chat_id=chat_id, message_id=row["message_id"], text=row["text"], keyboard=keyboard)
    if kind == "edit_keyboard":
        return EditKeyboard(chat_id=chat_id, message_id=row["message_id"], keyboard=keyboard)
    if kind == "send_document":
        return SendDocument(
            chat_id=chat_id,
            filename=row["filename"],
            content=content or b"",
            caption=row.get("caption"),
            keyboard=keyboard,
            as_photo=bool(row.get("as_photo")),
        )
    if kind == "send_voice":
        return SendVoice(
            chat_id=chat_id, file_id=row["file_id"], caption=row.get("caption"), keyboard=keyboard
        )
    raise ValueError(f"unknown outbox action {kind!r}")
