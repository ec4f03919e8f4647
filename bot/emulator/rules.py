"""Telegram's validation rules: request parameters, HTML text, keyboards, and its error answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional retry_after."""

    def __init__(
        self, status: int, description: str, retry_after: int | None = None, migrate_to: int | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to = migrate_to

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class Upload:
    """A file that arrived in a multipart body."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Params:
    """The parameters of one call, from a query string, form, multipart or JSON body."""

    values: Mapping[str, Any]
    uploads: Mapping[str, Upload] = field(default_factory=dict)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def get_str(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def req_str(self, name: str) -> str:
        value = self.get_str(name)
        if value is None:
            raise bad_request(f"parameter {name!r} is required")
        return value

    def get_int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def req_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def get_bool(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | str:
        value = self.raw("chat_id")
        if value is None:
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def get_file(self, name: str) -> Upload | str | None:
        """An uploaded file (directly or by attach://), or a file_id / URL string."""
        upload = self.uploads.get(name)
        if upload is not None:
            return upload
        value = self.get_str(name)
        if value is not None and value.startswith("attach://"):
            attached = self.uploads.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value


_HTML_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote".split()
)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = f'"</{self.stack[-1]}>"' if self.stack else "no end tag"
            raise bad_request(
                f'can\'t parse entities: Unmatched end tag, expected {expected}, found "</{tag}>"'
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a reader sees: HTML tags stripped and entities decoded (other modes as sent)."""
    if (parse_mode or "").lower() != "html":
        return text
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{parser.stack[-1]}\""
        )
    return "".join(parser.parts)


def check_text(text: str | None, parse_mode: str | None) -> str:
    """Validate a message text and return its plain form."""
    plain = plain_text(text or "", parse_mode)
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain


def check_caption(caption: str | None, parse_mode: str | None) -> str | None:
    if caption is None:
        return None
    plain = plain_text(caption, parse_mode)
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    data: str | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "data": self.data, "url": self.url}


_BUTTON_ACTIONS = (
    "callback_data url switch_inline_query switch_inline_query_current_chat"
    " switch_inline_query_chosen_chat callback_game pay login_url web_app copy_text"
).split()


@dataclass
class Markup:
    """A parsed reply_markup: the inline keyboard (kept as sent) and reply keyboard texts."""

    inline: list[list[dict[str, Any]]] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_buttons: list[list[str]] = field(default_factory=list)


def _inline_button(obj: Any) -> Button:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a string")
    if not any(obj.get(key) is not None for key in _BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = obj.get("callback_data")
    if data is not None and not (1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA):
        raise bad_request("BUTTON_DATA_INVALID")
    url = obj.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")
    return Button(obj["text"], None if data is None else str(data), None if url is None else str(url))


def parse_markup(obj: Any) -> Markup:
    if obj is None:
        return Markup()
    if not isinstance(obj, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = obj.get("inline_keyboard")
    if rows is not None:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        buttons = [[_inline_button(b) for b in row] for row in rows]
        return Markup(inline=rows if any(rows) else None, buttons=buttons)
    keyboard = obj.get("keyboard")
    if keyboard is not None:
        if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
            raise bad_request("can't parse reply keyboard markup JSON object")
        texts = [[str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in row] for row in keyboard]
        return Markup(reply_buttons=texts)
    return Markup()
