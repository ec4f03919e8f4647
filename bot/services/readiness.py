"""When a volunteer may meet a young person: screening approved, every required check valid,
the training done. Nobody is matchable before; a mentor whose check expired is suspended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_
from storage.models import MentorCheck, Person

APPROVED = "approved"


def today(ctx: Context) -> date:
    return ctx.now.astimezone(ZoneInfo(ctx.programme_zone)).date()


def valid_checks(ctx: Context, checks: Sequence[MentorCheck]) -> dict[str, MentorCheck]:
    """The newest check of each kind that is still valid today."""
    valid: dict[str, MentorCheck] = {}
    for check in checks:  # newest first
        if check.kind in valid:
            continue
        if check.expires_on is None or check.expires_on > today(ctx):
            valid[check.kind] = check
    return valid


def missing_checks(ctx: Context, checks: Sequence[MentorCheck]) -> list[str]:
    """The required checks without a valid record, by id."""
    valid = valid_checks(ctx, checks)
    return [rule.id for rule in ctx.rules.mentor_checks if rule.id not in valid]


async def update(ctx: Context, mentor: Person) -> None:
    """Mark the mentor ready (or back from a suspension) once everything is in place, and say so."""
    if mentor.role != "mentor" or mentor.screening != APPROVED or mentor.training_done_at is None:
        return
    if missing_checks(ctx, await ctx.uow.checks.of(mentor.id)):
        return
    name = mentor.preferred_name or mentor.first_name
    area = ctx.rules.home_area(mentor.area)
    if mentor.suspended_at is not None:
        mentor.suspended_at = None
        await ctx.tell_coordinators(
            N_("{name}'s checks are valid again: no longer suspended."), area=area, name=name
        )
    if mentor.ready_at is not None:
        return
    mentor.ready_at = ctx.now
    await ctx.uow.audit.record(ctx.now, None, "mentor.ready", mentor)
    await ctx.tell_coordinators(
        N_("{name} is ready to be matched: screened, checked and trained."), area=area, name=name
    )
    them = ctx.about(mentor)
    await them.say(
        them.t(
            N_(
                "You are ready, {name}: your application is approved, your checks are recorded and "
                "you finished the training. Your coordinator will now look for a learner who fits you."
            ),
            name=name,
        )
    )
