"""Concerns reach a human fast, are seen to be handled, and leave a record.

A concern becomes an alert in the coordinators' group (or, without a group, in each coordinator's
chat): severity, who, what, the pair's recent history, and buttons to acknowledge, add a note or
resolve. Every change edits the alert in place and writes a line to the case log. An alert nobody
acknowledges in time goes to every coordinator privately, marked overdue, then to the programme
lead; an acknowledged case still open after a few days reminds the coordinator who took it.

Buttons carry ``cn1:<concern id>:<action>``; every press checks again that the presser is a
coordinator. The text of a concern is shown to coordinators and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from bot.callbacks import Callback, Tag, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound, Keyboard
from bot.i18n import N_, Translator
from conversations.common import check_text, name_of
from conversations.flow import Flow, Step, StepKind
from storage.models import CaseEntry, Concern, Pair, Person

PREFIX = "cn1"
OVERDUE_JOB, FOLLOW_UP_JOB = "concern.overdue", "concern.follow_up"
NOTE_FLOW, CONTACT_FLOW = "case_note", "case_contact"
RANK = {"urgent": 0, "high": 1, "normal": 2}
ICONS = {"urgent": "🔴", "high": "🟠", "normal": "🟡"}
SEVERITIES = {"urgent": N_("urgent"), "high": N_("high"), "normal": N_("normal")}
STATUSES = {"open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved")}
KINDS = {
    "safety": N_("safety: someone may be hurting them"),
    "quitting": N_("thinking of quitting the training"),
    "work_school": N_("trouble at work or school"),
    "mentor": N_("a problem with the mentor"),
    "money_housing": N_("money or housing"),
    "other": N_("something else"),
    "learner_safety": N_("the mentor is worried about the learner's safety"),
    "no_show": N_("the learner is not showing up"),
    "conflict": N_("a conflict in the pair"),
    "dropout_risk": N_("signs of dropping out (missed sessions, check-ins, motivation)"),
    "wellbeing": N_("an area of life going badly"),
    "mentor_worried": N_("the mentor is worried"),
    "pair_check": N_("the pair's monthly check went poorly"),
    "partner_left": N_("their partner deleted their data: the pair has ended, a new match is needed"),
    "phrase:self_harm": N_("words about self-harm"),
    "phrase:abuse": N_("words about abuse"),
    "phrase:violence": N_("words about violence"),
    "phrase:quitting": N_("words about quitting"),
}
OUTCOMES = (
    ("talked", N_("Talked it through")),
    ("referred", N_("Referred to help")),
    ("pair_ended", N_("Pair ended")),
    ("no_action", N_("No action needed")),
)
ACTIONS = {
    "raised": N_("raised"),
    "signal": N_("signal"),
    "acknowledged": N_("acknowledged by {name}"),
    "note": N_("note by {name}"),
    "resolved": N_("resolved by {name}"),
    "contacted": N_("{name} wrote to the learner"),
    "overdue": N_("overdue: sent to every coordinator"),
    "escalated": N_("overdue again: sent to the programme lead"),
}
PARTNER_LEFT = "partner_left"
NOT_YOURS = N_("This button is not for you.")
STALE = N_("This button is no longer active.")


@dataclass(frozen=True)
class AlertAction(Callback, prefix=PREFIX):
    concern: int
    action: Literal["ack", "note", "resolve", "contact"]


@dataclass(frozen=True)
class AlertOutcome(Callback, prefix=PREFIX):
    """After "Resolve": one of the OUTCOMES, by its place, as ``r2``."""

    concern: int
    outcome: Annotated[int, Tag("r")]


def staff_translator(ctx: Context) -> Translator:
    """Alerts are written in the programme's language and time zone, for the group."""
    return Translator(ctx.settings.default_locale, ZoneInfo(ctx.programme_zone))


def deadline(ctx: Context, concern: Concern) -> timedelta:
    rules = ctx.rules.escalation
    if concern.severity == "urgent":
        return timedelta(minutes=rules.urgent_minutes)
    return timedelta(hours=rules.normal_hours)


# --- raising -------------------------------------------------------------------------------


async def raise_concern(
    ctx: Context,
    *,
    kind: str,
    severity: str,
    subject: Person | None,
    pair: Pair | None,
    raised_by: Person | None = None,
    text: str | None = None,
    voice_file_id: str | None = None,
    about_mentor: bool = False,
    line: str | None = None,
) -> Concern:
    """Store a concern and alert the coordinators; an automatic one joins the pair's open one of
    its kind (its alert is updated, not sent again)."""
    if raised_by is None and pair is not None:
        existing = await ctx.uow.concerns.open_for(pair.id, kind)
        if existing is not None:
            if RANK[severity] < RANK[existing.severity]:
                existing.severity = severity
            existing.updated_at = ctx.now
            await _log(ctx, existing, "signal", None, line)
            await refresh_alert(ctx, existing)
            return existing
    concern = await ctx.uow.concerns.add(
        Concern(
            pair_id=pair.id if pair else None,
            subject_id=subject.id if subject else None,
            raised_by=raised_by.id if raised_by else None,
            kind=kind,
            severity=severity,
            about_mentor=about_mentor,
            text=text,
            voice_file_id=voice_file_id,
            status="open",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    await _log(ctx, concern, "raised", raised_by, line)
    await _post_alert(ctx, concern)
    await ctx.schedule(
        OVERDUE_JOB,
        ctx.now + deadline(ctx, concern),
        {"person_id": _anchor(concern, ctx), "concern": concern.id},
        dedupe_key=f"concern-overdue:{concern.id}",
    )
    return concern


def _anchor(concern: Concern, ctx: Context) -> int:
    """Jobs run for a person; a concern's jobs run for whoever it is about (nothing is sent to them)."""
    return concern.subject_id or concern.raised_by or ctx.person.id


async def _log(ctx: Context, concern: Concern, action: str, actor: Person | None, note: str | None) -> None:
    await ctx.uow.concerns.log(
        CaseEntry(
            concern_id=concern.id, at=ctx.now, actor_id=actor.id if actor else None, action=action, note=note
        )
    )
    await ctx.uow.session.flush()


async def coordinators(ctx: Context) -> list[Person]:
    return [p for p in await ctx.uow.people.with_role("coordinator") if p.reachable]


# Signals from sessions, check-ins and mentor notes, as the concern they become (one open concern
# per pair and kind: missed sessions and falling motivation are the same worry, dropping out).
SIGNAL_CONCERNS = {
    "missed_twice": ("dropout_risk", "high"),
    "cancelled_often": ("dropout_risk", "normal"),
    "checkins_unanswered": ("dropout_risk", "normal"),
    "motivation_low": ("dropout_risk", "high"),
    "motivation_falling": ("dropout_risk", "normal"),
    "money_bad": ("money_housing", "urgent"),
    "housing_bad": ("money_housing", "urgent"),
    "area_bad": ("wellbeing", "normal"),
    "mentor_worried": ("mentor_worried", "high"),
}


async def signal(ctx: Context, pair: Pair, kind: str, message: str, **fields: object) -> None:
    """A signal stored for the pair becomes a concern, or adds its line to the open one."""
    concern_kind, severity = SIGNAL_CONCERNS[kind.split(":")[0]]
    learner = await ctx.uow.people.get(pair.learner_id)
    line = staff_translator(ctx)(message, **fields)
    await raise_concern(ctx, kind=concern_kind, severity=severity, subject=learner, pair=pair, line=line)


# --- the alert -----------------------------------------------------------------------------


async def alert_text(ctx: Context, concern: Concern, t: Translator) -> str:
    """Severity, who, what, the recent history and the case log, in the reader's language."""
    subject = await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None
    raiser = await ctx.uow.people.get(concern.raised_by) if concern.raised_by else None
    pair = await ctx.uow.pairs.get(concern.pair_id) if concern.pair_id else None
    head = t(
        N_("{icon} Concern #{id} · {severity} · {status}"),
        icon=ICONS[concern.severity],
        id=concern.id,
        severity=t(SEVERITIES[concern.severity]).upper(),
        status=t(STATUSES[concern.status]),
    )
    if concern.overdue:
        head += " · " + t(N_("OVERDUE"))
    lines = [head]
    about = name_of(subject)
    if pair is not None:
        partner_id = (
            pair.mentor_id if subject is not None and subject.id == pair.learner_id else pair.learner_id
        )
        about = t(
            N_("{name}, pair with {partner}"),
            name=about,
            partner=name_of(await ctx.uow.people.get(partner_id)),
        )
    lines.append(t(N_("About: {who}"), who=about))
    lines.append(t(N_("What: {what}"), what=t(KINDS.get(concern.kind, N_("something else")))))
    lines.append(t(N_("Raised by: {who}"), who=name_of(raiser) if raiser else t(N_("Tandem (automatic)"))))
    if concern.about_mentor:
        lines.append(t(N_("The mentor does not see this concern.")))
    if concern.text:
        lines.append(concern.text)
    if concern.voice_file_id:
        lines.append(t(N_("🎤 A voice note came with it (sent below).")))
    lines += await _history(ctx, concern, pair, t)
    lines.append(t(N_("Case log:")))
    for entry in await ctx.uow.concerns.entries(concern.id):
        actor = await ctx.uow.people.get(entry.actor_id) if entry.actor_id else None
        said = t(ACTIONS.get(entry.action, entry.action), name=name_of(actor))
        if entry.note:
            said += f": {entry.note}"
        lines.append(f"• {t.datetime(entry.at, 'short')} {said}")
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3999] + "…"


async def _history(ctx: Context, concern: Concern, pair: Pair | None, t: Translator) -> list[str]:
    """The last sessions, check-in scores and other open concerns: enough to judge at a glance."""
    if pair is None:
        return []
    from conversations.sessions import outcome  # the sessions import the core, not the other way

    past = (await ctx.uow.sessions.past(pair.id, ctx.now))[:4]
    shown = {
        "held": N_("held"),
        "missed": N_("missed"),
        "cancelled": N_("cancelled"),
        "holiday": N_("holiday"),
    }
    lines = []
    if past:
        said = ", ".join(t(shown[outcome(s)]) for s in reversed(past))
        lines.append(t(N_("Last sessions: {list}"), list=said))
    scores = [c.motivation for c in await ctx.uow.checkins.latest(pair.learner_id, 4) if c.motivation]
    if scores:
        lines.append(
            t(
                N_("Motivation in the last check-ins: {list} (of 5)"),
                list=", ".join(map(str, reversed(scores))),
            )
        )
    others = [
        c for c in await ctx.uow.concerns.of_pair(pair.id) if c.status != "resolved" and c.id != concern.id
    ]
    if others:
        lines.append(t(N_("Other open concerns: {list}"), list=", ".join(f"#{c.id}" for c in others)))
    return lines


def alert_keyboard(concern: Concern, t: Translator) -> Keyboard | None:
    if concern.status == "resolved":
        return None
    first = [
        Button(t(N_("Add note")), data=pack(AlertAction(concern.id, "note"))),
        Button(t(N_("Resolve")), data=pack(AlertAction(concern.id, "resolve"))),
    ]
    if concern.status == "open":
        first.insert(0, Button(t(N_("Acknowledge")), data=pack(AlertAction(concern.id, "ack"))))
    if concern.subject_id is None:
        return (tuple(first),)
    contact = Button(t(N_("Contact the learner")), data=pack(AlertAction(concern.id, "contact")))
    return tuple(first), (contact,)


async def _post_alert(ctx: Context, concern: Concern) -> None:
    """To the coordinators' group, remembered so it can be edited; without a group, to each one."""
    t = staff_translator(ctx)
    text, keyboard = await alert_text(ctx, concern, t), alert_keyboard(concern, t)
    group = ctx.settings.coordinator_chat_id
    if group is not None:
        await ctx.say_to(group, text, keyboard, track=f"concern:{concern.id}")
        if concern.voice_file_id:
            await ctx.about_chat(group).send_voice(concern.voice_file_id, f"#{concern.id}")
        return
    await send_privately(ctx, concern, await coordinators(ctx))


async def send_privately(ctx: Context, concern: Concern, people: list[Person]) -> None:
    for person in people:
        them = ctx.about(person)
        await them.say(await alert_text(ctx, concern, them.t), alert_keyboard(concern, them.t))
        if concern.voice_file_id:
            await them.send_voice(concern.voice_file_id, f"#{concern.id}")


async def refresh_alert(ctx: Context, concern: Concern) -> None:
    """Edit the group's alert in place (when it was delivered and its place is known)."""
    group = ctx.settings.coordinator_chat_id
    ref = await ctx.uow.message_refs.get(f"concern:{concern.id}")
    if group is None or ref is None or ref.chat_id != group:
        return
    t = staff_translator(ctx)
    await ctx.edit_in(group, ref.message_id, await alert_text(ctx, concern, t), alert_keyboard(concern, t))


# --- the buttons ---------------------------------------------------------------------------


async def pressed(ctx: Context, event: Inbound) -> None:
    """A coordinator's press on an alert, in the group or in their own chat."""
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, AlertAction, AlertOutcome)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    if ctx.person.role != "coordinator":
        ctx.answer_button(event.callback_id, ctx.t(NOT_YOURS), alert=True)
        return
    concern = await ctx.uow.concerns.get(press.concern)
    action = press.action if isinstance(press, AlertAction) else None
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
    elif action == "contact" and concern.subject_id is not None:
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
    """The alert's new state where it was pressed, and in the group if it was pressed elsewhere."""
    if event.message_id is not None:
        t = staff_translator(ctx) if ctx.chat_id == ctx.settings.coordinator_chat_id else ctx.t
        await ctx.edit(event.message_id, await alert_text(ctx, concern, t), alert_keyboard(concern, t))
    if ctx.chat_id != ctx.settings.coordinator_chat_id:
        await refresh_alert(ctx, concern)


async def acknowledge(ctx: Context, concern: Concern) -> None:
    """A coordinator takes it: logged, the person who raised it is told, the overdue clock stops."""
    concern.status, concern.acknowledged_at, concern.acknowledged_by = "acknowledged", ctx.now, ctx.person.id
    concern.updated_at = ctx.now
    await _log(ctx, concern, "acknowledged", ctx.person, None)
    await ctx.unschedule(f"concern-overdue:{concern.id}")
    await ctx.schedule(
        FOLLOW_UP_JOB,
        ctx.now + timedelta(days=ctx.rules.escalation.follow_up_days),
        {"person_id": ctx.person.id, "concern": concern.id},
        dedupe_key=f"concern-follow-up:{concern.id}",
    )
    raiser = await ctx.uow.people.get(concern.raised_by) if concern.raised_by else None
    if raiser is not None and raiser.role in ("learner", "mentor"):
        them = ctx.about(raiser)
        await them.say(
            them.t(
                N_("A coordinator ({name}) has picked up what you told us and will contact you."),
                name=name_of(ctx.person),
            )
        )


async def resolve(ctx: Context, concern: Concern, outcome: str) -> None:
    concern.status, concern.resolved_at, concern.outcome = "resolved", ctx.now, outcome
    concern.updated_at = ctx.now
    label = dict(OUTCOMES)[outcome]
    await _log(ctx, concern, "resolved", ctx.person, staff_translator(ctx)(label))
    await ctx.unschedule(f"concern-overdue:{concern.id}")
    await ctx.unschedule(f"concern-follow-up:{concern.id}")


async def note_written(ctx: Context, answers: dict[str, Any]) -> None:
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    if ctx.person.role != "coordinator" or concern is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    await _log(ctx, concern, "note", ctx.person, str(answers["note"]))
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    await ctx.say(ctx.t(N_("Noted in the log of concern #{id}."), id=concern.id))


async def contact_written(ctx: Context, answers: dict[str, Any]) -> None:
    """The coordinator's message goes to the learner, signed, and into the case log."""
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    learner = await ctx.uow.people.get(concern.subject_id) if concern and concern.subject_id else None
    if ctx.person.role != "coordinator" or concern is None or learner is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    them = ctx.about(learner)
    heading = them.t(
        N_("A message from {name}, coordinator of {programme}:"),
        name=name_of(ctx.person),
        programme=ctx.rules.name,
    )
    await them.say(heading + "\n\n" + str(answers["message"]) + "\n\n" + them.t(REPLY_HINT))
    await _log(ctx, concern, "contacted", ctx.person, str(answers["message"]))
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    await ctx.say(ctx.t(N_("Sent to {name}."), name=name_of(learner)))


REPLY_HINT = N_("To answer, send /concern and write it there: it reaches the coordinators.")


# --- deadlines -----------------------------------------------------------------------------


async def overdue(ctx: Context, payload: dict[str, Any]) -> None:
    """Nobody acknowledged in time: every coordinator privately, then the programme lead."""
    concern = await ctx.uow.concerns.get(int(str(payload.get("concern"))))
    if concern is None or concern.status != "open":
        return
    concern.overdue += 1
    if concern.overdue == 1:
        await _log(ctx, concern, "overdue", None, None)
        await send_privately(ctx, concern, await coordinators(ctx))
        await ctx.schedule(
            OVERDUE_JOB,
            ctx.now + deadline(ctx, concern),
            {"person_id": payload.get("person_id"), "concern": concern.id},
            dedupe_key=f"concern-overdue:{concern.id}",
        )
    else:
        await _log(ctx, concern, "escalated", None, None)
        lead = ctx.rules.escalation.lead_chat_id
        if lead is not None:
            t = staff_translator(ctx)
            await ctx.say_to(lead, await alert_text(ctx, concern, t), alert_keyboard(concern, t))
    await refresh_alert(ctx, concern)


async def follow_up(ctx: Context, payload: dict[str, Any]) -> None:
    """Taken but not resolved after a few days: the coordinator who took it is reminded."""
    concern = await ctx.uow.concerns.get(int(str(payload.get("concern"))))
    if concern is None or concern.status != "acknowledged" or ctx.person.role != "coordinator":
        return
    since = ctx.t.date(concern.acknowledged_at or concern.created_at)
    text = N_("Concern #{id}, which you took on {date}, is still open. Resolve it or add a note: /case {id}")
    await ctx.say(ctx.t(text, id=concern.id, date=since))
    await ctx.schedule(
        FOLLOW_UP_JOB,
        ctx.now + timedelta(days=ctx.rules.escalation.follow_up_days),
        {"person_id": ctx.person.id, "concern": concern.id},
        dedupe_key=f"concern-follow-up:{concern.id}",
    )


# --- /cases and /case N --------------------------------------------------------------------


async def cases(ctx: Context, event: Inbound) -> None:
    """Open cases, most severe first, then oldest."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can see concerns.")))
        return
    open_ = sorted(await ctx.uow.concerns.unresolved(), key=lambda c: (RANK[c.severity], c.created_at))
    if not open_:
        await ctx.say(ctx.t(N_("No open concerns.")))
        return
    lines = [ctx.t(N_("Open concerns (/case N shows one):"))]
    for concern in open_:
        subject = await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None
        lines.append(
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
    await ctx.say("\n".join(lines))


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
    concern = await ctx.uow.concerns.get(int(number)) if number.isdigit() and len(number) < 10 else None
    if concern is None:
        await ctx.say(ctx.t(N_("There is no concern with that number. /cases lists the open ones.")))
        return
    await ctx.say(await alert_text(ctx, concern, ctx.t), alert_keyboard(concern, ctx.t))


NOTE = Flow(
    name=NOTE_FLOW,
    steps=(
        Step(
            "note",
            N_("Your note for the case log (only coordinators read it):"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=note_written,
    nudge_after=None,
)
CONTACT = Flow(
    name=CONTACT_FLOW,
    steps=(
        Step(
            "message",
            N_("Your message to the learner. It goes to them with your name:"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=contact_written,
    nudge_after=None,
)
FLOWS = (NOTE, CONTACT)
