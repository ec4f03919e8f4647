"""One replica of ``tandem bench week``: ``tandem run`` as it ships, but on a fast clock.

``python -m bot.devtools.week_replica START SPEED WALL [--webhook]``: settings from TANDEM_*
variables as ``tandem run`` reads them; the clock is START when the wall clock (``time.time``) was
WALL, and runs SPEED times as fast, in every replica alike, so a week's evening passes in minutes.
What Telegram and the database measure stays real: the send budget (25 a second), the emulator's
flood limits, the per-chat pace and the tick are wall-clock seconds. So what the planner counts
on is told in simulated time: the budget is SPEED times smaller a simulated second, and its look
ahead (a tick and a little more) SPEED times longer. The hand-over of a send another replica left
(``HANDOVER``) stays 30 real seconds: shortened with the rest, a send queued for a second behind
the budget would be taken over and sent twice.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from datetime import datetime, timedelta

from bot import context
from bot.app import Tandem, build
from bot.cli import stop_signal
from bot.clock import Clock, FastClock
from bot.config import Settings, load_settings
from bot.runtime import logs, postman
from bot.runtime.scheduler import Scheduler, Sending
from bot.runtime.service import Service


def builder(speed: float):  # type: ignore[no-untyped-def]
    """``build``, with the scheduler's plan in simulated seconds."""

    async def build_fast(settings: Settings, clock: Clock, *, migrate: bool = True) -> Tandem:
        tandem = await build(settings, clock, migrate=migrate)
        sending = Sending(
            per_second=settings.send_per_second / speed,
            lead=timedelta(seconds=(settings.tick_seconds + 2) * speed),
            paid=settings.allow_paid_broadcast,
        )
        postman_ = tandem.dispatcher.postman
        scheduler = Scheduler(tandem.db, clock.now, tandem.dispatcher.run_job, postman_, sending)
        return dataclasses.replace(tandem, scheduler=scheduler)

    return build_fast


async def serve(start: datetime, speed: float, wall: float, webhook: bool) -> int:
    handover = context.HANDOVER * speed
    context.HANDOVER = handover
    postman.HANDOVER = handover  # type: ignore[attr-defined]
    settings = load_settings()
    service = Service(settings, FastClock(start, speed, wall), builder(speed), webhook=webhook)
    stop = stop_signal()
    try:
        await service.start()
        await stop.wait()
    finally:
        await service.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="week_replica", description=__doc__.splitlines()[0])
    parser.add_argument("start", type=datetime.fromisoformat)
    parser.add_argument("speed", type=float)
    parser.add_argument("wall", type=float)
    parser.add_argument("--webhook", action="store_true", help="take updates by webhook (none come)")
    args = parser.parse_args()
    logs.configure(logging.WARNING, "json")
    return asyncio.run(serve(args.start, args.speed, args.wall, args.webhook))


if __name__ == "__main__":
    sys.exit(main())
