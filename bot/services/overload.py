"""What the coordinators are told when the scheduled messages ahead cannot all go on time: the
send budget (Telegram's limit for bulk messages) is too small for the windows. The scheduler
finds it ahead of time and leaves a job of this kind; its numbers are in the payload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import Context
from bot.i18n import N_

JOB = "sending.overload"


def key(until: datetime) -> str:
    """One message per hour of windows that cannot fit, whichever replica finds it first."""
    return f"send-overload:{until:%Y-%m-%dT%H}"


def payload(late: int, due: int, until: datetime, rate: float) -> dict[str, Any]:
    return {"late": late, "due": due, "until": until.isoformat(), "rate": round(rate, 1)}


async def tell(ctx: Context, payload: dict[str, Any]) -> None:
    until = datetime.fromisoformat(str(payload["until"]))
    t = ctx.t
    await ctx.tell_coordinators(
        N_(
            "Heads-up: of the {due} scheduled messages due by {until}, about {late} cannot go out on"
            " time: Telegram lets Tandem send about {rate} such messages a second. Whoever runs"
            " Tandem can allow paid broadcasts (TANDEM_ALLOW_PAID_BROADCAST)."
        ),
        due=t.number(int(payload["due"])),
        until=t.moment(until),
        late=t.number(int(payload["late"])),
        rate=t.number(float(payload["rate"])),
    )
