"""A roundtable (/roundtable): a coordinator invites mentors (all of them, or a cohort's) to meet
and exchange experience. The coordinator gives the topic, the day, the time and the place (an
address or an online link), reads a preview with the number of mentors invited, and confirms.

Each invitation is a due job, sent as bulk like an announcement (within a window, never in the
mentor's quiet hours), with "I'll come" and "Can't come" buttons; an answer can be changed until the
roundtable begins. Those who said they will come are reminded the day before. Two hours after the
start the organiser marks who came, and those who came get one question
(``bot/features/roundtable_attendance.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_, Translator
from bot.services import areas
from conversations.announce import AREA, WINDOW, cohort_named, first_moment
from conversations.common import check_text
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.goals import not_past
from storage.models import Person, Roundtable

WRITE, CONFIRM = "roundtable", "roundtable_confirm"
INVITE_JOB, REMINDER_JOB = "roundtable.invite", "roundtable.reminder"
ATTENDANCE_JOB, FEEDBACK_JOB = "roundtable.attendance", "roundtable.feedback"
AFTER = timedelta(hours=2)  # the organiser is asked who came this long after the start
PREFIX = "rt1"

NOTHING = N_("No roundtable was planned.")
INVITATION = N_(
    "Roundtable for mentors: {topic}\n{when}\n{place}\n\nA meeting to exchange experience with "
    "other mentors, with a coordinator. Will you come?"
)
REMINDER = N_("Tomorrow: the mentors' roundtable “{topic}”, {when}, {place}. See you there!")


def invitation(t: Translator, roundtable: Roundtable) -> str:
    return t(INVITATION, topic=roundtable.topic, when=t.moment(roundtable.starts_at), place=roundtable.place)


async def _mentors(ctx: Context, cohort: str | None, area: str | None = None) -> list[Person]:
    """The mentors it invites: all of the coordinator's areas, a cohort's, or one area's."""
    audience = "cohort" if cohort else "mentors"
    scope = areas.scope_of(ctx.rules, ctx.person)
    found = [p for p in await ctx.uow.announcements.audience(audience, cohort, scope) if p.role == "mentor"]
    if area is None:
        return found
    return [p for p in found if areas.sees(ctx.rules, ctx.person, area) and areas.belongs(ctx.rules, p, area)]


def _audiences(ctx: Context) -> tuple[Option, ...]:
    shown = tuple(
        Option(AREA + area, areas.name(ctx.rules, area, ctx.t.locale), translate=False)
        for area in areas.invitable(ctx.rules, ctx.person)
    )
    return AUDIENCES + (shown if ctx.rules.has_areas else ())


def _starts(ctx: Context, answers: dict[str, Any]) -> datetime:
    day = answers["day"] if isinstance(answers["day"], date) else date.fromisoformat(str(answers["day"]))
    local = datetime.combine(day, time.fromisoformat(str(answers["time"])), ZoneInfo(ctx.programme_zone))
    return local.astimezone(UTC)


async def written(ctx: Context, answers: dict[str, Any]) -> None:
    """All is told: the preview, with how many mentors it invites."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(NOTHING))
        return
    starts = _starts(ctx, answers)
    if starts <= ctx.now:
        await ctx.say(ctx.t(N_("That time has passed. No roundtable was planned; /roundtable starts again.")))
        return
    cohort = str(answers.get("cohort") or "").strip() or None
    if cohort is not None:
        cohort = await cohort_named(ctx, cohort)
    audience = str(answers.get("audience") or "")
    area = audience.removeprefix(AREA) if audience.startswith(AREA) else None
    mentors = await _mentors(ctx, cohort, area)
    if not mentors:
        await ctx.say(ctx.t(N_("There are no mentors to invite. No roundtable was planned.")))
        return
    draft = Roundtable(
        topic=str(answers["topic"]), starts_at=starts, place=str(answers["place"]), created_at=ctx.now
    )
    await ctx.start_flow(
        CONFIRM,
        {
            **{k: str(v) for k, v in answers.items() if k in ("topic", "place", "time")},
            "day": _starts(ctx, answers).astimezone(ZoneInfo(ctx.programme_zone)).date().isoformat(),
            "cohort": cohort or "",
            "area": area or "",
            "count": str(len(mentors)),
            "preview": invitation(ctx.t, draft),
        },
    )


async def confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    if ctx.person.role != "coordinator" or answers.get("sure") != "yes":
        await ctx.say(ctx.t(NOTHING))
        return
    starts = _starts(ctx, answers)
    cohort = answers.get("cohort") or None
    mentors = await _mentors(ctx, cohort, answers.get("area") or None)
    if starts <= ctx.now or not mentors:
        await ctx.say(ctx.t(NOTHING))
        return
    roundtable = Roundtable(
        topic=str(answers["topic"]),
        starts_at=starts,
        place=str(answers["place"]),
        cohort=cohort,
        created_by=ctx.person.id,
        created_at=ctx.now,
    )
    await ctx.uow.roundtables.add(roundtable, [m.id for m in mentors])
    invitations = []
    for mentor in mentors:
        opens = first_moment(ctx, mentor)
        closes = min(opens + WINDOW, starts)  # an invitation after the start is none
        invitations.append(
            ({"person_id": mentor.id, "roundtable": roundtable.id}, min(opens, closes), closes)
        )
    await ctx.schedule_many(INVITE_JOB, invitations)
    if starts - timedelta(days=1) > ctx.now:
        await ctx.schedule(REMINDER_JOB, starts - timedelta(days=1), {"roundtable": roundtable.id})
    await ctx.schedule(
        ATTENDANCE_JOB, starts + AFTER, {"person_id": ctx.person.id, "roundtable": roundtable.id}
    )
    await ctx.uow.audit.record(ctx.now, ctx.person, "roundtable.planned", None, mentors=len(mentors))
    await ctx.say(
        ctx.t(
            N_(
                "Planned: {count} mentors are invited to “{topic}” on {when}. /roundtables shows "
                "who is coming."
            ),
            count=len(mentors),
            topic=roundtable.topic,
            when=ctx.t.moment(starts),
        )
    )


AUDIENCES = (Option("mentors", N_("All mentors")), Option("cohort", N_("One cohort")))


def _after_audience(answers: Any) -> str:
    return "cohort" if answers.get("audience") == "cohort" else END


WRITE_FLOW = Flow(
    name=WRITE,
    steps=(
        Step(
            "topic", N_("What is the roundtable about? (A short topic.)"), StepKind.TEXT, validate=check_text
        ),
        Step("day", N_("On which day? (A date like 24.12.2026.)"), StepKind.DATE, check=not_past),
        Step("time", N_("At what time? (Like 18:30.)"), StepKind.TIME),
        Step(
            "place",
            N_("Where? An address, or the link of the online meeting."),
            StepKind.TEXT,
            max_length=300,
            validate=check_text,
        ),
        Step(
            "audience",
            N_("Whom does it invite?"),
            StepKind.CHOICE,
            options=_audiences,
            next=_after_audience,
        ),
        Step(
            "cohort",
            N_("Which cohort? The programme's cohorts: {cohorts}"),
            StepKind.TEXT,
            max_length=60,
        ),
    ),
    on_complete=written,
    nudge_after=None,
)
CONFIRM_FLOW = Flow(
    name=CONFIRM,
    steps=(
        Step(
            "sure",
            N_("This invites {count} mentors. They read:\n\n{preview}\n\nSend the invitations now?"),
            StepKind.YES_NO,
            next=END,
        ),
    ),
    on_complete=confirmed,
    nudge_after=None,
)
FLOWS = (WRITE_FLOW, CONFIRM_FLOW)
