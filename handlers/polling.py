"""Long polling that confirms an update to Telegram only once its effects are in the database.

Telegram forgets every update below the ``offset`` of a getUpdates call. aiogram's and
python-telegram-bot's own polling move the offset past a whole batch as soon as they have read
it (the next getUpdates carries it), while its updates still wait in memory: a process killed
then loses them, and neither framework has a hook to hold the offset back. So both adapters
share this loop instead. It hands each update to the adapter's ``feed``, as the webhook does, and
moves the offset only past the updates the sink has recorded (it says so through ``COMMITTED``),
up to the first one still being handled. After a crash Telegram hands out the rest again, and
the processed-updates table turns a copy of one that had committed into a no-op.

Updates are handled concurrently, each in a task started in update-id order (the core keeps a
chat's events in the order their tasks start). While any is being handled, Telegram answers a
poll at once with the unconfirmed ones, so the loop polls again when one is done or after a short
pause, and skips those it already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

import orjson
from aiohttp import ClientSession, ClientTimeout

from bot.adapter import COMMITTED, AdapterOptions

logger = logging.getLogger("handlers.polling")

TELEGRAM = "https://api.telegram.org"
BATCH = 100  # Telegram's most per getUpdates; the unconfirmed ones count, so it bounds the work in hand
# While updates are being handled a poll returns at once: poll again when one is done, or after this.
BUSY_PAUSE = 0.1
# After a failed poll (network, 5xx, 409 while a webhook is set), waits that grow to the last.
FETCH_BACKOFF = (0.5, 1.0, 2.0, 5.0)
# An update handled but not recorded (its transaction and the record of its failure both failed,
# which is the database) is fed again after each of these pauses, then given up and logged.
REFEED_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
DRAIN_SECONDS = 10.0  # how long stop() lets the updates being handled finish
LAST_CONFIRM_SECONDS = 2.0

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class FetchFailed(Exception):
    """getUpdates answered with an error (Telegram's description carries no one's words)."""

    def __init__(self, description: str, retry_after: float = 0.0) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class Recorded(asyncio.Event):
    """The ``COMMITTED`` event of one update: tells the loop the moment the sink sets it."""

    def __init__(self, on_set: Callable[[], None]) -> None:
        super().__init__()
        self._on_set = on_set

    def set(self) -> None:
        if not self.is_set():
            super().set()
            self._on_set()


class LongPolling:
    """getUpdates → ``feed``, one task per update; the offset trails the recorded ones."""

    def __init__(self, options: AdapterOptions, feed: Feed, allowed_updates: Sequence[str]) -> None:
        self._options = options
        self._feed = feed
        self._allowed = list(allowed_updates)
        self._base = f"{(options.base_url or TELEGRAM).rstrip('/')}/bot{options.token}"
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None  # the next poll's: every update below it is recorded
        self._sent_offset: int | None = None  # the last one Telegram was told
        self._highest: int | None = None
        self._handling: set[int] = set()
        self._waiting: dict[int, tuple[int, float]] = {}  # not recorded: attempts, when to feed again
        self._recorded: set[int] = set()  # recorded, but at or above the offset
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._stopping = False

    async def start(self) -> None:
        """deleteWebhook (getUpdates is refused while one is set), then poll in the background."""
        self._session = ClientSession()
        try:
            await self._call("deleteWebhook", {"drop_pending_updates": False}, self._options.request_timeout)
        except BaseException:
            await self._session.close()
            raise
        self._task = asyncio.create_task(self._run(), name="long-polling")

    async def stop(self) -> None:
        """Stop fetching, let the updates being handled finish, confirm the recorded ones."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
        await self._confirm_last()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._advance()
            self._changed.clear()
            busy = bool(self._handling or self._waiting)
            try:
                batch = await self._get_updates(0 if busy else self._options.polling_timeout)
            except Exception as exc:  # any failure: wait and poll again, as both frameworks do
                await asyncio.sleep(self._backoff(exc, failures))
                failures += 1
                continue
            failures = 0
            self._take(batch)
            await self._until_worth_polling()

    async def _until_worth_polling(self) -> None:
        """With nothing in hand, at once (the next poll waits for updates itself). Otherwise the
        next poll would return at once with the unconfirmed updates: wait until one is done, for
        news meanwhile, or until one that was not recorded is due to be fed again."""
        if self._handling:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow stop()'s cancel.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(BUSY_PAUSE):
                    await self._changed.wait()
        elif self._waiting:
            due = min(due for _, due in self._waiting.values())
            await asyncio.sleep(max(0.0, due - asyncio.get_running_loop().time()))

    def _take(self, batch: list[Any]) -> None:
        """Start the updates of a batch that are not in hand, in the order Telegram gave them."""
        now = asyncio.get_running_loop().time()
        for update in batch:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if type(update_id) is not int:
                logger.warning("getUpdates gave an item without an update id: skipped")
                continue
            self._highest = update_id if self._highest is None else max(self._highest, update_id)
            if update_id in self._handling or update_id in self._recorded:
                continue
            if len(update) == 1:  # skimmed as in hand when polled (``skim_updates``): it comes again
                continue
            attempts, due = self._waiting.get(update_id, (0, now))
            if due <= now:
                self._start(update, update_id, attempts)

    def _start(self, update: dict[str, Any], update_id: int, attempts: int) -> None:
        self._waiting.pop(update_id, None)
        self._handling.add(update_id)
        recorded = Recorded(lambda: self._on_recorded(update_id))
        task = asyncio.create_task(self._handle(update, recorded), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._on_done(done, update_id, recorded, attempts + 1))

    async def _handle(self, update: dict[str, Any], recorded: Recorded) -> None:
        COMMITTED.set(recorded)  # this task's own context, and the tasks the framework starts
        try:
            await self._feed(update)
        except ValueError:  # the framework cannot read it, and never will: confirm it
            logger.warning("update %s could not be read by the framework: skipped", update["update_id"])
            recorded.set()
        except Exception as exc:  # the adapters hand every failure to the sink; this is a bug
            logger.error("update %s failed: %s", update["update_id"], type(exc).__qualname__)

    def _on_recorded(self, update_id: int) -> None:
        self._handling.discard(update_id)
        self._recorded.add(update_id)
        self._changed.set()

    def _on_done(self, task: asyncio.Task[None], update_id: int, recorded: Recorded, attempts: int) -> None:
        self._tasks.discard(task)
        if recorded.is_set():
            return
        self._handling.discard(update_id)
        if attempts > len(REFEED_PAUSES):
            logger.error("update %s was not recorded after %d attempts: given up", update_id, attempts)
            self._recorded.add(update_id)
        else:
            logger.warning("update %s was not recorded (attempt %d): fetched again", update_id, attempts)
            due = asyncio.get_running_loop().time() + REFEED_PAUSES[attempts - 1]
            self._waiting[update_id] = (attempts, due)
        self._changed.set()

    def _advance(self) -> None:
        """The offset moves up to the first update not yet recorded, never back."""
        if self._highest is None:
            return
        in_hand = self._handling | self._waiting.keys()
        offset = min(in_hand) if in_hand else self._highest + 1
        if self._offset is None or offset > self._offset:
            self._offset = offset
            self._recorded = {update_id for update_id in self._recorded if update_id >= offset}

    def _backoff(self, exc: Exception, failures: int) -> float:
        retry_after = exc.retry_after if isinstance(exc, FetchFailed) else 0.0
        pause = max(retry_after, FETCH_BACKOFF[min(failures, len(FETCH_BACKOFF) - 1)])
        # The type and Telegram's description only: an exception's text may hold the URL (the token).
        detail = str(exc) if isinstance(exc, FetchFailed) else type(exc).__qualname__
        level = logging.ERROR if failures == 0 else logging.WARNING
        logger.log(level, "getUpdates failed (%s); polling again in %.1f s", detail, pause)
        return pause

    # --- the Bot API ----------------------------------------------------------------------------

    async def _get_updates(self, wait: int, limit: int = BATCH) -> list[Any]:
        params: dict[str, Any] = {"timeout": wait, "limit": limit, "allowed_updates": self._allowed}
        if self._offset is not None:
            params["offset"] = self._offset
        in_hand = self._handling.union(self._recorded)
        result = await self._call("getUpdates", params, wait + self._options.request_timeout, in_hand)
        self._sent_offset = self._offset
        if not isinstance(result, list):
            raise FetchFailed("getUpdates did not answer with a list")
        return result

    async def _confirm_last(self) -> None:
        """Tell Telegram of the updates recorded since the last poll, so a restart does not fetch
        them again (it would only find them in the processed-updates table)."""
        self._advance()
        if self._session is None or self._offset is None or self._offset == self._sent_offset:
            return
        try:
            await self._call(
                "getUpdates", {"offset": self._offset, "limit": 1, "timeout": 0}, LAST_CONFIRM_SECONDS
            )
        except Exception as exc:
            logger.info("could not confirm the last updates (%s); they come again", type(exc).__qualname__)

    async def _call(
        self, method: str, params: dict[str, Any], seconds: float, in_hand: Collection[int] = ()
    ) -> Any:
        assert self._session is not None
        timeout = ClientTimeout(total=seconds)
        async with self._session.post(f"{self._base}/{method}", json=params, timeout=timeout) as response:
            raw = await response.read()
        if in_hand:
            updates = skim_updates(raw, in_hand)
            if updates is not None:
                return updates
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise FetchFailed(f"{method}: not a Bot API answer") from None
        if not isinstance(body, dict):
            raise FetchFailed(f"{method}: not a Bot API answer")
        if not body.get("ok"):
            parameters = body.get("parameters")
            retry_after = parameters.get("retry_after", 0) if isinstance(parameters, dict) else 0
            description = str(body.get("description", ""))[:200]
            raise FetchFailed(f"{method}: {description}", float(retry_after or 0))
        return body.get("result")


# A getUpdates answer as the Bot API writes it: compact JSON, each update's id its first field.
_ANSWER = b'{"ok":true,"result":['
_UPDATE = b'{"update_id":'
_END = b"]}"


def skim_updates(raw: bytes, in_hand: Collection[int]) -> list[dict[str, Any]] | None:
    """The updates of a getUpdates answer, those ``in_hand`` as their id alone; None when the
    answer is not in the Bot API's own form (the caller then reads it whole).

    While updates are being handled, each poll returns all of them again: tens of kilobytes at
    fifty people, read for the one or two new ones, which cost a twentieth of an update's CPU.
    Here each update is found by where it begins (``{"update_id":`` outside a string can only
    begin one; inside a string its quotes would be escaped) and only the new ones are parsed.
    Whatever does not fit that form, or does not parse to the update its id named, falls back."""
    if not raw.startswith(_ANSWER) or not raw.endswith(_END):
        return None
    if len(raw) == len(_ANSWER) + len(_END):
        return []
    if not raw.startswith(_UPDATE, len(_ANSWER)):
        return None
    starts: list[int] = []
    at = len(_ANSWER)
    while at != -1:
        starts.append(at)
        at = raw.find(_UPDATE, at + len(_UPDATE))
    updates: list[dict[str, Any]] = []
    for index, start in enumerate(starts):
        last = index + 1 == len(starts)
        end = len(raw) - len(_END) if last else starts[index + 1] - 1
        if not last and raw[end] != ord(","):
            return None
        digits = start + len(_UPDATE)
        close = raw.find(b",", digits, end)
        if close == -1 or not raw[digits:close].isdigit():
            return None
        update_id = int(raw[digits:close])
        if update_id in in_hand:
            updates.append({"update_id": update_id})
            continue
        try:
            update = orjson.loads(raw[start:end])
        except orjson.JSONDecodeError:
            return None
        if not isinstance(update, dict) or update.get("update_id") != update_id:
            return None
        updates.append(update)
    return updates
