"""The short conversations of screening: a coordinator's question and the applicant's answer, an
interview time, a rejection's reason, and recording a check. Each completion checks again that
the person acting may (a coordinator) and that the applicant is still where the card showed."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.i18n import N_
from bot.services import readiness
from conversations.common import check_text
from conversations.flow import Flow, Option, Step, StepKind
from storage.models import MentorCheck, Person

ASK, ANSWER, INTERVIEW, REJECT, CHECK = (
    "screen_ask",
    "screen_answer",
    "screen_interview",
    "screen_reject",
    "record_check",
)
PENDING = ("waiting", "more_info", "interview")
STATUS = {  # where an application stands, as coordinators and the applicant (/mydata) read it
    "waiting": N_("waiting for a decision"),
    "more_info": N_("asked for more information"),
    "interview": N_("interview planned"),
    "approved": N_("approved"),
    "rejected": N_("declined"),
    "suspended": N_("suspended"),
}
INTERVIEW_JOB = "screening.interview"
CHECK_REMINDER_JOB = "check.reminder"
CHECK_EXPIRED_JOB = "check.expired"


async def applicant_of(ctx: Context, answers: dict[str, Any], *, pending: bool = True) -> Person | None:
    """The applicant the flow was about, if the coordinator may still act on them."""
    applicant = await ctx.uow.people.get(int(answers.get("applicant") or 0))
    usable = (
        ctx.person.role == "coordinator"
        and applicant is not None
        and applicant.role == "mentor"
        and (not pending or applicant.screening in PENDING)
    )
    if not usable:
        await ctx.say(ctx.t(N_("This application was already decided, or withdrawn.")))
        return None
    return applicant


def display_name(person: Person) -> str:
    return person.preferred_name or person.first_name


# --- asking for more information -------------------------------------------------------------


async def ask_sent(ctx: Context, answers: dict[str, Any]) -> None:
    applicant = await applicant_of(ctx, answers)
    if applicant is None:
        return
    applicant.screening = "more_info"
    await ctx.uow.audit.record(ctx.now, ctx.person, "screening.more_info", applicant)
    await ctx.say(
        ctx.t(N_("Sent to {name}. Their answer will come to you here."), name=display_name(applicant))
    )
    them = ctx.about(applicant)
    relay = {"question": answers["question"], "coordinator": ctx.person.id}
    await them.start_flow(ANSWER, relay)


async def answer_sent(ctx: Context, answers: dict[str, Any]) -> None:
    coordinator = await ctx.uow.people.get(int(answers.get("coordinator") or 0))
    await ctx.say(ctx.t(N_("Thank you! I passed your answer on to the coordinator.")))
    if ctx.person.screening == "more_info":
        ctx.person.screening = "waiting"
    if coordinator is None or coordinator.role != "coordinator":
        await ctx.tell_coordinators(
            N_("{name} answered a question about their application."), name=display_name(ctx.person)
        )
        return
    them = ctx.about(coordinator)
    text = them.t(
        N_("{name} answers your question:\n\n{answer}\n\n/screening shows the application."),
        name=display_name(ctx.person),
        answer=answers["answer"],
    )
    await them.say(text)


# --- an interview ----------------------------------------------------------------------------


def day_options(ctx: Context) -> tuple[Option, ...]:
    """The next fourteen days, as buttons in the coordinator's language."""
    first = readiness.today(ctx) + timedelta(days=1)
    days = (first + timedelta(days=n) for n in range(14))
    return tuple(Option(d.isoformat(), ctx.t.day(d), translate=False) for d in days)


def time_options(ctx: Context) -> tuple[Option, ...]:
    slots = (time(hour, minute) for hour in range(8, 20) for minute in (0, 30))
    return tuple(Option(f"{s:%H:%M}", f"{s:%H:%M}", translate=False) for s in slots)


async def interview_set(ctx: Context, answers: dict[str, Any]) -> None:
    applicant = await applicant_of(ctx, answers)
    if applicant is None:
        return
    zone = ZoneInfo(ctx.programme_zone)
    local = datetime.combine(date.fromisoformat(answers["day"]), time.fromisoformat(answers["time"]), zone)
    at = local.astimezone(ZoneInfo("UTC"))
    applicant.screening, applicant.interview_at = "interview", at
    await ctx.uow.audit.record(ctx.now, ctx.person, "screening.interview", applicant)
    coordinator = display_name(ctx.person)
    await ctx.say(
        ctx.t(
            N_("Interview with {name} on {when}. You both get a reminder the day before."),
            name=display_name(applicant),
            when=ctx.t.moment(at),
        )
    )
    them = ctx.about(applicant)
    await them.say(
        them.t(
            N_(
                "{coordinator} from the programme would like to meet you for a conversation about "
                "your application on {when}. They will tell you where, or call you. I will remind you "
                "the day before."
            ),
            coordinator=coordinator,
            when=them.t.moment(at),
        )
    )
    for person in (ctx.person, applicant):
        await ctx.schedule(
            INTERVIEW_JOB,
            at - timedelta(days=1),
            {"person_id": person.id, "applicant": applicant.id, "at": at.isoformat()},
            dedupe_key=f"interview:{applicant.id}:{person.id}",
        )


async def remind_interview(ctx: Context, payload: dict[str, Any]) -> None:
    applicant = await ctx.uow.people.get(int(str(payload.get("applicant"))))
    if applicant is None or applicant.interview_at is None:
        return
    if applicant.interview_at.isoformat() != payload.get("at"):
        return  # moved since: the new time has its own reminder
    if ctx.person.id != applicant.id and ctx.person.role != "coordinator":
        return  # the coordinator was removed since: nothing about the applicant reaches them
    when = ctx.t.moment(applicant.interview_at)
    if ctx.person.id == applicant.id:
        await ctx.say(
            ctx.t(N_("A reminder: your conversation with the programme is tomorrow, {when}."), when=when)
        )
    else:
        await ctx.say(
            ctx.t(
                N_("A reminder: your interview with {name} is tomorrow, {when}."),
                name=display_name(applicant),
                when=when,
            )
        )


# --- a decision ------------------------------------------------------------------------------


async def approve(ctx: Context, applicant: Person) -> None:
    applicant.screening = "approved"
    await ctx.uow.audit.record(ctx.now, ctx.person, "screening.approved", applicant)
    them = ctx.about(applicant)
    if applicant.training_done_at is None:
        text = N_(
            "Good news, {name}: the programme approved your application! Next comes a short "
            "training course here in the chat, about 30 minutes: send /training to begin."
        )
    else:
        text = N_("Good news, {name}: the programme approved your application!")
    await them.say(them.t(text, name=display_name(applicant)))
    await readiness.update(ctx, applicant)


async def rejected(ctx: Context, answers: dict[str, Any]) -> None:
    applicant = await applicant_of(ctx, answers)
    if applicant is None:
        return
    applicant.screening, applicant.screening_note = "rejected", answers["reason"]
    applicant.interview_at = None
    await ctx.uow.audit.record(ctx.now, ctx.person, "screening.rejected", applicant)
    await ctx.say(
        ctx.t(
            N_("{name}'s application is declined; they have been told kindly."), name=display_name(applicant)
        )
    )
    them = ctx.about(applicant)
    await them.say(
        them.t(
            N_(
                "Thank you for your application and for wanting to support young people, {name}. "
                "After careful thought, the programme cannot offer you a place as a mentor at the "
                "moment. This is not a judgement of you as a person. If you have questions, you can "
                "reach the programme at {contact}."
            ),
            name=display_name(applicant),
            contact=ctx.rules.contact or "–",
        )
    )


# --- recording a check -----------------------------------------------------------------------


def check_options(ctx: Context) -> tuple[Option, ...]:
    return tuple(Option(c.id, c.label(ctx.t.locale), translate=False) for c in ctx.rules.mentor_checks)


def not_in_future(ctx: Context, value: Any) -> str | None:
    if isinstance(value, date) and value > readiness.today(ctx):
        return N_("That date is in the future. When was it issued?")
    return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def check_recorded(ctx: Context, answers: dict[str, Any]) -> None:
    mentor = await applicant_of(ctx, answers, pending=False)
    rule = ctx.rules.check(str(answers.get("kind")))
    if mentor is None or rule is None:
        return
    done_on = date.fromisoformat(answers["done_on"])
    expires_on = date.fromisoformat(answers["expires_on"]) if answers.get("expires_on") else None
    if expires_on is None and rule.valid_months is not None:
        expires_on = add_months(done_on, rule.valid_months)
    if expires_on is not None and expires_on <= done_on:
        await ctx.say(ctx.t(N_("The expiry must come after the date it was issued. Nothing was recorded.")))
        return
    check = await ctx.uow.checks.add(
        MentorCheck(
            person_id=mentor.id,
            kind=rule.id,
            done_on=done_on,
            expires_on=expires_on,
            recorded_by=ctx.person.id,
            recorded_at=ctx.now,
        )
    )
    await ctx.uow.audit.record(ctx.now, ctx.person, "check.recorded", mentor, kind=rule.id)
    recorded = N_("Recorded for {name}: {check}, valid until {date}.")
    if expires_on is None:
        recorded = N_("Recorded for {name}: {check}, which does not expire.")
    await ctx.say(
        ctx.t(
            recorded,
            name=display_name(mentor),
            check=rule.label(ctx.t.locale),
            date=ctx.t.date(expires_on) if expires_on else "",
        )
    )
    if expires_on is not None:
        zone = ZoneInfo(ctx.programme_zone)
        expiry = datetime.combine(expires_on, time(0, 0), zone)
        payload = {"person_id": mentor.id, "check_id": check.id}
        reminder = max(expiry - timedelta(days=30) + timedelta(hours=9), ctx.now)  # 09:00 local
        await ctx.schedule(CHECK_REMINDER_JOB, reminder, payload, dedupe_key=f"check-remind:{check.id}")
        await ctx.schedule(CHECK_EXPIRED_JOB, expiry, payload, dedupe_key=f"check-expire:{check.id}")
    await readiness.update(ctx, mentor)


async def _current_check(ctx: Context, payload: dict[str, Any]) -> MentorCheck | None:
    """The check a job is about, if it is still the newest of its kind for the mentor."""
    check = await ctx.uow.checks.get(int(str(payload.get("check_id"))))
    if check is None or ctx.person.role != "mentor":
        return None
    newest = next((c for c in await ctx.uow.checks.of(ctx.person.id) if c.kind == check.kind), None)
    return check if newest is not None and newest.id == check.id else None


async def remind_check(ctx: Context, payload: dict[str, Any]) -> None:
    check = await _current_check(ctx, payload)
    rule = ctx.rules.check(check.kind) if check else None
    if check is None or rule is None or check.expires_on is None:
        return
    name = display_name(ctx.person)
    await ctx.say(
        ctx.t(
            N_("{name}, your “{check}” expires on {date}. Please renew it and show it to your coordinator."),
            name=name,
            check=rule.label(ctx.t.locale),
            date=ctx.t.date(check.expires_on),
        )
    )
    await ctx.tell_coordinators(
        N_("{name}'s “{check}” expires on {date}."),
        name=name,
        check=rule.label(ctx.settings.default_locale),
        date=check.expires_on.isoformat(),
    )


async def check_expired(ctx: Context, payload: dict[str, Any]) -> None:
    check = await _current_check(ctx, payload)
    rule = ctx.rules.check(check.kind) if check else None
    if check is None or rule is None or ctx.person.suspended_at is not None:
        return
    ctx.person.suspended_at = ctx.now
    await ctx.uow.audit.record(ctx.now, None, "mentor.suspended", ctx.person, kind=rule.id)
    name = display_name(ctx.person)
    await ctx.tell_coordinators(
        N_("⚠ {name}'s “{check}” has expired: no new matches until it is renewed and recorded."),
        name=name,
        check=rule.label(ctx.settings.default_locale),
    )
    await ctx.say(
        ctx.t(
            N_(
                "{name}, your “{check}” has expired, so the programme cannot match you with a new "
                "learner until it is renewed. Your coordinator will help."
            ),
            name=name,
            check=rule.label(ctx.t.locale),
        )
    )


SCREEN_ASK_FLOW = Flow(
    name=ASK,
    steps=(
        Step(
            "question",
            N_("What would you like to ask {applicant_name}? I pass it on and bring the answer back to you."),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=ask_sent,
)
SCREEN_ANSWER_FLOW = Flow(
    name=ANSWER,
    title=N_("a question about your application"),
    steps=(
        Step(
            "answer",
            N_(
                "A coordinator asks about your application:\n\n{question}\n\n"
                "Please answer here (up to 2000 characters)."
            ),
            StepKind.TEXT,
            max_length=2000,
            validate=check_text,
        ),
    ),
    on_complete=answer_sent,
)
SCREEN_INTERVIEW_FLOW = Flow(
    name=INTERVIEW,
    steps=(
        Step(
            "day",
            N_("Which day is the interview with {applicant_name}?"),
            StepKind.CHOICE,
            options=day_options,
            columns=3,
        ),
        Step("time", N_("At what time?"), StepKind.CHOICE, options=time_options, columns=4),
    ),
    on_complete=interview_set,
)
SCREEN_REJECT_FLOW = Flow(
    name=REJECT,
    steps=(
        Step(
            "reason",
            N_(
                "Why is {applicant_name}'s application declined? {applicant_name} now gets a kind "
                "message without it. The reason stays in the programme's records, and "
                "{applicant_name} can ask for a copy of it (/mydata sends it)."
            ),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=rejected,
)
RECORD_CHECK_FLOW = Flow(
    name=CHECK,
    steps=(
        Step(
            "kind",
            N_("Which check of {applicant_name} do you record?"),
            StepKind.CHOICE,
            options=check_options,
        ),
        Step(
            "done_on", N_("When was it issued? (A date like 24.12.2026.)"), StepKind.DATE, check=not_in_future
        ),
        Step(
            "expires_on",
            N_(
                "When does it expire? (A date.) Skip to use the programme's usual validity, or if "
                "it does not expire."
            ),
            StepKind.DATE,
            optional=True,
        ),
    ),
    on_complete=check_recorded,
)
FLOWS = (SCREEN_ASK_FLOW, SCREEN_ANSWER_FLOW, SCREEN_INTERVIEW_FLOW, SCREEN_REJECT_FLOW, RECORD_CHECK_FLOW)
