"""A message relayed to a partner is the sender's reply: the postman paces it by that chat only,
never by the bulk budget, while everything else the event wrote to other chats stays bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import VirtualClock
from bot.events import BotCommand, Outbound, SendFile, SendText
from bot.messenger import GroupCensus
from bot.runtime.postman import Postman
from bot.runtime.ratelimit import SendLimiter
from storage.database import Database
from storage.migrate import upgrade

WRITER, PARTNER, COORDINATORS = 7, 8, -100


class Recorder:
    """A messenger that accepts everything."""

    async def deliver(self, action: Outbound) -> int | None:
        return 1

    async def set_commands(
        self, commands: Sequence[BotCommand], *, chat_id: int | None = None, language: str | None = None
    ) -> None:
        return None

    async def census(self, chat_id: int, ask: Sequence[int] = ()) -> GroupCensus:
        return GroupCensus(admins=(), count=0, bot_admin=False)


class Pace(SendLimiter):
    """Records how each send was paced."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[tuple[int, bool]] = []

    async def acquire(self, chat_id: int, *, reply: bool = False, paid: bool = False) -> None:
        self.kinds.append((chat_id, reply))


async def test_a_relayed_message_goes_as_a_reply_and_the_rest_as_bulk(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    await upgrade(url)
    db = Database(url)
    pace = Pace()
    postman = Postman(db, Recorder(), VirtualClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC)), pace)
    try:
        posted = [
            (1, SendText(chat_id=PARTNER, text="✉️ From Lena:\n\nHello")),
            (2, SendFile(chat_id=PARTNER, kind="photo", file_id="f")),
            (3, SendText(chat_id=COORDINATORS, text="an alert")),
            (4, SendText(chat_id=WRITER, text="Sent to Peter.")),
        ]
        await postman.deliver(posted, reply_to=WRITER, relayed={PARTNER})
        assert pace.kinds == [(PARTNER, True), (PARTNER, True), (COORDINATORS, False), (WRITER, True)]
        pace.kinds.clear()
        await postman.deliver(posted[:1], reply_to=WRITER)  # not relayed by this event: bulk
        assert pace.kinds == [(PARTNER, False)]
    finally:
        await db.dispose()
