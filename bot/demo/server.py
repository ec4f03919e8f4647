"""The demo's web page and its small JSON API (same origin, loopback only, no external assets)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import console
from bot.demo.cast import PLACES
from bot.demo.runner import Demo, DemoError

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 4096  # what a Telegram client lets a person send
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEMO = web.AppKey("demo", Demo)


def build_app(demo: Demo) -> web.Application:
    app = web.Application(middlewares=[_errors])
    app[DEMO] = demo
    app.router.add_get("/", _index)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/files/{file_id}", _file)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/location", _location)
    app.router.add_post("/api/voice", _voice)
    app.router.add_post("/api/photo", _photo)
    app.router.add_post("/api/people", _people)
    app.router.add_post("/api/advance", _advance)
    console.mount(app, lambda: demo.simulation.tandem)  # the coordinators' console, as `tandem run` has it
    return app


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DemoError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except LookupError as exc:
        return web.json_response({"error": f"Not found: {exc}"}, status=404)


def _demo(request: web.Request) -> Demo:
    return request.app[DEMO]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DemoError("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise DemoError("The request body must be a JSON object.")
    return body


def _int(body: dict[str, Any], key: str) -> int:
    try:
        return int(body[key])
    except (KeyError, TypeError, ValueError):
        raise DemoError(f"{key} must be a number.") from None


def _sender(demo: Demo, body: dict[str, Any]) -> tuple[int, int]:
    """The (user, chat) a phone acts as; only the demo's own people may act."""
    user_id, chat_id = _int(body, "user_id"), _int(body, "chat_id")
    people = [demo.person_json(m) for m in demo.members]
    if not any(p["user_id"] == user_id and p["chat_id"] == chat_id for p in people):
        raise LookupError(f"no phone for user {user_id} in chat {chat_id}")
    return user_id, chat_id


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _state(request: web.Request) -> web.Response:
    return web.json_response(await _demo(request).state())


async def _file(request: web.Request) -> web.Response:
    emulator = _demo(request).simulation.emulator
    stored = emulator.state.files.get(request.match_info["file_id"])
    if stored is None:
        raise LookupError("file")
    disposition = f'inline; filename="{stored.name}"'
    return web.Response(
        body=stored.content, content_type=stored.mime_type, headers={"Content-Disposition": disposition}
    )


async def _send(request: web.Request) -> web.Response:
    demo = _demo(request)
    body = await _body(request)
    user_id, chat_id = _sender(demo, body)
    text = str(body.get("text") or "")
    if not text.strip():
        raise DemoError("An empty message cannot be sent.")
    if len(text) > MAX_TEXT:
        raise DemoError(f"A message can have at most {MAX_TEXT} characters.")
    injected = demo.simulation.emulator.send_text(user_id, text, chat_id=chat_id)
    return web.json_response({"update_id": injected.update_id})


async def _press(request: web.Request) -> web.Response:
    demo = _demo(request)
    body = await _body(request)
    user_id, chat_id = _sender(demo, body)
    data = str(body.get("data") or "")
    injected = demo.simulation.emulator.press(user_id, chat_id, _int(body, "message_id"), data)
    return web.json_response({"update_id": injected.update_id})


async def _location(request: web.Request) -> web.Response:
    demo = _demo(request)
    body = await _body(request)
    user_id, chat_id = _sender(demo, body)
    place = PLACES.get(str(body.get("place")))
    if place is None:
        raise DemoError("Unknown place.")
    _, lat, lon = place
    injected = demo.simulation.emulator.send_location(user_id, lat, lon, chat_id=chat_id)
    return web.json_response({"update_id": injected.update_id})


async def _voice(request: web.Request) -> web.Response:
    demo = _demo(request)
    body = await _body(request)
    user_id, chat_id = _sender(demo, body)
    seconds = max(1, min(_int(body, "seconds") if "seconds" in body else 5, 600))
    injected = demo.simulation.emulator.send_voice(user_id, seconds, chat_id=chat_id)
    return web.json_response({"update_id": injected.update_id})


async def _photo(request: web.Request) -> web.Response:
    demo = _demo(request)
    body = await _body(request)
    user_id, chat_id = _sender(demo, body)
    injected = demo.simulation.emulator.send_photo(user_id, "photo.jpg", chat_id=chat_id)
    return web.json_response({"update_id": injected.update_id})


async def _people(request: web.Request) -> web.Response:
    body = await _body(request)
    person = await _demo(request).add_person(str(body.get("name") or ""), str(body.get("language") or ""))
    return web.json_response(person)


async def _advance(request: web.Request) -> web.Response:
    body = await _body(request)
    clock = await _demo(request).advance(str(body.get("delta") or ""))
    return web.json_response({"clock": clock})


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: new transcript lines, clock moves, new people and changed ones (a role,
    a "/" menu)."""
    demo = _demo(request)
    emulator = demo.simulation.emulator
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue()
    demo.listeners.append(queue)
    if demo.stopping:  # a page reconnecting while the demo stops: nothing more will come
        queue.put_nowait(None)
    entries = emulator.open_stream()

    async def forward() -> None:
        while (entry := await entries.get()) is not None:
            queue.put_nowait(("entry", await demo.entry_json(entry)))
        queue.put_nowait(None)

    forwarding = asyncio.create_task(forward())
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), 15.0)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if item is None:
                break
            kind, payload = item
            data = json.dumps(payload, ensure_ascii=False)
            await response.write(f"event: {kind}\ndata: {data}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        forwarding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forwarding
        emulator.close_stream(entries)
        with contextlib.suppress(ValueError):
            demo.listeners.remove(queue)
    return response


async def serve(demo: Demo, host: str, port: int) -> web.AppRunner:
    """Start the page; the caller stops it with ``runner.cleanup()``."""
    runner = web.AppRunner(build_app(demo), handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
