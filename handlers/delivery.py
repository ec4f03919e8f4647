"""The transport rules both messengers follow, whatever framework raised the error.

Each messenger classifies its framework's exceptions into a ``Rejection``; the loop here
decides what to do about it, so 429s, 5xx and 403s are treated identically in both adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar, cast

from bot.adapter import AdapterOptions
from bot.events import (
    AnswerButton,
    EditKeyboard,
    EditText,
    Outbound,
    SendDocument,
    SendFile,
    SendText,
    SendVoice,
)
from bot.messenger import ChatUnreachable, DeliveryError, DeliveryInDoubt, MessageGone

logger = logging.getLogger("handlers.delivery")

# "transient": Telegram did not carry the call out (a 5xx, a connection that never opened).
# "unanswered": no answer came after the request went out, so it may have been carried out.
RejectionKind = Literal["flood", "transient", "unanswered", "forbidden", "not_modified", "gone", "refused"]

# Calls that do something again when repeated: after no answer, they are not repeated here. An
# edit or a button's answer done twice looks done once, so those are retried like a 5xx.
UNREPEATABLE = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendVoice"})

# Short, growing pauses: a 5xx or dropped connection usually clears within a second,
# and a person is waiting for the reply.
BACKOFF_SECONDS: tuple[float, ...] = (0.2, 0.5, 1.0)

_NOT_MODIFIED = "message is not modified"
_GONE = ("message to edit not found", "message can't be edited")


@dataclass(frozen=True, slots=True)
class Rejection:
    """What Telegram (or the network) said, in framework-neutral terms."""

    kind: RejectionKind
    description: str = ""
    retry_after: float = 0.0


def bad_request(description: str) -> Rejection:
    """Read a 400's description: an unchanged edit is fine, a vanished message is its own case."""
    lowered = description.lower()
    if _NOT_MODIFIED in lowered:
        return Rejection("not_modified", description)
    if any(phrase in lowered for phrase in _GONE):
        return Rejection("gone", description)
    return Rejection("refused", description)


@dataclass(frozen=True, slots=True)
class Target:
    """Where an action goes, for the retry loop's errors and logs."""

    method: str
    chat_id: int | None = None
    unchanged: int | None = None  # an edit's message id, returned when nothing changed


def target_of(action: Outbound) -> Target:
    match action:
        case SendText():
            return Target("sendMessage", action.chat_id)
        case EditText():
            return Target("editMessageText", action.chat_id, action.message_id)
        case EditKeyboard():
            return Target("editMessageReplyMarkup", action.chat_id, action.message_id)
        case SendDocument():
            return Target("sendPhoto" if action.as_photo else "sendDocument", action.chat_id)
        case SendVoice():
            return Target("sendVoice", action.chat_id)
        case SendFile():
            return Target("sendPhoto" if action.kind == "photo" else "sendDocument", action.chat_id)
        case AnswerButton():
            return Target("answerCallbackQuery")
    raise TypeError(f"not an outbound action: {type(action).__name__}")


@dataclass(slots=True)
class DeliveryStats:
    """Counters for tests and benchmarks; one per messenger."""

    calls: int = 0
    waited_429: int = 0
    seconds_waited_429: float = 0.0
    retried: int = 0
    failed: int = 0
    in_doubt: int = 0  # sends that got no answer, left to the caller


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries_429: int = 5
    max_retries_5xx: int = 3
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    on_flood: Callable[[float], None] | None = field(default=None, repr=False)

    @classmethod
    def from_options(cls, options: AdapterOptions) -> RetryPolicy:
        return cls(
            max_retries_429=options.max_retries_429,
            max_retries_5xx=options.max_retries_5xx,
            on_flood=options.on_flood,
        )


Classifier = Callable[[Exception], Rejection | None]
Result = TypeVar("Result")


@dataclass(slots=True)
class Courier:
    """Runs one API call under the retry policy and turns failures into the port's errors."""

    classify: Classifier
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    stats: DeliveryStats = field(default_factory=DeliveryStats)

    async def run(self, call: Callable[[], Awaitable[Result]], target: Target) -> Result:
        """Call until it succeeds or the policy gives up; an edit Telegram reports as
        not modified counts as done (its message id is the result)."""
        method, chat_id, unchanged = target.method, target.chat_id, target.unchanged
        floods = transients = 0
        while True:
            self.stats.calls += 1
            try:
                return await call()
            except Exception as exc:
                rejection = self.classify(exc)
                if rejection is None:
                    raise  # not a Telegram or transport error: a bug, let it surface
                cause = exc
            if rejection.kind == "not_modified" and unchanged is not None:
                return cast(Result, unchanged)
            if rejection.kind == "unanswered":
                if method in UNREPEATABLE:
                    self.stats.in_doubt += 1
                    logger.warning("%s to chat %s got no answer: it may have been sent", method, chat_id)
                    raise DeliveryInDoubt(f"{method}: no answer ({rejection.description})") from cause
                rejection = Rejection("transient", rejection.description)
            if rejection.kind == "flood" and floods < self.policy.max_retries_429:
                floods += 1
                await self._wait_out_flood(rejection.retry_after, method, chat_id)
            elif rejection.kind == "transient" and transients < self.policy.max_retries_5xx:
                delay = BACKOFF_SECONDS[min(transients, len(BACKOFF_SECONDS) - 1)]
                transients += 1
                self.stats.retried += 1
                logger.warning("%s to chat %s failed, retry %d", method, chat_id, transients)
                await self.policy.sleep(delay)
            else:
                self.stats.failed += 1
                raise _give_up(rejection, method, chat_id) from cause

    async def _wait_out_flood(self, seconds: float, method: str, chat_id: int | None) -> None:
        # Telegram's rule: wait exactly retry_after; retrying sooner extends the ban.
        self.stats.waited_429 += 1
        self.stats.seconds_waited_429 += seconds
        logger.info("%s to chat %s hit 429, waiting %.1f s", method, chat_id, seconds)
        if self.policy.on_flood is not None:
            self.policy.on_flood(seconds)  # the other senders wait too
        await self.policy.sleep(seconds)


def _give_up(rejection: Rejection, method: str, chat_id: int | None) -> DeliveryError:
    detail = f"{method}: {rejection.description or rejection.kind}"
    if rejection.kind == "forbidden" and chat_id is not None:
        return ChatUnreachable(chat_id, rejection.description)
    if rejection.kind == "gone":
        return MessageGone(detail)
    if rejection.kind == "flood":
        return DeliveryError(f"{detail} (still flooded after retries)")
    if rejection.kind == "transient":
        return DeliveryError(f"{detail} (after retries)")
    return DeliveryError(detail)
