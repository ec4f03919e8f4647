"""Concerns: raising one, the signals that become one, its deadlines and its alert.

A concern becomes an alert in the coordinators' group (or, without a group, in each coordinator's
chat): severity, who, what, the pair's recent history, and buttons to acknowledge, add a note,
resolve or contact the learner. Every change (a learner's reply too) edits the alert in place and
writes a line to the case log. An alert nobody acknowledges in time goes to every coordinator
privately, marked overdue, then to the programme lead; an acknowledged case still open after a few
days reminds the coordinator who took it.

Buttons carry ``cn1:<concern id>:<action>``; every press checks again that the presser is a
coordinator. The text of a concern is shown to coordinators and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from bot.callbacks import Callback, Tag, pack
from bot.context import Context
from bot.events import Button, Keyboard
from bot.i18n import N_, Translator
from bot.services.attendance import outcome
from bot.services.people import name_of
from storage.models import CaseEntry, Concern, Pair, Person

PREFIX = "cn1"
OVERDUE_JOB, FOLLOW_UP_JOB = "concern.overdue", "concern.follow_up"
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
    "pairing_stalled": N_("the pairing is stuck: a question went unanswered"),
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
    "replied": N_("{name} replied"),
    "overdue": N_("overdue: sent to every coordinator"),
    "escalated": N_("overdue again: sent to the programme lead"),
}
PARTNER_LEFT = "partner_left"
PAIRING_STALLED = "pairing_stalled"


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
            await log_entry(ctx, existing, "signal", None, line)
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
    await log_entry(ctx, concern, "raised", raised_by, line)
    await post_alert(ctx, concern)
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


async def log_entry(
    ctx: Context,
    concern: Concern,
    action: str,
    actor: Person | None,
    note: str | None,
    *,
    voice_file_id: str | None = None,
) -> None:
    await ctx.uow.concerns.log(
        CaseEntry(
            concern_id=concern.id,
            at=ctx.now,
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
            voice_file_id=voice_file_id,
        )
    )
    await ctx.uow.session.flush()


async def voice_notes(ctx: Context, concern: Concern) -> list[str]:
    """The file ids of the concern's voice notes: the one it was raised with, then the log's."""
    logged = [e.voice_file_id for e in await ctx.uow.concerns.entries(concern.id) if e.voice_file_id]
    return ([concern.voice_file_id] if concern.voice_file_id else []) + logged


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
        if entry.voice_file_id:
            said += ": " + t(N_("🎤 a voice note"))
        lines.append(f"• {t.datetime(entry.at, 'short')} {said}")
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3999] + "…"


async def _history(ctx: Context, concern: Concern, pair: Pair | None, t: Translator) -> list[str]:
    """The last sessions, check-in scores and other open concerns: enough to judge at a glance."""
    if pair is None:
        return []
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


async def post_alert(ctx: Context, concern: Concern) -> None:
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
