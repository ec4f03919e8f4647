"""Taking a role away, and giving it back: a coordinator suspends or reinstates a mentor, or
removes a coordinator (from /team, each with a confirmation; a suspension asks for its reason
first). ``tandem admin`` runs the same functions with no coordinator behind them (``by`` None).

A suspension is a screening decision: the mentor's ``screening`` becomes "suspended" (and
``suspended_at`` says since when). Readiness only ever clears ``suspended_at`` for an approved
mentor whose checks are valid again, and matching takes approved mentors only, so a
coordinator's suspension holds until a coordinator (or the operator) reinstates them, whatever
checks are recorded meanwhile. The reason stays with the programme (``screening_note`` and the
ended pairs' ``end_reason``); the mentor and their learners hear neutral words.

Each completion checks again that the presser is still a coordinator and the person still where
the /team list showed them.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services import concerns, readiness
from bot.services.concerns import BACK_IN_THE_QUEUE, ICONS, TAKER_REMOVED, refresh_alert, release
from bot.services.people import name_of
from conversations.common import check_text
from conversations.flow import END, Flow, Step, StepKind
from conversations.pair_end import end_pairs_of_suspended
from storage.models import Person

SUSPEND, REINSTATE, REMOVE = "team_suspend", "team_reinstate", "team_remove"
APPROVED, SUSPENDED = readiness.APPROVED, "suspended"
OPERATOR = "tandem admin"  # who acted, when no coordinator did

UNCHANGED = N_("Nothing was changed.")
STALE = N_("This was already decided.")
SUSPENDED_NOTE = N_(
    "{name} is suspended as a mentor (by {by}): no matching until reinstated. Pairs ended: {count}."
)
SUSPENDED_TOLD = N_(
    "{name}, the programme has paused your role as a mentor for now, and your mentoring pairs "
    "have ended. A coordinator will be in touch; you can also reach the programme at {contact}."
)
REINSTATED_NOTE = N_("{name} is reinstated as a mentor (by {by}).")
REINSTATED_TOLD = N_(
    "{name}, the programme has reinstated you as a mentor. A coordinator will be in touch about "
    "what comes next."
)
REMOVED_NOTE = N_(
    "{name} is no longer a coordinator (removed by {by}). If they are in the coordinators' group, "
    "remove them from it there."
)
REMOVED_TOLD = N_(
    "{name}, your role as a coordinator of {programme} has ended. Thank you for your work. "
    "The coordinators' commands and buttons no longer work for you."
)
LAST_ONE = N_(
    "{name} is the programme's last coordinator and cannot be removed here. The operator can, "
    "with: tandem admin remove-coordinator"
)
EXPIRED = N_("⚠ {name}'s “{check}” has expired: no new matches until it is renewed and recorded.")


def suspendable(person: Person | None) -> bool:
    return person is not None and person.role == "mentor" and person.screening == APPROVED


def reinstatable(person: Person | None) -> bool:
    return person is not None and person.role == "mentor" and person.screening == SUSPENDED


def _by(by: Person | None) -> str:
    return name_of(by) if by is not None else OPERATOR


# --- what each decision does, from /team or from tandem admin -----------------------------------


async def suspend(ctx: Context, mentor: Person, reason: str | None, by: Person | None) -> int:
    """Out of matching until reinstated, their pairs ended kindly, an audit entry; the mentor is
    told neutrally and the coordinators hear of it. How many pairs ended. The caller has locked
    the mentor and their pairs (``UnitOfWork.lock_person``) and found them suspendable."""
    mentor.screening, mentor.suspended_at, mentor.screening_note = SUSPENDED, ctx.now, reason
    ended = await end_pairs_of_suspended(ctx, mentor, reason, by)
    await ctx.uow.audit.record(ctx.now, by, "team.mentor_suspended", mentor, pairs_ended=ended)
    them = ctx.about(mentor)
    await them.say(them.t(SUSPENDED_TOLD, name=name_of(mentor), contact=ctx.rules.contact or "–"))
    await ctx.tell_coordinators(
        SUSPENDED_NOTE, area=ctx.rules.home_area(mentor.area), name=name_of(mentor), by=_by(by), count=ended
    )
    return ended


async def reinstate(ctx: Context, mentor: Person, by: Person | None) -> None:
    """Approved again: matchable once screened, checked and trained (a check that expired during
    the suspension keeps them out until it is renewed, and the coordinators hear which)."""
    mentor.screening, mentor.screening_note = APPROVED, None
    missing = readiness.missing_checks(ctx, await ctx.uow.checks.of(mentor.id))
    mentor.suspended_at = ctx.now if missing else None
    await ctx.uow.audit.record(ctx.now, by, "team.mentor_reinstated", mentor)
    them = ctx.about(mentor)
    await them.say(them.t(REINSTATED_TOLD, name=name_of(mentor)))
    await ctx.tell_coordinators(
        REINSTATED_NOTE, area=ctx.rules.home_area(mentor.area), name=name_of(mentor), by=_by(by)
    )
    locale = ctx.settings.default_locale
    for check in filter(None, map(ctx.rules.check, missing)):
        await ctx.tell_coordinators(
            EXPIRED, area=ctx.rules.home_area(mentor.area), name=name_of(mentor), check=check.label(locale)
        )
    await readiness.update(ctx, mentor)


async def remove_coordinator(ctx: Context, coordinator: Person, by: Person | None) -> bool:
    """No longer a coordinator: every coordinator command and button is refused from now on,
    their conversations are dropped, their open coordinator invites withdrawn, and the cases they
    took go back to the queue. A coordinator cannot remove the last one (``by`` None, the operator,
    can). False when refused."""
    staff = await ctx.uow.people.with_role("coordinator", lock=True)  # two removals at once: one waits
    if by is not None and [p.id for p in staff] == [coordinator.id]:
        return False
    coordinator.role = None
    await ctx.uow.flows.forget(coordinator.id)  # a note or a decision half-way goes nowhere
    await ctx.uow.invites.revoke_coordinator_invites_of(coordinator.id, ctx.now)
    await ctx.uow.audit.record(ctx.now, by, "team.coordinator_removed", coordinator)
    them = ctx.about(coordinator)
    await them.say(them.t(REMOVED_TOLD, name=name_of(coordinator), programme=them.programme))
    await ctx.tell_coordinators(REMOVED_NOTE, name=name_of(coordinator), by=_by(by))
    for concern in await ctx.uow.concerns.involving(coordinator.id):
        if concern.acknowledged_by == coordinator.id and concern.status == "acknowledged":
            await release(ctx, concern, TAKER_REMOVED)
            await refresh_alert(ctx, concern)
            where = await concerns.area(ctx, concern)
            await ctx.tell_coordinators(
                BACK_IN_THE_QUEUE, area=where, icon=ICONS[concern.severity], id=concern.id
            )
    if coordinator.id != ctx.actor_id:  # the actor's own menu follows by itself
        ctx.menus.append(coordinator)
    return True


# --- the confirmations in Telegram --------------------------------------------------------------


async def _subject(ctx: Context, answers: dict[str, Any]) -> Person | None:
    """The person the flow is about, if the one confirming is still a coordinator."""
    if ctx.person.role != "coordinator" or answers.get("sure") != "yes":
        await ctx.say(ctx.t(UNCHANGED))
        return None
    return await ctx.uow.people.get(int(answers.get("person") or 0))


async def _confirm(ctx: Context, about: Person | None, message: str, **fields: object) -> None:
    """The decision's line for the coordinator who took it, unless it reached their own chat
    already (no group: ``tell_coordinators`` writes to each coordinator)."""
    area = ctx.rules.home_area(about.area) if about is not None else None  # as tell_coordinators
    if await ctx.coordinators_group(area) is not None:
        await ctx.say(ctx.t(message, **fields))


async def suspend_confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    mentor = await _subject(ctx, answers)
    if mentor is None:
        return
    await ctx.uow.lock_person(mentor.id)  # an approval of their match, another coordinator: one waits
    if not suspendable(mentor):
        await ctx.say(ctx.t(STALE))
        return
    ended = await suspend(ctx, mentor, str(answers["reason"]), ctx.person)
    await _confirm(ctx, mentor, SUSPENDED_NOTE, name=name_of(mentor), by=name_of(ctx.person), count=ended)


async def reinstate_confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    mentor = await _subject(ctx, answers)
    if mentor is None:
        return
    if not reinstatable(mentor):
        await ctx.say(ctx.t(STALE))
        return
    await reinstate(ctx, mentor, ctx.person)
    await _confirm(ctx, mentor, REINSTATED_NOTE, name=name_of(mentor), by=name_of(ctx.person))


async def remove_confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    coordinator = await _subject(ctx, answers)
    if coordinator is None:
        return
    if coordinator.role != "coordinator":
        await ctx.say(ctx.t(STALE))
        return
    by = ctx.person
    if not await remove_coordinator(ctx, coordinator, by):
        await ctx.say(ctx.t(LAST_ONE, name=name_of(coordinator)))
    elif coordinator.id != by.id:  # who removed themself has been told
        await _confirm(ctx, None, REMOVED_NOTE, name=name_of(coordinator), by=name_of(by))


def _sure(prompt: str) -> Step:
    return Step("sure", prompt, StepKind.YES_NO, next=END)


SUSPEND_FLOW = Flow(
    name=SUSPEND,
    steps=(
        Step(
            "reason",
            N_(
                "Why is {name} suspended? {name} and their learners now get a neutral message "
                "without it. The reason stays in the programme's records, and {name} can ask for a "
                "copy of it (/mydata sends it)."
            ),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
        _sure(
            N_(
                "Suspend {name} now? Each of their running pairs ends, and the learner goes back to the "
                "waiting list. {name} is not matched again until reinstated."
            )
        ),
    ),
    on_complete=suspend_confirmed,
    nudge_after=None,
)
REINSTATE_FLOW = Flow(
    name=REINSTATE,
    steps=(
        _sure(
            N_(
                "Reinstate {name} as a mentor? They can be matched again once their checks and "
                "training are in order."
            )
        ),
    ),
    on_complete=reinstate_confirmed,
    nudge_after=None,
)
REMOVE_FLOW = Flow(
    name=REMOVE,
    steps=(
        _sure(
            N_(
                "Remove {name} as a coordinator? Every coordinator command and button stops working "
                "for them at once, and their open coordinator invites are withdrawn."
            )
        ),
    ),
    on_complete=remove_confirmed,
    nudge_after=None,
)
FLOWS = (SUSPEND_FLOW, REINSTATE_FLOW, REMOVE_FLOW)
