"""The emulator's HTTP server: Bot API routes, file downloads, webhook pushes, control routes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot.emulator.control_routes import add_control_routes
from bot.emulator.controls import Controls, Fault
from bot.emulator.limits import Limits, RateLimiter
from bot.emulator.methods import BotApi
from bot.emulator.rules import ApiError, Params, Upload
from bot.emulator.state import ApiRequest, Queued, State

# The Bot API's answers are compact JSON (no spaces after separators), which the shared polling
# loop reads quickly (``handlers.polling.skim_updates``); the emulator answers the same way.
compact_json = functools.partial(json.dumps, separators=(",", ":"))

log = logging.getLogger(__name__)

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
WEBHOOK_ATTEMPTS = 4
MAX_BODY = 64 * 1024 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Emulator(Controls):
    """A local Telegram Bot API on 127.0.0.1, with Telegram's limits, faults and a transcript."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
        bot_username: str = "tandem_test_bot",
        bot_id: int = 4242,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = State(now or _utc_now)
        self.me = {"id": bot_id, "is_bot": True, "first_name": "Tandem", "username": bot_username}
        self.api = BotApi(self.state, self.me, RateLimiter(limits, monotonic))
        self.faults: list[Fault] = []
        self.base_url = ""
        self._handlers = self.api.handlers()
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._http: ClientSession | None = None
        self._streams: list[asyncio.Queue[Any]] = []

    # -- lifecycle ----------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_route)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file_route)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = a free port); returns and sets `base_url`."""
        self.api.stopping = False
        runner = web.AppRunner(
            self.build_app(), handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self.base_url = f"http://{host}:{bound[1]}"
        self._http = ClientSession(timeout=ClientTimeout(total=10))
        self._tasks.append(asyncio.create_task(self._push_webhooks()))
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; open long polls return an empty result at once."""
        self.api.stopping = True
        self.state.changed()
        for stream in self._streams:
            stream.put_nowait(None)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the harness API, like asyncio.wait_for
    ) -> None:
        """Wait until predicate() is true, re-checking whenever the transcript or the update
        queue changes; raises TimeoutError (asyncio.TimeoutError) after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self.state.next_change()

    # -- Bot API ------------------------------------------------------------------------------
    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _error(self, err: ApiError) -> web.Response:
        stats = self.state.stats
        if err.status == 429:
            stats.too_many_requests += 1
        elif err.status >= 500:
            stats.errors_5xx += 1
        elif err.status == 403:
            stats.forbidden += 1
        elif err.status == 400:
            stats.bad_requests += 1
        return web.json_response(err.to_json(), status=err.status)

    async def _bot_route(self, request: web.Request) -> web.Response:
        if not TOKEN.fullmatch(request.match_info["token"]):
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        name = request.match_info["method"].lower()
        found = self._handlers.get(name)
        if found is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        canonical, handler = found
        self.state.stats.calls[canonical] += 1
        fault = self._take_fault(name)
        if fault is not None and not fault.late:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                retry = 1 if fault.status == 429 else None
                return self._error(ApiError(fault.status, fault.description, retry))
        try:
            params = await _read_params(request)
            uploads = {key: f"<upload {upload.filename}>" for key, upload in params.uploads.items()}
            self.state.requests.append(ApiRequest(canonical, {**params.values, **uploads}))
            result = await handler(params)
        except ApiError as err:
            return self._error(err)
        if fault is not None and fault.late:
            await asyncio.sleep(fault.delay)  # done; a client that stops waiting cannot know
        body: dict[str, Any] = {"ok": True, "result": result}
        if name == "setwebhook":
            body["description"] = "Webhook was set" if self.api.webhook.url else "Webhook is unset"
        elif name == "deletewebhook":
            body["description"] = "Webhook was deleted"
        return web.json_response(body, dumps=compact_json)  # as the Bot API writes it

    async def _file_route(self, request: web.Request) -> web.Response:
        if not TOKEN.fullmatch(request.match_info["token"]):
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        stored = self.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    # -- webhook ------------------------------------------------------------------------------
    def _next_push(self) -> Queued | None:
        if not self.api.webhook.url:
            return None
        for item in list(self.state.queue):
            if item.type not in self.api.allowed_updates:
                self.state.queue.remove(item)
            elif not item.delivered:
                return item
        return None

    async def _push_webhooks(self) -> None:
        while True:
            item = self._next_push()
            if item is None:
                await self.state.next_change()
                continue
            await self._push(item)

    async def _push(self, item: Queued) -> None:
        assert self._http is not None
        webhook = self.api.webhook
        headers = {}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        for attempt in range(WEBHOOK_ATTEMPTS):
            if self.api.webhook is not webhook:
                return  # changed or deleted meanwhile: the update stays queued
            try:
                async with self._http.post(webhook.url, json=item.update, headers=headers) as resp:
                    if 200 <= resp.status < 300:
                        self.state.stats.webhook_posts += 1
                        self.state.mark_delivered(item)
                        self._forget(item)
                        return
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except Exception as exc:  # any failure counts as a failed delivery
                error = f"Connection failed: {exc.__class__.__name__}"
            self.state.stats.webhook_failures += 1
            webhook.last_error_date = self.state.unix_now()
            webhook.last_error_message = error
            await asyncio.sleep(0.05 * 2**attempt)
        log.warning("webhook gave up on update %s", item.update_id)
        self._forget(item)

    def _forget(self, item: Queued) -> None:
        if item in self.state.queue:
            self.state.queue.remove(item)
            self.state.changed()

    # -- event stream (used by the control routes) --------------------------------------------
    def open_stream(self) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._streams.append(queue)
        self.state.listeners.append(queue.put_nowait)
        return queue

    def close_stream(self, queue: asyncio.Queue[Any]) -> None:
        with contextlib.suppress(ValueError):
            self._streams.remove(queue)
            self.state.listeners.remove(queue.put_nowait)


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            if isinstance(body, dict):
                values.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    uploads[key] = Upload(value.filename, value.content_type, data)
                else:
                    values[key] = value
    return Params(values, uploads)
