"""Concerns: raising one, the signals that become one, its deadlines and its alert.

A concern becomes an alert in the coordinators' group (or, without a group or while it refuses the
bot, in each coordinator's chat): severity, who, what, the pair's recent history, and buttons to
acknowledge, add a note, resolve or contact the learner. Every change (a learner's reply too)
writes a line to the case log and edits every copy of the alert in place: the group's, each
coordinator's, the lead's. An alert nobody acknowledges in time goes to every coordinator
privately, marked overdue, and again on a schedule until someone takes it, with the programme lead
from the second time on; an acknowledged case still open after a few days reminds the coordinator
who took it.

A case's deadlines belong to the case, not to a person: its jobs run for the programme, so a
person deleting their data (the learner who raised it, the coordinator who took it) never cancels
them. A case whose coordinator left goes back to the queue.

Buttons carry ``cn1:<concern id>:<action>``; every press checks again that the presser is a
coordinator. The text of a concern is shown to coordinators and never logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from bot.callbacks import Callback, Tag, pack
from bot.context import Context
from bot.events import Button, Keyboard
from bot.i18n import N_, Translator
from bot.services import areas
from bot.services.attendance import outcome
from bot.services.people import name_of, without_names
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
    "relationship": N_("the relationship check: a clear fall, or the two see it very differently"),
    "partner_left": N_("their partner deleted their data: the pair has ended, a new match is needed"),
    "pairing_stalled": N_("the pairing is stuck: a question went unanswered"),
    "phrase:self_harm": N_("words about self-harm"),
    "phrase:abuse": N_("words about abuse"),
    "phrase:violence": N_("words about violence"),
    "phrase:quitting": N_("words about quitting"),
    "unscreened:voice": N_("a voice note no phrase list can screen"),
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
    "assigned": N_("assigned to {name}"),
    "note": N_("note by {name}"),
    "resolved": N_("resolved by {name}"),
    "contacted": N_("{name} wrote to the learner"),
    "replied": N_("{name} replied"),
    "added": N_("{name} added"),  # one more worry, past the limit of alerts an hour
    "overdue": N_("overdue: sent to every coordinator"),
    "escalated": N_("overdue again: sent to the programme lead"),  # older case logs only
    "overdue_again": N_("overdue again: sent to every coordinator; no programme lead is set"),
    "overdue_lead": N_("overdue again: sent to every coordinator and the programme lead"),
    "unreached": N_("overdue: no coordinator can be reached"),
    "raiser_left": N_("the person who raised it deleted their data"),
    "subject_left": N_("the person it is about deleted their data"),
    "taker_left": N_("the coordinator who took it deleted their data: back in the queue"),
    "taker_removed": N_("the coordinator who took it is no longer one: back in the queue"),
}
# An urgent case nobody takes is sent again every ``urgent_minutes`` for its first FAST_STEPS
# times (three hours, at 30 minutes), then every SLOW_URGENT until someone takes it: often enough
# that it is never forgotten, rarely enough that nobody mutes the bot. Any other case: after its
# deadline, and again after another (to the lead too), then every ``follow_up_days``, the pace
# at which a case someone took reminds them.
FAST_STEPS = 6
SLOW_URGENT = timedelta(hours=3)
LEFT = N_("a person who has since left")
BACK_IN_THE_QUEUE = N_(
    "{icon} Concern #{id} is back in the queue: the coordinator who took it has left. /case {id}"
)
# An alert in a coordinators' group that someone else may read: its number and state, no more.
POINTER = N_(
    "{icon} Concern #{id} · {status}\n"
    "Someone in this group may not be a coordinator, so I show no details here: "
    "send me /case {id} in a private chat."
)
PARTNER_LEFT = "partner_left"
RAISER_LEFT, SUBJECT_LEFT, TAKER_LEFT = "raiser_left", "subject_left", "taker_left"  # case log
TAKER_REMOVED = "taker_removed"
OWN_WORDS = ("raised", "added", "replied")  # steps of the log in the words of the person who took them
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
    return ctx.programme_translator()


def deadline(ctx: Context, concern: Concern) -> timedelta:
    rules = ctx.rules.escalation
    if concern.severity == "urgent":
        return timedelta(minutes=rules.urgent_minutes)
    return timedelta(hours=rules.normal_hours)


def next_step(ctx: Context, concern: Concern) -> timedelta:
    """How long an untaken case waits before it is sent again (``concern.overdue`` steps so far)."""
    step = deadline(ctx, concern)
    if concern.severity == "urgent":
        return step if concern.overdue < FAST_STEPS else max(SLOW_URGENT, step)
    return step if concern.overdue < 2 else max(timedelta(days=ctx.rules.escalation.follow_up_days), step)


def alert_key(concern_id: int) -> str:
    """Under which key every copy of a concern's alert is tracked."""
    return f"concern:{concern_id}"


def buttons_key(concern_id: int) -> str:
    """Under which key a message with the alert's buttons but words of its own is tracked (a
    learner's reply in the coordinator's chat): its buttons change with the case, its words stay."""
    return f"concern-buttons:{concern_id}"


async def schedule_overdue(ctx: Context, concern: Concern, after: timedelta) -> None:
    """The case's next escalation; it runs for the programme, not for a person."""
    await ctx.schedule(
        OVERDUE_JOB, ctx.now + after, {"concern": concern.id}, dedupe_key=f"concern-overdue:{concern.id}"
    )


async def schedule_follow_up(ctx: Context, concern: Concern) -> None:
    """A reminder to whoever took the case (read from the case when it is due)."""
    await ctx.schedule(
        FOLLOW_UP_JOB,
        ctx.now + timedelta(days=ctx.rules.escalation.follow_up_days),
        {"concern": concern.id},
        dedupe_key=f"concern-follow-up:{concern.id}",
    )


# --- raising -------------------------------------------------------------------------------


async def raise_pair_check(
    ctx: Context, pair: Pair, text: str | None, line: str, *, voice: str | None = None
) -> Concern:
    """A pair's check answered poorly by one of them (the person in ``ctx``), with their words (or
    voice note) and ``line`` (what they answered, in the coordinators' language): for the
    coordinators only."""
    return await raise_concern(
        ctx,
        kind="pair_check",
        severity="normal",
        subject=await ctx.uow.people.get(pair.learner_id),
        pair=pair,
        raised_by=ctx.person,
        text=text,
        voice_file_id=voice,
        about_mentor=ctx.person.id == pair.learner_id,
        line=line,
    )


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
    author: Person | None = None,
) -> Concern:
    """Store a concern and alert the coordinators; an automatic one joins the pair's open one of
    its kind (its alert is updated, not sent again). ``author``: who wrote ``text``, when Tandem
    raised it from their words (phrase screening); the log's first line says so, for erasure."""
    if raised_by is None and pair is not None:
        existing = await ctx.uow.concerns.open_for(pair.id, kind)
        if existing is not None:
            if RANK[severity] < RANK[existing.severity]:
                existing.severity = severity
            existing.updated_at = ctx.now
            await log_entry(ctx, existing, "signal", None, line, voice_file_id=voice_file_id)
            await refresh_alert(ctx, existing)
            if voice_file_id:
                await pass_voice(ctx, existing, voice_file_id)
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
    await log_entry(ctx, concern, "raised", raised_by or author, line)
    await post_alert(ctx, concern)
    await schedule_overdue(ctx, concern, deadline(ctx, concern))
    return concern


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


async def coordinators(ctx: Context, concern: Concern | None = None) -> list[Person]:
    """The coordinators who get a case privately: those of its area (``concern`` None: all)."""
    if concern is None:
        return await ctx.reachable_coordinators()
    return await ctx.reachable_coordinators(await area(ctx, concern))


async def area(ctx: Context, concern: Concern) -> str | None:
    """The area a case's alerts go to; None in a programme without areas (its one group)."""
    if not ctx.rules.has_areas:
        return None
    return await areas.area_of_concern(ctx.uow, ctx.rules, concern)


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
    entries = await ctx.uow.concerns.entries(concern.id)
    left = {entry.action for entry in entries}
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
    about = t(LEFT) if subject is None and SUBJECT_LEFT in left else name_of(subject)
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
    lines += _minor(ctx, subject, t)
    lines.append(t(N_("What: {what}"), what=t(KINDS.get(concern.kind, N_("something else")))))
    automatic = N_("Tandem (automatic)")
    raised_by = name_of(raiser) if raiser is not None else t(LEFT if RAISER_LEFT in left else automatic)
    lines.append(t(N_("Raised by: {who}"), who=raised_by))
    if concern.about_mentor:
        lines.append(t(N_("The mentor does not see this concern.")))
    if concern.text:
        lines.append(concern.text)
    if concern.voice_file_id:
        lines.append(t(N_("🎤 A voice note came with it (sent below).")))
    lines += await _history(ctx, concern, pair, t)
    lines.append(t(N_("Case log:")))
    lines += await _log_lines(ctx, entries, t)
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3999] + "…"


def _minor(ctx: Context, subject: Person | None, t: Translator) -> list[str]:
    """A learner under the consent age: said at once, with whom to call."""
    if subject is None or subject.role != "learner":
        return []
    if subject.guardian_status is None and not str(subject.profile.get("age") or "").startswith("under"):
        return []
    return [
        t(
            N_("A minor (under {age}). Guardian: {guardian}, {contact}"),
            age=ctx.rules.digital_consent_age,
            guardian=subject.guardian_name or "–",
            contact=subject.guardian_contact or "–",
        )
    ]


async def _log_lines(ctx: Context, entries: list[CaseEntry], t: Translator) -> list[str]:
    """The case log, one line an entry; the same step repeated (an escalation every half hour)
    is one line with its count and its latest time."""
    runs: list[tuple[CaseEntry, int]] = []
    for entry in entries:
        if runs and _plain(entry) and _plain(runs[-1][0]) and runs[-1][0].action == entry.action:
            runs[-1] = (entry, runs[-1][1] + 1)
        else:
            runs.append((entry, 1))
    lines = []
    for entry, times in runs:
        actor = await ctx.uow.people.get(entry.actor_id) if entry.actor_id else None
        # A step someone took whose row is gone (the database forgot who): a person who has left.
        said = t(ACTIONS.get(entry.action, entry.action), name=name_of(actor) if actor else t(LEFT))
        if times > 1:
            said += f" (×{times})"
        if entry.note:
            said = t.labelled(said, entry.note)
        if entry.voice_file_id:
            said = t.labelled(said, t(N_("🎤 a voice note")))
        lines.append(f"• {t.datetime(entry.at, 'short')} {said}")
    return lines


def _plain(entry: CaseEntry) -> bool:
    """A step of Tandem's own, with nothing said: repeated, it is counted, not listed again."""
    return entry.actor_id is None and entry.note is None and entry.voice_file_id is None


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


def alert_keyboard(concern: Concern, t: Translator, *, contact: bool) -> Keyboard | None:
    """The alert's buttons; ``contact``: the case is about a learner, who can be written to."""
    if concern.status == "resolved":
        return None
    first = [
        Button(t(N_("Add note")), data=pack(AlertAction(concern.id, "note"))),
        Button(t(N_("Resolve")), data=pack(AlertAction(concern.id, "resolve"))),
    ]
    if concern.status == "open":
        first.insert(0, Button(t(N_("Acknowledge")), data=pack(AlertAction(concern.id, "ack"))))
    if not contact:
        return (tuple(first),)
    button = Button(t(N_("Contact the learner")), data=pack(AlertAction(concern.id, "contact")))
    return tuple(first), (button,)


async def learner_of(ctx: Context, concern: Concern) -> Person | None:
    """The learner the case is about, whom "Contact the learner" writes to (a case about a
    mentor has none: "partner left" is about the mentor whose learner is gone)."""
    subject = await ctx.uow.people.get(concern.subject_id) if concern.subject_id else None
    return subject if subject is not None and subject.role == "learner" else None


async def buttons(ctx: Context, concern: Concern, t: Translator) -> Keyboard | None:
    return alert_keyboard(concern, t, contact=await learner_of(ctx, concern) is not None)


def pointer(concern: Concern, t: Translator) -> str:
    """The alert as a group that someone other than a coordinator may read sees it."""
    status = t(STATUSES[concern.status])
    return t(POINTER, icon=ICONS[concern.severity], id=concern.id, status=status)


async def post_alert(ctx: Context, concern: Concern) -> None:
    """To the coordinators' group, remembered so it can be edited; without one, to each of them.
    A group someone else may read gets the case's number only (its buttons still work)."""
    where = await area(ctx, concern)
    watched = await ctx.watched_group(where)
    if watched is not None:
        t = staff_translator(ctx)
        await ctx.say_to(
            watched, pointer(concern, t), await buttons(ctx, concern, t), track=alert_key(concern.id)
        )
        return
    group = await ctx.coordinators_group(where)
    if group is None:
        await send_privately(ctx, concern, await coordinators(ctx, concern))
        return
    t = staff_translator(ctx)
    text, keyboard = await alert_text(ctx, concern, t), await buttons(ctx, concern, t)
    await ctx.say_to(group, text, keyboard, track=alert_key(concern.id))
    if concern.voice_file_id:
        await ctx.about_chat(group).send_voice(concern.voice_file_id, f"#{concern.id}")


async def pass_voice(ctx: Context, concern: Concern, file_id: str) -> None:
    """A voice note that joins an open case goes where its alert's words went: the coordinators'
    group, else each coordinator; a group others may read gets none (``/case N`` plays it)."""
    where = await area(ctx, concern)
    if await ctx.watched_group(where) is not None:
        return
    group = await ctx.coordinators_group(where)
    chats = [group] if group is not None else [p.chat_id for p in await coordinators(ctx, concern)]
    for chat in chats:
        await ctx.about_chat(chat).send_voice(file_id, f"#{concern.id}")


async def send_privately(ctx: Context, concern: Concern, people: list[Person]) -> None:
    """A copy for each person in their chat and language, tracked like the group's."""
    for person in people:
        t = ctx.translator_for(person)
        text, keyboard = await alert_text(ctx, concern, t), await buttons(ctx, concern, t)
        await ctx.say_to(person.chat_id, text, keyboard, track=alert_key(concern.id))
        if concern.voice_file_id:
            await ctx.about_chat(person.chat_id).send_voice(concern.voice_file_id, f"#{concern.id}")


async def send_to_lead(ctx: Context, concern: Concern, lead: int) -> None:
    t = staff_translator(ctx)
    text, keyboard = await alert_text(ctx, concern, t), await buttons(ctx, concern, t)
    await ctx.say_to(lead, text, keyboard, track=alert_key(concern.id))


async def refresh_alert(ctx: Context, concern: Concern, *, pressed: tuple[int, int] | None = None) -> None:
    """Edit every copy of the alert in place, each in its reader's language, so that all of
    them show the same state, and the buttons under a reply; ``pressed`` (chat, message): a
    copy that was not tracked."""
    places = [(ref.chat_id, ref.message_id) for ref in await ctx.uow.message_refs.of(alert_key(concern.id))]
    under = [(ref.chat_id, ref.message_id) for ref in await ctx.uow.message_refs.of(buttons_key(concern.id))]
    if pressed is not None and pressed not in places and pressed not in under:
        places.append(pressed)
    for chat_id, message_id in under:
        t = await _reader(ctx, chat_id)
        await ctx.about_chat(chat_id).edit_keyboard(message_id, await buttons(ctx, concern, t))
    where = await area(ctx, concern)
    group = await ctx.coordinators_chat(where)
    watched = await ctx.watched_group(where)
    refused = group if watched is None and await ctx.coordinators_group(where) is None else None
    shown: dict[tuple[str, str], tuple[str, Keyboard | None]] = {}
    for chat_id, message_id in places:
        if chat_id == refused:
            continue  # the group does not take the bot's messages: its copy waits
        t = await _reader(ctx, chat_id)
        if chat_id == watched:
            await ctx.edit_in(chat_id, message_id, pointer(concern, t), await buttons(ctx, concern, t))
            continue
        key = (t.locale, t.zone.key)
        if key not in shown:
            shown[key] = (await alert_text(ctx, concern, t), await buttons(ctx, concern, t))
        await ctx.edit_in(chat_id, message_id, *shown[key])


async def redraw_group(ctx: Context, group: int) -> None:
    """Every alert in the coordinators' group shown again as the group may now read it: a
    number only while someone else may be in it, in full once only coordinators are."""
    watched = await ctx.watched_group() == group
    if not watched and await ctx.coordinators_group() != group:
        return  # it does not take the bot's messages: its copies are edited at their next change
    t = staff_translator(ctx)
    for ref in await ctx.uow.message_refs.in_chat(group):
        kind, _, number = ref.key.partition(":")
        concern = await ctx.uow.concerns.get(int(number)) if kind == "concern" and number.isdigit() else None
        if concern is None:
            continue
        text = pointer(concern, t) if watched else await alert_text(ctx, concern, t)
        await ctx.edit_in(group, ref.message_id, text, await buttons(ctx, concern, t))


async def leave_group(ctx: Context, group: int) -> None:
    """The group is no longer the coordinators' (they chose another with /setup): each alert
    there keeps its number and state only, without buttons, and is not edited any more."""
    t = staff_translator(ctx)
    for ref in await ctx.uow.message_refs.in_chat(group):
        kind, _, number = ref.key.partition(":")
        concern = await ctx.uow.concerns.get(int(number)) if kind == "concern" and number.isdigit() else None
        if concern is not None:
            await ctx.edit_in(group, ref.message_id, pointer(concern, t))
    await ctx.uow.message_refs.forget_chat(group)


async def _reader(ctx: Context, chat_id: int) -> Translator:
    """A person's chat reads in their language; a group (or the lead's chat) in the programme's."""
    person = await ctx.uow.people.by_chat(chat_id) if chat_id > 0 else None
    return ctx.translator_for(person) if person is not None else staff_translator(ctx)


# --- people leaving ------------------------------------------------------------------------


async def hand_over(ctx: Context, person: Person, pair_ids: Sequence[int] = ()) -> list[tuple[Concern, bool]]:
    """Before a person's data goes, their cases stay with the programme without them: each
    logs who left and loses what the person said or was said about them (``forget_words``),
    and a case they had taken goes back to the queue with its deadline running again.
    ``pair_ids``: the pairs they were in, whose cases name them too; a case they only wrote in
    (a coordinator's note) is among them, so its alert no longer names them. Returns the cases,
    and whether each went back, for ``after_leaving``."""
    cases = []
    for concern in await ctx.uow.concerns.involving(person.id, pair_ids):
        await forget_words(ctx, concern, person)
        if concern.raised_by == person.id:
            concern.raised_by = None
            await log_entry(ctx, concern, RAISER_LEFT, None, None)
        if concern.subject_id == person.id:
            concern.subject_id = None
            await log_entry(ctx, concern, SUBJECT_LEFT, None, None)
        released = concern.acknowledged_by == person.id and concern.status == "acknowledged"
        if concern.acknowledged_by == person.id:
            concern.acknowledged_by = None
        if released:
            await release(ctx, concern, TAKER_LEFT)
        concern.updated_at = ctx.now
        cases.append((concern, released))
    return cases


async def forget_words(ctx: Context, concern: Concern, person: Person) -> None:
    """What a case keeps of a person who leaves. A case about them (or one they raised about
    nobody else) keeps what the programme's duty of care needs: that it existed, its kind,
    severity, steps, outcome and dates; every word in it goes (theirs, and what coordinators
    wrote to or about them, which names them). Any other case loses the person's own words
    (the concern they raised, what they added) and their name wherever someone wrote it."""
    entries = await ctx.uow.concerns.entries(concern.id)
    raised = concern.raised_by == person.id
    wrote = raised or any(e.action == "raised" and e.actor_id == person.id for e in entries)
    theirs = concern.subject_id == person.id or (raised and concern.subject_id is None)
    if theirs or wrote:
        concern.text, concern.voice_file_id = None, None
    elif concern.text:
        concern.text = without_names(concern.text, person)
    for entry in entries:
        said_by_them = entry.actor_id == person.id and entry.action in OWN_WORDS
        if (theirs and entry.action != "resolved") or said_by_them:  # an outcome is the programme's
            entry.note, entry.voice_file_id = None, None
        elif entry.note:
            entry.note = without_names(entry.note, person)


async def release(ctx: Context, concern: Concern, why: str) -> None:
    """A taken case whose coordinator is gone (``why``: left, or no longer one) goes back to the
    queue, its deadline running again."""
    concern.status, concern.acknowledged_at, concern.overdue = "open", None, 0
    concern.acknowledged_by, concern.updated_at = None, ctx.now
    await log_entry(ctx, concern, why, None, None)
    await ctx.unschedule(f"concern-follow-up:{concern.id}")
    await schedule_overdue(ctx, concern, deadline(ctx, concern))


async def after_leaving(ctx: Context, cases: list[tuple[Concern, bool]]) -> None:
    """Once the person is gone: every copy of their cases' alerts shows it, and the coordinators
    hear of each case back in the queue."""
    for concern, released in cases:
        await refresh_alert(ctx, concern)
        if released:
            await ctx.tell_coordinators(
                BACK_IN_THE_QUEUE, area=await area(ctx, concern), icon=ICONS[concern.severity], id=concern.id
            )
