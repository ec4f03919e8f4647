"""The Bot API methods the emulator serves, with Telegram's checks and answers."""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.limits import RateLimiter
from bot.emulator.rules import (
    NOT_MODIFIED,
    ApiError,
    Params,
    Upload,
    bad_request,
    check_caption,
    check_text,
    parse_markup,
    too_many,
)
from bot.emulator.state import Chat, Json, State, StoredFile, StoredMessage, json_key

Handler = Callable[[Params], Awaitable[Any]]

DEFAULT_UPDATE_TYPES = frozenset(
    "message edited_message channel_post edited_channel_post business_connection"
    " business_message edited_business_message deleted_business_messages inline_query"
    " chosen_inline_result callback_query shipping_query pre_checkout_query purchased_paid_media"
    " poll poll_answer my_chat_member chat_join_request chat_boost removed_chat_boost".split()
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


# An administrator's rights, as Telegram lists them (the clients want every one).
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
    "can_send_welcome_messages": False,
}


def member_json(user: Json, status: str) -> Json:
    """A ChatMember object of the given status."""
    if status == "administrator":
        return {"user": user, "status": status, **ADMIN_RIGHTS}
    if status == "creator":
        return {"user": user, "status": status, "is_anonymous": False}
    if status == "kicked":
        return {"user": user, "status": status, "until_date": 0}
    return {"user": user, "status": status}


def _inline(msg: StoredMessage) -> Any:
    return msg.json.get("reply_markup", {}).get("inline_keyboard")


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Forced429:
    chat_id: int | None
    retry_after: int
    count: int


@dataclass
class BotApi:
    state: State
    me: Json
    limiter: RateLimiter
    webhook: Webhook = field(default_factory=Webhook)
    allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
    commands: dict[tuple[str, str], list[Json]] = field(default_factory=dict)
    forced: list[Forced429] = field(default_factory=list)
    stopping: bool = False
    _poll_generation: int = 0

    def handlers(self) -> dict[str, tuple[str, Handler]]:
        """Lower-case method name -> (canonical name, handler)."""
        table: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "sendVoice": self.send_voice,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getChat": self.get_chat,
            "getChatAdministrators": self.get_chat_administrators,
            "getChatMemberCount": self.get_chat_member_count,
            "getChatMember": self.get_chat_member,
            "getFile": self.get_file,
            "deleteMessage": self.delete_message,
            "sendChatAction": self.send_chat_action,
        }
        return {name.lower(): (name, handler) for name, handler in table.items()}

    # -- shared checks ------------------------------------------------------------------------
    def find_chat(self, params: Params) -> Chat:
        chat_id = params.chat_id()
        if isinstance(chat_id, str):
            for known in self.state.chats.values():
                if known.user is not None and f"@{known.user.username}" == chat_id:
                    return known
            raise bad_request("chat not found")
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def target(self, params: Params) -> Chat:
        """The chat to write to; 403 if the person blocked the bot or the group removed it."""
        chat = self.find_chat(params)
        if chat.user is not None and chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.bot_removed == "deleted":
            raise ApiError(403, "Forbidden: the group chat was deleted")
        if chat.bot_removed is not None:
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if chat.migrated_to is not None:
            raise ApiError(
                400, "Bad Request: group chat was upgraded to a supergroup chat", None, chat.migrated_to
            )
        return chat

    def gate(self, chat: Chat, *, paid: bool = False) -> None:
        """Apply forced 429s and the flood limits to one counted call (sendMessage,
        sendDocument, sendPhoto, sendVoice, editMessageText, editMessageReplyMarkup); ``paid``: a
        paid broadcast, beyond the bot's free rate (counted, as Telegram charges for it)."""
        for rule in self.forced:
            if rule.chat_id is None or rule.chat_id == chat.id:
                rule.count -= 1
                if rule.count <= 0:
                    self.forced.remove(rule)
                raise too_many(rule.retry_after)
        retry_after = self.limiter.acquire(chat.id, chat.is_group, paid=paid)
        if retry_after:
            raise too_many(retry_after)
        self.state.stats.paid_broadcasts += paid

    def _message_json(self, chat: Chat, message_id: int, body: Json) -> Json:
        return {
            "message_id": message_id,
            "from": self.me,
            "chat": chat.to_json(),
            "date": self.state.unix_now(),
            **body,
        }

    def _store(self, msg: StoredMessage) -> Json:
        self.state.store_message(msg)
        return msg.json

    def _file(self, params: Params, name: str, default_name: str, folder: str) -> StoredFile:
        value = params.get_file(name)
        if isinstance(value, Upload):
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
            filename = value.filename or default_name
            return self.state.add_file(filename, mime, value.data, folder)
        if value is None:
            raise bad_request(f"there is no {name} in the request")
        stored = self.state.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    # -- methods ------------------------------------------------------------------------------
    async def get_me(self, params: Params) -> Json:
        return {
            **self.me,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _batch(self, limit: int) -> list[Json]:
        batch = []
        last: int | None = None
        for item in list(self.state.queue):
            if item.type not in self.allowed_updates:
                self.state.queue.remove(item)
                continue
            if last is not None and item.update_id <= last:
                break
            batch.append(item)
            last = item.update_id
            if len(batch) >= limit:
                break
        for item in batch:
            self.state.mark_delivered(item)
        return [item.update for item in batch]

    async def get_updates(self, params: Params) -> list[Json]:
        if self.webhook.url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_int("timeout") or 0, 0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
        if offset is not None:
            self.state.confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self.state.changed()  # an older long poll is terminated by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLL)
            if self.webhook.url:
                raise ApiError(409, CONFLICT_WEBHOOK)
            batch = self._batch(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self.stopping:
                return batch
            try:
                async with asyncio.timeout(remaining):
                    await self.state.next_change()
            except TimeoutError:
                pass

    async def set_webhook(self, params: Params) -> bool:
        url = params.get_str("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending()
        self.webhook = Webhook(url, secret, params.get_int("max_connections") or 40)
        self.state.changed()
        return True

    async def delete_webhook(self, params: Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending()
        self.webhook = Webhook()
        self.state.changed()
        return True

    async def get_webhook_info(self, params: Params) -> Json:
        info: Json = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.queue),
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
            info["allowed_updates"] = sorted(self.allowed_updates)
        if self.webhook.last_error_date is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error_message
        return info

    async def send_message(self, params: Params) -> Json:
        text = params.get_str("text")
        parse_mode = params.get_str("parse_mode")
        plain = check_text(text, parse_mode)
        markup = parse_markup(params.get_json("reply_markup"))
        chat = self.target(params)
        self.gate(chat, paid=params.get_bool("allow_paid_broadcast"))
        message_id = self.state.new_message_id(chat)
        body: Json = {"text": plain}
        if markup.inline:
            body["reply_markup"] = {"inline_keyboard": markup.inline}
        return self._store(
            StoredMessage(
                chat.id,
                message_id,
                "bot",
                "text",
                plain,
                self._message_json(chat, message_id, body),
                raw=text if plain != text else None,
                buttons=markup.buttons,
                reply_buttons=markup.reply_buttons,
            )
        )

    def _editable(self, params: Params) -> tuple[Chat, StoredMessage]:
        if params.get_str("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the emulator")
        chat = self.target(params)
        message_id = params.req_int("message_id")
        msg = self.state.messages.get((chat.id, message_id))
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if msg.sender != "bot":
            raise bad_request("message can't be edited")
        return chat, msg

    def _commit_edit(self, msg: StoredMessage, body: Json) -> Json:
        new = {k: v for k, v in msg.json.items() if k not in ("reply_markup", "edit_date")}
        new.update(body)
        new["edit_date"] = self.state.unix_now()
        msg.json = new
        self.state.record(msg, edit=True)
        return msg.json

    async def edit_message_text(self, params: Params) -> Json:
        text = params.get_str("text")
        parse_mode = params.get_str("parse_mode")
        plain = check_text(text, parse_mode)
        raw = text if plain != text else None
        markup = parse_markup(params.get_json("reply_markup"))
        chat, msg = self._editable(params)
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (plain, raw, markup.inline) == (msg.text, msg.raw, _inline(msg)):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        self.gate(chat)
        msg.text, msg.raw, msg.buttons = plain, raw, markup.buttons
        msg.reply_buttons = []
        body: Json = {"text": plain}
        if markup.inline:
            body["reply_markup"] = {"inline_keyboard": markup.inline}
        return self._commit_edit(msg, body)

    async def edit_message_reply_markup(self, params: Params) -> Json:
        markup = parse_markup(params.get_json("reply_markup"))
        chat, msg = self._editable(params)
        if markup.inline == _inline(msg):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        self.gate(chat)
        msg.buttons = markup.buttons
        msg.reply_buttons = []
        body: Json = {}
        if markup.inline:
            body["reply_markup"] = {"inline_keyboard": markup.inline}
        return self._commit_edit(msg, body)

    async def answer_callback_query(self, params: Params) -> bool:
        query_id = params.req_str("callback_query_id")
        origin = self.state.callbacks.get(query_id)
        if origin is None or query_id in self.state.answered:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get_str("text") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.state.answered.add(query_id)
        self.state.append(
            chat_id=origin[0],
            message_id=origin[1],
            sender="bot",
            text=text,
            kind="alert" if params.get_bool("show_alert") else "answer",
        )
        return True

    async def _send_file(self, params: Params, kind: str) -> Json:
        parse_mode = params.get_str("parse_mode")
        caption_raw = params.get_str("caption")
        caption = check_caption(caption_raw, parse_mode)
        markup = parse_markup(params.get_json("reply_markup"))
        default_name = "photo.jpg" if kind == "photo" else "document"
        stored = self._file(params, kind, default_name, f"{kind}s")
        chat = self.target(params)
        self.gate(chat)
        message_id = self.state.new_message_id(chat)
        body: Json
        if kind == "photo":
            body = {
                "photo": [
                    {
                        "file_id": stored.file_id,
                        "file_unique_id": stored.file_unique_id,
                        "width": 1280,
                        "height": 960,
                        "file_size": len(stored.content),
                    }
                ]
            }
        else:
            body = {
                "document": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_name": stored.name,
                    "mime_type": stored.mime_type,
                    "file_size": len(stored.content),
                }
            }
        if caption:
            body["caption"] = caption
        if markup.inline:
            body["reply_markup"] = {"inline_keyboard": markup.inline}
        return self._store(
            StoredMessage(
                chat.id,
                message_id,
                "bot",
                kind,
                caption or "",
                self._message_json(chat, message_id, body),
                raw=caption_raw if caption != caption_raw else None,
                buttons=markup.buttons,
                reply_buttons=markup.reply_buttons,
                document=stored.name,
                file_id=stored.file_id,
            )
        )

    async def send_document(self, params: Params) -> Json:
        return await self._send_file(params, "document")

    async def send_photo(self, params: Params) -> Json:
        return await self._send_file(params, "photo")

    async def send_voice(self, params: Params) -> Json:
        """A voice note: an upload, or a voice the emulator already holds, by its file id."""
        parse_mode = params.get_str("parse_mode")
        caption_raw = params.get_str("caption")
        caption = check_caption(caption_raw, parse_mode)
        markup = parse_markup(params.get_json("reply_markup"))
        stored = self._file(params, "voice", "voice.ogg", "voice")
        if not isinstance(params.get_file("voice"), Upload) and not stored.path.startswith("voice/"):
            raise bad_request("type of file mismatch")
        duration = params.get_int("duration") or stored.duration
        chat = self.target(params)
        self.gate(chat)
        message_id = self.state.new_message_id(chat)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": stored.mime_type,
            "file_size": len(stored.content),
        }
        body: Json = {"voice": voice}
        if caption:
            body["caption"] = caption
        if markup.inline:
            body["reply_markup"] = {"inline_keyboard": markup.inline}
        return self._store(
            StoredMessage(
                chat.id,
                message_id,
                "bot",
                "voice",
                caption or "",
                self._message_json(chat, message_id, body),
                raw=caption_raw if caption != caption_raw else None,
                buttons=markup.buttons,
                reply_buttons=markup.reply_buttons,
                file_id=stored.file_id,
            )
        )

    def _scope_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            chat = self.find_chat(Params({"chat_id": scope["chat_id"]}))
            scope = {**scope, "chat_id": chat.id}
        elif scope["type"].startswith("chat"):
            raise bad_request("chat_id is empty")
        language = params.get_str("language_code") or ""
        return json_key(scope), language

    async def set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        clean = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not _COMMAND.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command, "description": description})
        key = self._scope_key(params)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        self.state.changed()  # a page showing the "/" menu follows it
        return True

    async def get_my_commands(self, params: Params) -> list[Json]:
        return list(self.commands.get(self._scope_key(params), []))

    async def delete_my_commands(self, params: Params) -> bool:
        self.commands.pop(self._scope_key(params), None)
        self.state.changed()
        return True

    async def get_chat(self, params: Params) -> Json:
        chat = self.find_chat(params)
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gifts, True), "gifts_from_channels": False},
        }

    async def get_chat_administrators(self, params: Params) -> list[Json]:
        """The owner, the other administrators and, when it is one, the bot: never the others."""
        chat = self._group(params)
        admins = [user for user in chat.members if chat.status_of(user) != "member"]
        found = [member_json(self.state.user(user).to_json(), chat.status_of(user)) for user in admins]
        return found + ([member_json(self.me, "administrator")] if chat.bot_admin else [])

    async def get_chat_member_count(self, params: Params) -> int:
        return len(self._group(params).members) + 1  # the bot is a member too

    async def get_chat_member(self, params: Params) -> Json:
        chat = self._group(params)
        user_id = params.req_int("user_id")
        if user_id == self.me["id"]:
            return member_json(self.me, "administrator" if chat.bot_admin else "member")
        try:
            user = self.state.user(user_id)
        except LookupError:
            raise bad_request("user not found") from None
        return member_json(user.to_json(), chat.status_of(user_id))

    def _group(self, params: Params) -> Chat:
        """A group the bot is in (Telegram answers 403 for one that removed it)."""
        chat = self.target(params)
        if not chat.is_group:
            raise bad_request("method is available only for supergroups and group chats")
        return chat

    async def get_file(self, params: Params) -> Json:
        stored = self.state.files.get(params.req_str("file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.to_json()

    async def delete_message(self, params: Params) -> bool:
        chat = self.find_chat(params)
        msg = self.state.messages.get((chat.id, params.req_int("message_id")))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        msg.deleted = True
        self.state.append(chat_id=chat.id, message_id=msg.message_id, sender="bot", text="", kind="delete")
        return True

    async def send_chat_action(self, params: Params) -> bool:
        self.target(params)
        params.req_str("action")
        return True
