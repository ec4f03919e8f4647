"""Delivers outbox rows through the Messenger, after the transaction that wrote them commits.

An event's own rows are delivered at once, from memory, by the task that handled the event;
rows left behind by a crash or a failed delivery are picked up by the scheduler's tick
(``sweep``). Delivery is at least once: a crash between sending and recording it sends again.

The Bot API has no idempotency key, so a send that got no answer (``DeliveryInDoubt``) may have
reached the person. Its row is marked in doubt and sent once more at the next retry, never more:
a message is lost only if neither of those two tries reached Telegram, and shown twice at most.
What else waits for that chat is held back until then and goes after it, in order, so a slow
Telegram doubles at most the one message that was in flight, not every message sent into it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from bot.clock import Clock
from bot.context import HANDOVER
from bot.events import AnswerButton, Outbound, SendDocument, SendFile, SendText, SendVoice, Stored, decode
from bot.messenger import ChatUnreachable, DeliveryError, DeliveryInDoubt, MessageGone, Messenger
from bot.runtime import metrics
from bot.runtime.ratelimit import SendLimiter
from storage.database import Database
from storage.repositories import IN_DOUBT

log = logging.getLogger(__name__)

# Rows of an event are not swept before this, so the sweep never races the event's own delivery.
MAX_ATTEMPTS = 6
SENDS = (SendText, SendVoice, SendDocument, SendFile)

Outcome = dict[str, object]
# A row to deliver: its id, what it does, the tries so far, and whether one of them got no answer.
Parcel = tuple[int, Outbound, int, bool]
# Told what the coordinators' group did not take, and whether it refused the bot (403).
GroupLost = Callable[[int, Sequence[Outbound], bool], Awaitable[None]]
GroupNow = Callable[[], Awaitable[int | None]]  # which group is the coordinators', read now


class Postman:
    @property
    def messenger(self) -> Messenger:
        return self._messenger

    @property
    def limiter(self) -> SendLimiter:
        return self._limiter

    def __init__(
        self, db: Database, messenger: Messenger, clock: Clock, limiter: SendLimiter | None = None
    ) -> None:
        self._db = db
        self._messenger = messenger
        self._clock = clock
        self._limiter = limiter or SendLimiter()
        self._outcomes: list[tuple[int, Outcome]] = []
        self._refs: list[tuple[str, int, int]] = []  # tracked messages: key, chat, message id
        self._unreachable: set[int] = set()
        self._held: dict[int, datetime] = {}  # chats whose send got no answer: nothing goes before
        self._recording = asyncio.Lock()
        self._group: GroupNow | None = None
        self._group_lost: GroupLost | None = None

    def watch_group(self, group: GroupNow, on_lost: GroupLost) -> None:
        """What the coordinators' group does not take (refused, or failed after the retries) is
        not retried there: it is handed to ``on_lost`` at once, to reach each coordinator.
        ``group`` says which group that is; a coordinator may move it (/setup) at any time, so
        it is asked when a batch holds a message for a group."""
        self._group, self._group_lost = group, on_lost

    async def answer(self, answers: Sequence[AnswerButton]) -> None:
        """Answer button presses; they are ephemeral, so a failure is only logged."""
        for answer in answers:
            try:
                await self._messenger.deliver(answer)
            except DeliveryError as exc:
                log.warning("button answer failed: %s", type(exc).__name__)

    async def deliver(
        self,
        posted: Sequence[tuple[int, Stored]],
        *,
        reply_to: int | None = None,
        paid: bool = False,
        relayed: Collection[int] = (),
    ) -> None:
        """Send outbox rows just written, in order, then record how each went. What goes to
        ``reply_to`` (the chat whose update caused them) is a reply, and so is what goes to the
        ``relayed`` chats (a person's own message passed on to their partner); the rest is bulk,
        and with ``paid`` its texts go as paid broadcasts, outside the free budget."""
        if posted:
            work = [(outbox_id, action, 0, False) for outbox_id, action in posted]
            replies = frozenset(relayed) | ({reply_to} if reply_to is not None else frozenset())
            await self._send_all(work, replies, paid)

    async def sweep(
        self, limit: int = 200, *, everything: bool = False, left_before: datetime | None = None
    ) -> int:
        """Deliver rows whose first delivery did not happen or failed; returns how many.
        ``everything``: also rows an event may still be delivering. ``left_before``: also those
        written before then, which a previous process may have left mid-delivery."""
        now = self._clock.now()
        due = now + HANDOVER if everything else now
        if left_before is not None:
            due = max(due, left_before + HANDOVER)  # an event's rows wait HANDOVER for its task
        async with self._db.unit_of_work() as uow:
            rows = await uow.outbox.claim(due, limit, now + HANDOVER)
            work = [
                (r.id, decode(r.chat_id, r.action, r.content), r.attempts, r.status == IN_DOUBT) for r in rows
            ]
        await self._send_all(work, frozenset())
        return len(work)

    async def _send_all(self, work: Sequence[Parcel], replies: frozenset[int], paid: bool = False) -> None:
        # Telegram's groups have negative ids: a batch of replies to people asks nothing.
        to_groups = any(getattr(action, "chat_id", 0) < 0 for _, action, _, _ in work)
        group = await self._group() if to_groups and self._group is not None else None
        outcomes: list[tuple[int, Outcome]] = []
        dead: set[int] = set()
        lost: list[Outbound] = []  # what the coordinators' group did not take, in order
        refused = False
        for outbox_id, action, attempts, in_doubt in work:
            chat_id = getattr(action, "chat_id", 0)
            if chat_id in dead or (lost and chat_id == group):
                outcomes.append((outbox_id, outcome_of("dropped", attempts, self._clock.now())))
                if chat_id == group:
                    lost.append(action)
                continue
            held = self._held_until(chat_id)
            if held is not None:  # behind a send in doubt: it goes first, at its retry
                outcomes.append((outbox_id, outcome_of(IN_DOUBT if in_doubt else "pending", attempts, held)))
                continue
            as_paid = paid and isinstance(action, SendText) and chat_id not in replies
            if as_paid and isinstance(action, SendText):
                action = replace(action, paid=True)
            if chat_id:
                await self._limiter.acquire(chat_id, reply=chat_id in replies, paid=as_paid)
            outcome = await self._send(outbox_id, action, attempts, in_doubt)
            if outcome["status"] == IN_DOUBT:
                self._held[chat_id] = cast(datetime, outcome["next_attempt_at"])
            if isinstance(action, SendText) and action.track and outcome["message_id"] is not None:
                self._refs.append((action.track, action.chat_id, int(str(outcome["message_id"]))))
            if outcome["status"] == "unreachable":
                dead.add(chat_id)
            if chat_id == group and self._lost_by_group(action, outcome):
                refused = refused or outcome["status"] == "unreachable"
                lost.append(action)
                outcome = outcome_of("dropped", int(str(outcome["attempts"])), self._clock.now())
            outcomes.append((outbox_id, outcome))
        await self._record(outcomes, dead)
        if lost and group is not None and self._group_lost is not None:
            await self._group_lost(group, lost, refused)

    def _held_until(self, chat_id: int) -> datetime | None:
        until = self._held.get(chat_id)
        if until is not None and until <= self._clock.now():
            del self._held[chat_id]
            return None
        return until

    @staticmethod
    def _lost_by_group(action: Outbound, outcome: Outcome) -> bool:
        """The group refused the bot, or a message failed after the adapter's retries: it goes
        to the coordinators instead of waiting to be retried (an urgent alert cannot wait)."""
        if outcome["status"] == "unreachable":
            return True
        return isinstance(action, SENDS) and outcome["status"] in ("pending", "failed")

    async def _record(self, outcomes: list[tuple[int, Outcome]], dead: set[int]) -> None:
        """Write outcomes; concurrent events share one transaction (SQLite has one writer)."""
        self._outcomes.extend(outcomes)
        self._unreachable |= dead
        await asyncio.sleep(0)  # events whose answers came in the same turn of the loop join in
        async with self._recording:
            if not self._outcomes and not self._unreachable:
                return  # an earlier holder wrote ours too
            batch, self._outcomes = self._outcomes, []
            chats, self._unreachable = self._unreachable, set()
            refs, self._refs = self._refs, []
            async with self._db.unit_of_work() as uow:
                await uow.outbox.settle_many(batch)
                for key, chat_id, message_id in refs:
                    await uow.message_refs.save(key, chat_id, message_id, self._clock.now())
                for chat_id in chats:
                    await uow.people.mark_unreachable(chat_id, self._clock.now())
                    await uow.outbox.drop_pending_for(chat_id)

    async def _send(self, outbox_id: int, action: Outbound, attempts: int, in_doubt: bool) -> Outcome:
        now = self._clock.now()
        try:
            message_id = await self._messenger.deliver(action)
        except DeliveryInDoubt:
            metrics.DELIVERY_FAILURES.labels("DeliveryInDoubt").inc()
            attempts += 1
            if in_doubt:  # a second try without an answer: a third could be a third copy
                log.warning("delivery in doubt again, given up; outbox=%s attempt=%s", outbox_id, attempts)
                return outcome_of("failed", attempts, now)
            log.warning("delivery in doubt, tried once more later; outbox=%s", outbox_id)
            return outcome_of(IN_DOUBT, attempts, now + timedelta(seconds=30 * 2**attempts))
        except ChatUnreachable:
            log.info("chat unreachable; outbox=%s", outbox_id)
            metrics.DELIVERY_FAILURES.labels("unreachable").inc()
            return outcome_of("unreachable", attempts + 1, now)
        except MessageGone:
            metrics.DELIVERY_FAILURES.labels("gone").inc()
            return outcome_of("gone", attempts + 1, now)
        except DeliveryError as exc:
            metrics.DELIVERY_FAILURES.labels(type(exc).__name__).inc()
            attempts += 1
            log.warning("delivery failed (%s); outbox=%s attempt=%s", type(exc).__name__, outbox_id, attempts)
            if attempts >= MAX_ATTEMPTS:
                return outcome_of("failed", attempts, now)
            retry = now + timedelta(seconds=30 * 2**attempts)
            # This try surely did not reach Telegram; an earlier one without an answer may have.
            return outcome_of(IN_DOUBT if in_doubt else "pending", attempts, retry)
        metrics.MESSAGES_SENT.inc()
        return outcome_of("sent", attempts + 1, now, message_id=message_id, sent_at=now)


def outcome_of(
    status: str,
    attempts: int,
    next_attempt_at: datetime,
    *,
    message_id: int | None = None,
    sent_at: datetime | None = None,
) -> Outcome:
    """Every outcome sets the same columns, so a batch of them is one statement."""
    return {
        "status": status,
        "attempts": attempts,
        "next_attempt_at": next_attempt_at,
        "message_id": message_id,
        "sent_at": sent_at,
    }
