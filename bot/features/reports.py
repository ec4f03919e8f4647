"""The coordinators' overview: /stats (the programme in a few figures) and /export (CSV files).

Exports carry pseudonyms, not names: a person is "P" and ten hex characters of an HMAC of their
id, keyed by the deployment's secret, so the same person has the same pseudonym in every export
of this deployment and nobody without the secret can tell who it is. No free text is exported
(check-in comments, concern texts, reasons): only codes, figures and dates.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from babel.numbers import format_percent

from bot.config import Settings
from bot.context import Context
from bot.events import Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine
from bot.i18n import N_, Translator
from bot.services import areas, relationship
from bot.services.attendance import outcome
from storage.models import CheckIn, Concern, Pair, Session

RECENT_SESSIONS = timedelta(weeks=4)
RECENT_ACKNOWLEDGEMENTS = timedelta(days=90)
MONTH = timedelta(days=365.25 / 12)
SEVERITIES = ("urgent", "high", "normal")
NONE = "–"

ONLY_COORDINATORS = N_("Only coordinators can use this command.")
TITLE = N_("{programme}: overview on {date}")
PAIRS = N_("Pairs active: {active}")
INTRODUCED = N_("Pairs introduced, not yet meeting weekly: {introduced}")
WAITING = N_("Learners waiting for a mentor: {waiting}")
SESSIONS = N_("Sessions in the last 4 weeks: {held} held of {planned} planned")
SESSIONS_DETAIL = N_("missed {missed} · cancelled {cancelled} (holiday weeks not counted)")
CONCERNS = N_("Open concerns: urgent {urgent} · high {high} · normal {normal}")
RELATIONSHIP = N_(
    "Relationship checks (of 5), last 4 weeks: learners {learners}, mentors {mentors}; "
    "the 4 weeks before: learners {learners_before}, mentors {mentors_before}"
)
RELATIONSHIP_WORRIES = N_("Running pairs whose relationship check fell or differs widely: {pairs}")
CLOSED = N_("Pairs closed: {closed}, early: {early} ({rate})")
MATCH_LENGTH = N_("Median length of a closed match: {months} months")
SUPPORT = N_("Support contacts per pair per month: {rate} (coordinators' case steps on a pair's concerns)")
ACKNOWLEDGED = N_("Median time to acknowledge a concern (last 90 days): {time}")
DAYS_HOURS = N_("{days} d {hours} h")
HOURS_MINUTES = N_("{hours} h {minutes} min")
MINUTES = N_("{minutes} min")
EXPORTED = N_(
    "Four CSV files follow: pairs, sessions, check-ins and concerns. People appear as pseudonyms "
    "(P and ten characters), the same in every export; names and written texts are left out."
)
CAPTIONS = {
    "pairs.csv": N_("Pairs"),
    "sessions.csv": N_("Sessions"),
    "checkins.csv": N_("Check-ins"),
    "concerns.csv": N_("Concerns"),
}


# --- /stats ----------------------------------------------------------------------------------


async def stats(ctx: Context, event: Inbound) -> None:
    """The programme in a few figures, for a coordinator."""
    if not await _coordinator(ctx):
        return
    t, now = ctx.t, ctx.now
    scope = areas.scope_of(ctx.rules, ctx.person)  # the figures of the coordinator's areas
    pairs = await ctx.uow.reports.pair_counts(scope)
    waiting = len(await ctx.uow.people.waiting_learners(scope))
    outcomes = await recent_sessions(ctx)
    planned = outcomes["held"] + outcomes["missed"] + outcomes["cancelled"]
    open_concerns = Counter(c.severity for c in await ctx.uow.concerns.unresolved(scope))
    lines = [
        t(TITLE, programme=ctx.programme, date=t.date(now)),
        t(PAIRS, active=t.number(pairs["active"])),
    ]
    if pairs["introduced"]:
        lines.append(t(INTRODUCED, introduced=t.number(pairs["introduced"])))
    lines += [
        t(WAITING, waiting=t.number(waiting)),
        t(SESSIONS, held=t.number(outcomes["held"]), planned=t.number(planned)),
        t(SESSIONS_DETAIL, missed=t.number(outcomes["missed"]), cancelled=t.number(outcomes["cancelled"])),
        t(CONCERNS, **{severity: t.number(open_concerns[severity]) for severity in SEVERITIES}),
        t(ACKNOWLEDGED, time=await _median_acknowledgement(ctx)),
        *await _relationship(ctx),
        *await _closure_lines(ctx),
    ]
    await ctx.say("\n".join(lines))


async def _relationship(ctx: Context) -> list[str]:
    """The relationship checks' average per side, this period and the one before, and how many
    running pairs show a fall or a gap (``relationship.trends``)."""
    t, now = ctx.t, ctx.now
    scope = areas.scope_of(ctx.rules, ctx.person)
    averages: dict[str, str] = {}
    for suffix, end in (("", now), ("_before", now - RECENT_SESSIONS)):
        checks = await ctx.uow.relationship.between(end - RECENT_SESSIONS, end, scope)
        for role in ("learner", "mentor"):
            scores = [relationship.score(c) for c in checks if c.role == role]
            averages[role + "s" + suffix] = (
                relationship.figure(t, statistics.mean(scores)) if scores else NONE
            )
    live = [pair.id for pair in await ctx.uow.pairs.live(scope)]
    trends = await relationship.trends(ctx.uow, live)
    worried = sum(relationship.worried(trend) for trend in trends.values())
    return [t(RELATIONSHIP, **averages), t(RELATIONSHIP_WORRIES, pairs=t.number(worried))]


async def recent_sessions(ctx: Context) -> Counter[str]:
    """The sessions of the last four weeks by outcome (held, missed, cancelled), as /stats counts them."""
    scope = areas.scope_of(ctx.rules, ctx.person)
    recent = await ctx.uow.reports.sessions_between(ctx.now - RECENT_SESSIONS, ctx.now, scope)
    return Counter(outcome(s) for s in recent)


async def _median_acknowledgement(ctx: Context) -> str:
    scope = areas.scope_of(ctx.rules, ctx.person)
    concerns = await ctx.uow.reports.acknowledged_since(ctx.now - RECENT_ACKNOWLEDGEMENTS, scope)
    waits = [(c.acknowledged_at - c.created_at).total_seconds() for c in concerns if c.acknowledged_at]
    if not waits:
        return NONE
    return readable(ctx.t, timedelta(seconds=statistics.median(waits)))


async def _closure_lines(ctx: Context) -> list[str]:
    """Closures: how many ended early, how long a match lasted, and how often coordinators were in
    touch about a pair. A support contact is a coordinator's step on a case about a pair
    (acknowledged, a note, a message to the learner, resolved): what Tandem records of support."""
    t, now = ctx.t, ctx.now
    pairs = await ctx.uow.reports.mentored_pairs(areas.scope_of(ctx.rules, ctx.person))
    closed = [p for p in pairs if p.status == "ended" and p.ended_at is not None]
    early = sum(1 for p in closed if p.end_kind != "planned")
    rate = format_percent(early / len(closed), locale=t.locale) if closed else NONE
    lengths = [_months(p.ended_at or now, p) for p in closed]
    months = t.number(round(statistics.median(lengths), 1)) if lengths else NONE
    running = sum(_months(p.ended_at or now, p) for p in pairs)
    contacts = await ctx.uow.reports.support_contacts(areas.scope_of(ctx.rules, ctx.person))
    per_month = t.number(round(contacts / running, 2)) if running > 0 else NONE
    return [
        t(CLOSED, closed=t.number(len(closed)), early=t.number(early), rate=rate),
        t(MATCH_LENGTH, months=months),
        t(SUPPORT, rate=per_month),
    ]


def _months(until: datetime, pair: Pair) -> float:
    """How long a pair ran until ``until``, in months of average length."""
    return (until - (pair.decided_at or pair.created_at)) / MONTH


def readable(t: Translator, span: timedelta) -> str:
    """A duration as people say it: "2 h 10 min", "35 min", "3 d 4 h" (to the minute)."""
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return t(DAYS_HOURS, days=t.number(days), hours=t.number(hours))
    if hours:
        return t(HOURS_MINUTES, hours=t.number(hours), minutes=t.number(minutes))
    return t(MINUTES, minutes=t.number(minutes))


# --- /export ---------------------------------------------------------------------------------


async def export(ctx: Context, event: Inbound) -> None:
    """Pairs, sessions, check-ins and concerns as CSV files, with pseudonyms for people."""
    if not await _coordinator(ctx):
        return
    files = {filename: await export_file(ctx, filename) for filename in CAPTIONS}
    await ctx.uow.audit.record(ctx.now, ctx.person, "export", None)
    await ctx.say(ctx.t(EXPORTED))
    for filename, content in files.items():
        await ctx.send_document(filename, content, ctx.t(CAPTIONS[filename]))


async def export_file(ctx: Context, filename: str) -> bytes:
    """One of the CSV files (a name of ``CAPTIONS``), with pseudonyms for people: /export sends
    them all, the console offers each."""
    alias, reports = Pseudonyms(ctx.settings), ctx.uow.reports
    scope = areas.scope_of(ctx.rules, ctx.person)  # the coordinator's areas only
    if filename == "pairs.csv":
        return pairs_table(await reports.pairs(scope), alias)
    if filename == "sessions.csv":
        return sessions_table(await reports.sessions(scope), ctx.now)
    if filename == "checkins.csv":
        return checkins_table(await reports.check_ins(scope), alias)
    return concerns_table(await reports.concerns(scope), alias)


class Pseudonyms:
    """A person's stable pseudonym in exports: "P" and an HMAC-SHA256 of their id, shortened."""

    def __init__(self, settings: Settings) -> None:
        if not settings.bot_token:  # the bot never runs without one (bot/app.py)
            raise RuntimeError("no secret to make export pseudonyms with (TANDEM_BOT_TOKEN)")
        # The deployment's one secret; a new token gives everyone new pseudonyms.
        self._key = settings.bot_token.encode()

    def __call__(self, person_id: int | None) -> str:
        if person_id is None:
            return ""
        digest = hmac.new(self._key, str(person_id).encode(), hashlib.sha256).hexdigest()
        return "P" + digest[:10]


def pairs_table(pairs: Iterable[Pair], alias: Pseudonyms) -> bytes:
    header = ("pair", "learner", "mentor", "status", "created", "ended")
    rows = (
        (p.id, alias(p.learner_id), alias(p.mentor_id), p.status, _iso(p.created_at), _iso(p.ended_at))
        for p in pairs
    )
    return _csv(header, rows)


def sessions_table(sessions: Iterable[Session], now: datetime) -> bytes:
    header = (
        "session",
        "pair",
        "starts_at",
        "status",
        "outcome",
        "learner_met",
        "mentor_met",
        "moves",
        "cancelled_late",
    )
    rows = (
        (
            s.id,
            s.pair_id,
            _iso(s.starts_at),
            s.status,
            outcome(s) if s.starts_at <= now else "",  # a week still ahead has no outcome yet
            s.learner_met or "",
            s.mentor_met or "",
            s.moves,
            int(s.cancelled_late),
        )
        for s in sessions
    )
    return _csv(header, rows)


def checkins_table(checkins: Iterable[CheckIn], alias: Pseudonyms) -> bytes:
    header = ("checkin", "learner", "asked_at", "status", "motivation", "areas")
    rows = (
        (
            c.id,
            alias(c.person_id),
            _iso(c.asked_at),
            c.status,
            "" if c.motivation is None else c.motivation,
            ";".join(f"{area}={rating}" for area, rating in (c.areas or {}).items()),
        )
        for c in checkins
    )
    return _csv(header, rows)


def concerns_table(concerns: Iterable[Concern], alias: Pseudonyms) -> bytes:
    header = (
        "concern",
        "pair",
        "subject",
        "kind",
        "severity",
        "status",
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "outcome",
        "overdue",
    )
    rows = (
        (
            c.id,
            "" if c.pair_id is None else c.pair_id,
            alias(c.subject_id),
            c.kind,
            c.severity,
            c.status,
            _iso(c.created_at),
            _iso(c.acknowledged_at),
            _iso(c.resolved_at),
            c.outcome or "",
            c.overdue,
        )
        for c in concerns
    )
    return _csv(header, rows)


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def _coordinator(ctx: Context) -> bool:
    """Re-checked on every command: the role may have changed since the menu was published."""
    if ctx.person.role == "coordinator":
        return True
    await ctx.say(ctx.t(ONLY_COORDINATORS))
    return False


FEATURE = Feature(
    "reports",
    commands=(
        CommandEntry("stats", stats, N_("The programme in a few figures"), COORDINATORS),
        CommandEntry("export", export, N_("CSV files without names"), COORDINATORS),
    ),
    help=(
        HelpLine(N_("/stats – the programme in a few figures"), COORDINATORS),
        HelpLine(
            N_("/export – pairs, sessions, check-ins and concerns as CSV files, without names"),
            COORDINATORS,
        ),
    ),
)
