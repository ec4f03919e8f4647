"""HTTP routes of the control API under /_emu/ (JSON in, JSON out) and the SSE event stream."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.controls import Injected
from bot.emulator.limits import Limits
from bot.emulator.state import Entry, Json, Stats, StoredMessage

if TYPE_CHECKING:
    from bot.emulator.server import Emulator

Action = Callable[["Emulator", Json], Any]


def _send_document(emu: Emulator, args: Json) -> Any:
    content = base64.b64decode(args.pop("content_b64", "")) or b"%PDF-1.4 emulator document\n"
    return emu.send_document(content=content, **args)


ACTIONS: dict[str, Action] = {
    "add_user": lambda e, a: e.add_user(**a),
    "add_users": lambda e, a: [e.add_user(**user) for user in a["users"]],
    "add_group": lambda e, a: e.add_group(**a),
    "send_text": lambda e, a: e.send_text(**a),
    "send_as_chat": lambda e, a: e.send_as_chat(**a),
    "press": lambda e, a: e.press(**a),
    "press_button": lambda e, a: e.press_button(**a),
    "send_location": lambda e, a: e.send_location(**a),
    "send_contact": lambda e, a: e.send_contact(**a),
    "send_photo": lambda e, a: e.send_photo(**a),
    "send_document": _send_document,
    "send_voice": lambda e, a: e.send_voice(**a),
    "send_sticker": lambda e, a: e.send_sticker(**a),
    "block": lambda e, a: e.block(**a),
    "unblock": lambda e, a: e.unblock(**a),
    "remove_bot": lambda e, a: e.remove_bot(**a),
    "return_bot": lambda e, a: e.return_bot(**a),
    "promote_bot": lambda e, a: e.promote_bot(**a),
    "join_group": lambda e, a: e.join_group(**a),
    "leave_group": lambda e, a: e.leave_group(**a),
    "redeliver": lambda e, a: e.redeliver(**a),
    "inject_raw": lambda e, a: e.inject_raw(a["update"]),
    "fail_next": lambda e, a: e.fail_next(**a),
    "answer_late": lambda e, a: e.answer_late(**a),
    "force_429": lambda e, a: e.force_429(**a),
    "set_limits": lambda e, a: e.set_limits(Limits(**a)),
    "transcript": lambda e, a: e.transcript(**a),
    "message": lambda e, a: e.message(**a),
    "commands": lambda e, a: e.commands(**a),
    "menu": lambda e, a: e.menu(**a),
    "stats": lambda e, a: e.stats,
    "state": lambda e, a: {
        "bot": e.me,
        "users": e.users(),
        "chats": e.chats(),
        "pending_updates": e.pending_updates(),
        "delivered_update_ids": e.delivered_update_ids,
        "webhook_url": e.webhook_url(),
    },
}
_INT_QUERY = ("chat_id", "since_seq", "message_id", "user_id")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Injected):
        return value._asdict()
    if isinstance(value, Entry | Stats):
        return value.to_json()
    if isinstance(value, StoredMessage):
        return {
            "chat_id": value.chat_id,
            "message_id": value.message_id,
            "sender": value.sender,
            "kind": value.kind,
            "text": value.text,
            "raw": value.raw,
            "buttons": [[b.to_json() for b in row] for row in value.buttons],
            "reply_buttons": value.reply_buttons,
            "document": value.document,
            "deleted": value.deleted,
            "json": value.json,
        }
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    return value


def add_control_routes(app: web.Application, emu: Emulator) -> None:
    async def action(request: web.Request) -> web.Response:
        name = request.match_info["action"]
        fn = ACTIONS.get(name)
        if fn is None:
            return web.json_response({"ok": False, "error": f"unknown action {name}"}, status=404)
        args: Json = {}
        if request.method == "GET":
            for key, value in request.query.items():
                args[key] = int(value) if key in _INT_QUERY else value
        elif request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "invalid JSON"}, status=400)
            if not isinstance(body, dict):
                return web.json_response({"ok": False, "error": "expected an object"}, status=400)
            args = body
        try:
            result = fn(emu, args)
        except LookupError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=404)
        except (TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": to_jsonable(result)})

    async def events(request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since_seq", "0"))
        chat = request.query.get("chat_id")
        chat_id = None if chat is None else int(chat)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        queue = emu.open_stream()
        last = since

        async def send(entry: Entry) -> None:
            nonlocal last
            if entry.seq > last and chat_id in (None, entry.chat_id):
                last = entry.seq
                data = json.dumps(entry.to_json(), ensure_ascii=False)
                await resp.write(f"id: {entry.seq}\ndata: {data}\n\n".encode())

        try:
            for entry in emu.transcript(chat_id, since):
                await send(entry)
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), 15.0)
                except TimeoutError:
                    await resp.write(b": ping\n\n")
                    continue
                if item is None:
                    break
                await send(item)
        finally:
            emu.close_stream(queue)
        return resp

    app.router.add_get("/_emu/events", events)
    app.router.add_route("*", "/_emu/{action}", action)
