"""The HTTP side of ``tandem run``: Telegram's webhook, ``/healthz``, ``/readyz``, ``/metrics``, and
the pages the entry point adds (the coordinators' console, ``bot/console/``).

The webhook answers Telegram as soon as the update's transaction has committed (the core says
so), then sends the replies: a replica killed after answering loses nothing, because what the
update did, outbox rows included, is in the database. Telegram re-sends an update it got no
answer for, and any replica may get the copy; the update's id, recorded in the same transaction,
makes the second one a no-op.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.adapter import COMMITTED, Adapter
from bot.clock import Clock
from bot.runtime import metrics
from bot.runtime.logs import failure
from storage.database import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits about a minute before re-sending; an update whose transaction takes longer
# than this is answered anyway and finishes in the background.
ANSWER_SECONDS = 10.0
READY_DB_SECONDS = 2.0
DRAIN_SECONDS = 20.0
MAX_UPDATE_BYTES = 1 << 20
BIGGEST_ID = 2**63 - 1  # update ids are stored as BIGINT


@dataclass
class Ops:
    """What the server reports on and feeds: set by the service as it starts."""

    db: Database
    clock: Clock
    adapter: Adapter | None = None
    webhook_secret: str | None = None
    ticking: Callable[[], bool] = lambda: True
    draining: bool = False
    in_flight: set[asyncio.Task[bool]] = field(default_factory=set)


class OpsServer:
    def __init__(
        self,
        ops: Ops,
        host: str,
        port: int,
        webhook_path: str,
        *,
        pages: Callable[[web.Application], None] | None = None,
    ) -> None:
        self.ops = ops
        self._pages = pages
        self._host = host
        self._port = port
        self._webhook_path = webhook_path
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_post(self._webhook_path, self._webhook)
        if self._pages is not None:  # the coordinators' console, added by the entry point
            self._pages(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self.port = int(self._runner.addresses[0][1])  # the one chosen, when asked for port 0
        log.info("http server on %s:%s (webhook path %s)", self._host, self.port, self._webhook_path)

    async def drain(self) -> None:
        """Refuse new updates (503: Telegram re-sends them, to another replica behind the load
        balancer) and wait for the ones being handled."""
        self.ops.draining = True
        if self.ops.in_flight:
            await asyncio.wait(set(self.ops.in_flight), timeout=DRAIN_SECONDS)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # --- routes --------------------------------------------------------------------------

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        """Ready or not (503); ``degraded`` while the coordinators' group refuses the bot: every
        replica is affected alike and each still works (coordinators are written to one by one),
        so it does not take a replica out of the load balancer."""
        database, group = await self._database_ok()
        checks = {"database": database, "scheduler": self.ops.ticking()}
        checks["taking_updates"] = self.ops.adapter is not None and not self.ops.draining
        ready = all(checks.values())
        body = {"ready": ready, **checks, "coordinators_group": group, "degraded": not group}
        return web.json_response(body, status=200 if ready else 503)

    async def _database_ok(self) -> tuple[bool, bool]:
        """Whether the database answers, and whether the coordinators' group takes messages."""
        try:
            async with asyncio.timeout(READY_DB_SECONDS), self.ops.db.unit_of_work() as uow:
                await uow.operations.ping()
                return True, not await uow.groups.any_unreachable()
        except Exception as exc:
            log.warning("readiness: database unreachable (%s)", type(exc).__name__)
            return False, True

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await metrics.refresh(self.ops.db, self.ops.clock.now())
        except Exception as exc:  # the counters are still worth serving
            log.warning("metrics: could not read the database figures (%s)", type(exc).__name__)
        body, content_type = metrics.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def _webhook(self, request: web.Request) -> web.Response:
        secret = self.ops.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if secret is None or not hmac.compare_digest(given.encode(), secret.encode()):
            metrics.WEBHOOK_REJECTED.labels("secret").inc()
            log.warning(
                "webhook request refused: %s secret token (from %s)",
                "wrong" if given else "no",
                request.remote,
            )
            return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
        adapter = self.ops.adapter
        if adapter is None or self.ops.draining:
            metrics.WEBHOOK_REJECTED.labels("draining").inc()
            return web.json_response({"ok": False, "description": "shutting down"}, status=503)
        try:
            update = await request.json(loads=json.loads)
            if not _is_update(update):
                raise ValueError("no update_id")
        except (ValueError, RecursionError):  # RecursionError: nested deeper than json reads
            metrics.WEBHOOK_REJECTED.labels("malformed").inc()
            log.warning("webhook request refused: not a JSON update (from %s)", request.remote)
            return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
        committed = asyncio.Event()
        task = asyncio.create_task(self._feed(adapter.feed, update, committed), name="webhook-update")
        self.ops.in_flight.add(task)
        task.add_done_callback(self.ops.in_flight.discard)
        waiter = asyncio.create_task(committed.wait())
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=ANSWER_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        if task in done and not task.result():
            # The framework cannot read it: told 5xx, Telegram would re-send it for a day.
            metrics.WEBHOOK_REJECTED.labels("unreadable").inc()
            return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
        return web.json_response({"ok": True})

    @staticmethod
    async def _feed(
        feed: Callable[[dict[str, Any]], Awaitable[None]], update: dict[str, Any], committed: asyncio.Event
    ) -> bool:
        """Hand the update over; False when the framework cannot read it."""
        COMMITTED.set(committed)
        try:
            await feed(update)
        except ValueError:
            log.warning("webhook update %s could not be read by the framework", update["update_id"])
            return False
        except Exception as exc:
            failure(log, exc, "webhook update %s failed", update["update_id"])
        return True


def _is_update(body: object) -> bool:
    """An object with an update id the database can keep; the framework reads the rest."""
    if not isinstance(body, dict):
        return False
    update_id = body.get("update_id")
    return type(update_id) is int and 0 <= update_id <= BIGGEST_ID
