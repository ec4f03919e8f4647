"""Delivers outbox rows through the Messenger, after the transaction that wrote them commits.

An event's own rows are delivered at once by the task that handled it; rows left behind by a
crash or a failed delivery are picked up by the scheduler's tick (``sweep``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.actions import decode
from bot.clock import Clock
from bot.events import AnswerButton
from bot.messenger import ChatUnreachable, DeliveryError, MessageGone, Messenger
from storage.database import Database

log = logging.getLogger(__name__)

# Rows of an event are not swept before this, so the sweep never races the event's own delivery.
HANDOVER = timedelta(seconds=30)
MAX_ATTEMPTS = 6


class Postman:
    def __init__(self, db: Database, messenger: Messenger, clock: Clock) -> None:
        self._db = db
        self._messenger = messenger
        self._clock = clock

    async def answer(self, answers: Sequence[AnswerButton]) -> None:
        """Answer button presses; they are ephemeral, so a failure is only logged."""
        for answer in answers:
            try:
                await self._messenger.deliver(answer)
            except DeliveryError as exc:
                log.warning("button answer failed: %s", type(exc).__name__)

    async def deliver(self, outbox_ids: Sequence[int]) -> None:
        if outbox_ids:
            await self._deliver(list(outbox_ids))

    async def sweep(self, limit: int = 200) -> int:
        """Deliver rows whose first delivery did not happen or failed; returns how many."""
        return await self._deliver(None, limit)

    async def _deliver(self, ids: list[int] | None, limit: int = 200) -> int:
        async with self._db.unit_of_work() as uow:
            rows = await uow.outbox.pending(ids, self._clock.now(), limit)
            work = [(r.id, r.chat_id, r.attempts, decode(r.chat_id, r.action, r.content)) for r in rows]
        results: list[tuple[int, dict[str, object]]] = []
        dead_chats: set[int] = set()
        for outbox_id, chat_id, attempts, action in work:
            if chat_id in dead_chats:
                results.append((outbox_id, {"status": "dropped"}))
                continue
            results.append((outbox_id, await self._send(outbox_id, chat_id, attempts, action)))
            if results[-1][1].get("status") == "unreachable":
                dead_chats.add(chat_id)
        async with self._db.unit_of_work() as uow:
            for outbox_id, values in results:
                await uow.outbox.settle(outbox_id, **values)
            for chat_id in dead_chats:
                await uow.people.mark_unreachable(chat_id, self._clock.now())
                await uow.outbox.drop_pending_for(chat_id)
        return len(results)

    async def _send(
        self, outbox_id: int, chat_id: int, attempts: int, action: object
    ) -> dict[str, object]:
        now = self._clock.now()
        try:
            message_id = await self._messenger.deliver(action)  # type: ignore[arg-type]
        except ChatUnreachable:
            log.info("chat unreachable; outbox=%s chat=%s", outbox_id, chat_id)
            return {"status": "unreachable", "attempts": attempts + 1}
        except MessageGone:
            return {"status": "gone", "attempts": attempts + 1}
        except DeliveryError as exc:
            attempts += 1
            log.warning("delivery failed (%s); outbox=%s attempt=%s", type(exc).__name__, outbox_id, attempts)
            if attempts >= MAX_ATTEMPTS:
                return {"status": "failed", "attempts": attempts}
            retry = now + timedelta(seconds=30 * 2**attempts)
            return {"status": "pending", "attempts": attempts, "next_attempt_at": retry}
        return {"status": "sent", "attempts": attempts + 1, "message_id": message_id, "sent_at": now}
