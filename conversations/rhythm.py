"""How often the programme asks something of a person on its own.

The weekly check-in, the monthly question about the mentoring and a reflection are *prompts*: the
programme starts them, nobody waits for them. A person gets at most one new prompt a day. What is
due in the same week rides along with the check-in, right after it, while the person is answering
anyway: the monthly question when it falls due within a few days, then a reflection when one is due.
A prompt that finds the day's prompt already asked comes a day after it instead.

Not held back: what belongs to a moment (an agreed session's "still on?", its reminders and "did you
meet?"), what a partner waits for (a suggested meeting, a weekly time, a move) and what the person
asks for themselves. docs/architecture.md tells the whole week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.context import Context

# One a day: yesterday evening's prompt and this evening's both pass, a morning and an evening of
# one day do not.
GAP = timedelta(hours=20)
# A monthly question due this soon rides along with today's check-in (nearer to it than to the
# next one, a week later).
RIDE_AHEAD = timedelta(days=4)
CHECKIN_JOB = "checkin.ask"  # the due check-in (the day after each session), which others ride along


def held_until(ctx: Context) -> datetime | None:
    """When the next prompt may start, if not now (the day's prompt was asked already)."""
    last = ctx.person.prompted_at
    if last is None or ctx.now - last >= GAP:
        return None
    return last + GAP


def prompted(ctx: Context) -> None:
    """The person has just been given a prompt."""
    ctx.person.prompted_at = ctx.now
