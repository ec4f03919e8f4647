"""Cases: how coordinators handle concerns. The buttons of an alert (acknowledge, add a note,
contact the learner, whose reply comes back to the case, resolve), ``/cases`` and ``/case N``
(with the case's voice notes), and the deadlines' jobs: an alert nobody acknowledges in time goes
to every coordinator privately, marked overdue, and again on a schedule (with the programme lead
from the second time) until someone takes it; an acknowledged case still open after a few days
reminds the coordinator who took it. Every press edits every copy of the alert.

Buttons carry ``cn1:<concern id>:<action>``; every press checks again that the presser is a
coordinator. The text of a concern is shown to coordinators and never logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.callbacks import pack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound
from bot.feature import COORDINATORS, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import N_
from bot.services import areas, paging
from bot.services.concerns import (
    FOLLOW_UP_JOB,
    ICONS,
    KINDS,
    OUTCOMES,
    OVERDUE_JOB,
    PREFIX,
    RANK,
    STATUSES,
    AlertAction,
    AlertOutcome,
    alert_key,
    alert_text,
    buttons,
    coordinators,
    learner_of,
    log_entry,
    next_step,
    refresh_alert,
    schedule_follow_up,
    schedule_overdue,
    send_privately,
    send_to_lead,
    staff_translator,
    voice_notes,
)
from bot.services.concerns import area as concerns_area
from bot.services.people import name_of
from conversations.case_flows import CONTACT_FLOW, FLOWS, NOTE_FLOW
from storage.models import Concern, Person

NOT_YOURS = N_("This button is not for you.")
STALE = N_("This button is no longer active.")


# --- the alert's buttons ---------------------------------------------------------------------------


async def pressed(ctx: Context, event: Inbound) -> None:
    """A coordinator's press on an alert, in the group or in their own chat."""
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, AlertAction, AlertOutcome)
    if press is None:
        return
    concern = await ctx.uow.concerns.lock(press.concern)  # another coordinator may press a copy
    action = press.action if isinstance(press, AlertAction) else None
    if not await areas.sees_concern(ctx.uow, ctx.rules, ctx.person, concern):
        concern = None  # another area's case: as if there were none
    if concern is None or concern.status == "resolved":
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    if action == "ack" and concern.status == "open":
        ctx.answer_button(event.callback_id, ctx.t(N_("You took concern #{id}."), id=concern.id))
        await acknowledge(ctx, concern)
    elif action == "note":
        ctx.answer_button(event.callback_id, ctx.t(N_("Write the note in your chat with me.")))
        await ctx.about_chat(ctx.person.chat_id).start_flow(NOTE_FLOW, {"concern": concern.id})
        return
    elif action == "contact" and await learner_of(ctx, concern) is not None:
        ctx.answer_button(event.callback_id, ctx.t(N_("Write the message in your chat with me.")))
        await ctx.about_chat(ctx.person.chat_id).start_flow(CONTACT_FLOW, {"concern": concern.id})
        return
    elif action == "resolve":
        ctx.answer_button(event.callback_id)
        rows = tuple(
            (Button(ctx.t(label), data=pack(AlertOutcome(concern.id, i))),)
            for i, (_, label) in enumerate(OUTCOMES)
        )
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, rows)
        return
    elif isinstance(press, AlertOutcome) and press.outcome < len(OUTCOMES):
        ctx.answer_button(event.callback_id, ctx.t(N_("Concern #{id} is resolved."), id=concern.id))
        await resolve(ctx, concern, OUTCOMES[press.outcome][0])
    else:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    await _show_where_pressed(ctx, event, concern)


async def _show_where_pressed(ctx: Context, event: ButtonPress, concern: Concern) -> None:
    """The alert's new state in every copy: where it was pressed, the group, every other chat."""
    pressed = (ctx.chat_id, event.message_id) if event.message_id is not None else None
    await refresh_alert(ctx, concern, pressed=pressed)


async def acknowledge(ctx: Context, concern: Concern) -> None:
    """A coordinator takes it: logged, the person who raised it is told, the overdue clock stops."""
    concern.status, concern.acknowledged_at, concern.acknowledged_by = "acknowledged", ctx.now, ctx.person.id
    concern.updated_at = ctx.now
    await log_entry(ctx, concern, "acknowledged", ctx.person, None)
    await ctx.unschedule(f"concern-overdue:{concern.id}")
    await schedule_follow_up(ctx, concern)
    raiser = await ctx.uow.people.get(concern.raised_by) if concern.raised_by else None
    if raiser is not None and raiser.role in ("learner", "mentor"):
        them = ctx.about(raiser)
        await them.say(
            them.t(
                N_("A coordinator ({name}) has picked up what you told us and will contact you."),
                name=name_of(ctx.person),
            )
        )


async def assign(ctx: Context, concern: Concern, taker: Person) -> None:
    """A coordinator gives the case to another (or to themselves): it is theirs as if they had
    acknowledged it (the overdue clock stops, their follow-up runs), and they are told."""
    if concern.status == "open":
        await acknowledge(ctx, concern)
    concern.acknowledged_by, concern.updated_at = taker.id, ctx.now
    await log_entry(ctx, concern, "assigned", taker, None)
    await ctx.uow.audit.record(ctx.now, ctx.person, "case.assigned", taker, concern=concern.id)
    await schedule_follow_up(ctx, concern)
    if taker.id != ctx.person.id:
        t = ctx.translator_for(taker)
        text = N_("{name} gave you concern #{id}: /case {id}")
        await ctx.say_to(taker.chat_id, t(text, name=name_of(ctx.person), id=concern.id))


async def resolve(ctx: Context, concern: Concern, outcome: str) -> None:
    concern.status, concern.resolved_at, concern.outcome = "resolved", ctx.now, outcome
    concern.updated_at = ctx.now
    label = dict(OUTCOMES)[outcome]
    await log_entry(ctx, concern, "resolved", ctx.person, staff_translator(ctx)(label))
    await ctx.unschedule(f"concern-overdue:{concern.id}")
    await ctx.unschedule(f"concern-follow-up:{concern.id}")


# --- deadlines -----------------------------------------------------------------------------


async def lead_of(ctx: Context, concern: Concern) -> int | None:
    """Whose chat an overdue case escalates to: its area's lead, else the programme's."""
    listed = ctx.rules.area(await concerns_area(ctx, concern) or "")
    own = listed.lead_chat_id if listed is not None else None
    return own if own is not None else ctx.rules.escalation.lead_chat_id


async def overdue(ctx: Context, payload: dict[str, Any]) -> None:
    """Nobody acknowledged in time: every coordinator privately, and from the second time on
    the programme lead too, again and again until someone takes it (``next_step``). The case
    log says what was done, and to whom."""
    concern = await ctx.uow.concerns.lock(int(str(payload.get("concern"))))  # not while one takes it
    if concern is None or concern.status != "open":
        return
    concern.overdue += 1
    team = await coordinators(ctx, concern)
    lead = await lead_of(ctx, concern) if concern.overdue > 1 else None
    if not team and lead is None:
        step = "unreached"
    elif concern.overdue == 1:
        step = "overdue"
    else:
        step = "overdue_again" if lead is None else "overdue_lead"
    await log_entry(ctx, concern, step, None, None)
    await refresh_alert(ctx, concern)
    await send_privately(ctx, concern, team)
    if lead is not None:
        await send_to_lead(ctx, concern, lead)
    await schedule_overdue(ctx, concern, next_step(ctx, concern))


async def follow_up(ctx: Context, payload: dict[str, Any]) -> None:
    """Taken but not resolved after a few days: the coordinator who took it is reminded."""
    concern = await ctx.uow.concerns.get(int(str(payload.get("concern"))))
    if concern is None or concern.status != "acknowledged" or concern.acknowledged_by is None:
        return
    taker = await ctx.uow.people.get(concern.acknowledged_by)
    if taker is None or taker.role != "coordinator":
        return
    t = ctx.translator_for(taker)
    since = t.date(concern.acknowledged_at or concern.created_at)
    text = N_("Concern #{id}, which you took on {date}, is still open. Resolve it or add a note: /case {id}")
    await ctx.say_to(taker.chat_id, t(text, id=concern.id, date=since))
    await schedule_follow_up(ctx, concern)


# --- /cases and /case N --------------------------------------------------------------------


async def cases(ctx: Context, event: Inbound) -> None:
    """Open cases, most severe first, then oldest, a page at a time."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can see concerns.")))
        return
    await paging.show(ctx, OPEN_CASES)


async def _open(ctx: Context) -> list[Concern]:
    unresolved = await ctx.uow.concerns.unresolved(areas.scope_of(ctx.rules, ctx.person))
    return sorted(unresolved, key=lambda c: (RANK[c.severity], c.created_at))


async def _line(ctx: Context, concern: Concern) -> Entry:
    subject = await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None
    return Entry(
        ctx.t(
            N_("#{id} {icon} {who} · {what} · {status} · since {since}"),
            id=concern.id,
            icon=ICONS[concern.severity],
            who=name_of(subject),
            what=ctx.t(KINDS.get(concern.kind, N_("something else"))),
            status=ctx.t(STATUSES[concern.status]),
            since=_age(ctx, concern.created_at),
        )
    )


OPEN_CASES = Listing("cases", N_("Open cases"), N_("No open concerns."), _open, _line, per_page=20)


def _age(ctx: Context, since: datetime) -> str:
    minutes = int((ctx.now - since).total_seconds() // 60)
    if minutes < 120:
        return ctx.t(N_("{n} min"), n=minutes)
    if minutes < 48 * 60:
        return ctx.t(N_("{n} h"), n=minutes // 60)
    return ctx.t(N_("{n} days"), n=minutes // (24 * 60))


async def case(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can see concerns.")))
        return
    number = event.args.strip().lstrip("#") if isinstance(event, Command) else ""
    readable = number.isascii() and number.isdigit() and len(number) < 10  # not "²" nor "٣"
    concern = await ctx.uow.concerns.get(int(number)) if readable else None
    if not await areas.sees_concern(ctx.uow, ctx.rules, ctx.person, concern):
        concern = None  # another area's case: as if there were none
    if concern is None:
        await ctx.say(ctx.t(N_("There is no concern with that number. /cases lists the open ones.")))
        return
    text, keyboard = await alert_text(ctx, concern, ctx.t), await buttons(ctx, concern, ctx.t)
    await ctx.say_to(ctx.chat_id, text, keyboard, track=alert_key(concern.id))  # a copy like the others
    for file_id in await voice_notes(ctx, concern):
        await ctx.send_voice(file_id, f"#{concern.id}")


FEATURE = Feature(
    "cases",
    commands=(
        CommandEntry("cases", cases, N_("Open concerns, most urgent first"), COORDINATORS),
        CommandEntry("case", case),
    ),
    buttons={PREFIX: pressed},
    group_buttons={PREFIX: pressed},  # the alerts in the coordinators' group
    jobs={OVERDUE_JOB: overdue, FOLLOW_UP_JOB: follow_up},
    flows=FLOWS,
    lists=(OPEN_CASES,),
    help=(
        HelpLine(N_("/cases – open concerns, most urgent first; /case N – one with its log"), COORDINATORS),
    ),
)
