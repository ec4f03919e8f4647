"""The monitoring rhythm: two weeks after a pair began, the learner and the mentor each get one
short question from the programme (how is it going with the other?); from then on, every
``relationship_check_weeks`` (four by default: twice in the first month, then monthly), the
relationship check instead (``conversations/relationship_check.py``): five items, 1 to 5.

The short question has three buttons, and after "Okay" or "Not well" an optional word for the
coordinators. The answer is kept as codes in the audit log (never the words); "Not well", or "Okay"
with something written, raises a concern. Nothing of it reaches the partner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.feature import Feature
from bot.i18n import G_, N_
from bot.services import concerns, phrase_screening
from bot.services.people import gender_of
from conversations import rhythm
from conversations.common import busy_elsewhere, name_of
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import voice_of
from storage.models import DueJob, Pair

NAME, CHECK = "monitoring", "relationship_check"  # the short question (check 1), the relationship check
JOB = "monitoring.ask"
FIRST = timedelta(days=14)  # check 1, the short question, after the pair began
LATER = timedelta(hours=3)  # someone in the middle of another conversation is asked this much later
# Not in a session's own days ("still on?", reminders, "did you meet?", the check-in): from a day
# before a session until 30 hours after its start, the question waits two days.
BEFORE_SESSION, AFTER_SESSION, AWAY = timedelta(days=1), timedelta(hours=30), timedelta(days=2)
# A learner's question waits for a check-in due this soon, and is asked on its own when that
# check-in has not brought it this long after it was due (it counts as missed after three days).
CHECKIN_AHEAD, WAIT_FOR_CHECKIN = timedelta(days=7), timedelta(days=3, hours=1)
GOOD, OKAY, POOR = "good", "okay", "poor"
ROLES = ("learner", "mentor")

HOW = (
    Option(GOOD, N_("😀 Good")),
    Option(OKAY, N_("😐 Okay")),
    Option(POOR, N_("😟 Not well")),
)
QUESTIONS = {
    "learner": G_("A short question from {programme}: how is it going with your mentor {name}?"),
    "mentor": N_("A short question from {programme}: how is it going with your learner {name}?"),
}
NOTE_PROMPTS = {
    "learner": N_("Anything you want to tell the coordinators? (Your mentor does not see it.)"),
    "mentor": N_("Anything you want to tell the coordinators? (Your learner does not see it.)"),
}
ANSWER_LINE = N_("Their answer: {answer}")
THANKS = N_("Thank you!")
THANKS_POOR = N_("Thank you! A coordinator will be in touch.")


def job_key(pair_id: int, person_id: int, n: int) -> str:
    return f"monitoring:{pair_id}:{person_id}:{n}"


async def _schedule(
    ctx: Context, pair: Pair, person_id: int, n: int, due_at: datetime, *, waited: bool = False
) -> None:
    payload: dict[str, Any] = {"person_id": person_id, "pair": pair.id, "n": n}
    if waited:
        payload["waited"] = 1  # waited for a check-in once; it will not again
    await ctx.schedule(JOB, due_at, payload, dedupe_key=job_key(pair.id, person_id, n))


def every(ctx: Context) -> timedelta:
    """How often the relationship check comes (the programme file's ``relationship_check_weeks``)."""
    return timedelta(weeks=ctx.rules.relationship_check_weeks)


async def plan(ctx: Context, pair: Pair) -> None:
    """The pair has just begun: both get the short question in two weeks and the first
    relationship check one period from now (then one each period)."""
    for person_id in (pair.learner_id, pair.mentor_id):
        await _schedule(ctx, pair, person_id, 1, ctx.now + FIRST)
        await _schedule(ctx, pair, person_id, 2, ctx.now + every(ctx))


async def ask(ctx: Context, payload: dict[str, Any]) -> None:
    """The due job: ask ``ctx.person`` how it is going, unless the pair ended or they are away.
    A learner with a session this week is asked right after its check-in instead (``ride_along``)."""
    person = ctx.person
    pair = await ctx.uow.pairs.get(int(str(payload.get("pair") or 0)))
    n = int(str(payload.get("n") or 0))
    if pair is None or pair.status != "active" or person.id not in (pair.learner_id, pair.mentor_id):
        return  # an ended pair: no more checks
    if await busy_elsewhere(ctx, NAME):
        await _schedule(ctx, pair, person.id, n, ctx.now + LATER)
        return
    checkin_at = await _checkin_coming(ctx, pair) if not payload.get("waited") else None
    if checkin_at is not None:  # asked on its own only if that check-in is never answered
        await _schedule(ctx, pair, person.id, n, checkin_at + WAIT_FOR_CHECKIN, waited=True)
        return
    if await _session_days(ctx, pair):
        await _schedule(ctx, pair, person.id, n, ctx.now + AWAY)
        return
    later = rhythm.held_until(ctx)
    if later is not None:
        await _schedule(ctx, pair, person.id, n, later, waited=bool(payload.get("waited")))
        return
    await _ask_now(ctx, pair, n)


async def _ask_now(ctx: Context, pair: Pair, n: int) -> None:
    person = ctx.person
    if n >= 2:  # from the first relationship check on, each asks the next
        await _schedule(ctx, pair, person.id, n + 1, ctx.now + every(ctx))
    if person.paused_at is not None or not person.reachable:
        return
    role = "learner" if person.id == pair.learner_id else "mentor"
    partner = await ctx.uow.people.get(pair.mentor_id if role == "learner" else pair.learner_id)
    rhythm.prompted(ctx)
    if n >= 2:
        about = {"partner": name_of(partner), "partner_gender": gender_of(partner)}
        await ctx.start_flow(CHECK, {"pair": pair.id, "n": n, "role": role, **about})
        return
    question = ctx.t.gendered(
        QUESTIONS[role], gender_of(partner), programme=ctx.programme, name=name_of(partner)
    )
    await ctx.start_flow(NAME, {"pair": pair.id, "n": n, "role": role, "question": question})


async def riding_along(ctx: Context, pair: Pair) -> DueJob | None:
    """The learner's monthly question, if it falls due within a week (their check-in just ended)."""
    for job in await ctx.uow.jobs.pending_for(JOB, ctx.person.id):
        if job.payload.get("pair") == pair.id and job.due_at <= ctx.now + rhythm.RIDE_AHEAD:
            return job
    return None


async def ride_along(ctx: Context, pair: Pair, job: DueJob) -> None:
    """Ask it now, right after the check-in, instead of on a day of its own."""
    job.status = "cancelled"
    await _ask_now(ctx, pair, int(str(job.payload.get("n") or 0)))


async def _checkin_coming(ctx: Context, pair: Pair) -> datetime | None:
    """When a learner's next check-in is due, if within the week: the question rides along."""
    if ctx.person.id != pair.learner_id:
        return None
    jobs = await ctx.uow.jobs.pending_for(rhythm.CHECKIN_JOB, ctx.person.id)
    return next((job.due_at for job in jobs if job.due_at <= ctx.now + CHECKIN_AHEAD), None)


async def _session_days(ctx: Context, pair: Pair) -> bool:
    """Is a session of the pair close enough that its own messages have the floor?"""
    near = await ctx.uow.sessions.between(pair.id, ctx.now - AFTER_SESSION, ctx.now + BEFORE_SESSION)
    return any(session.status == "planned" for session in near)


async def answered(ctx: Context, answers: dict[str, Any]) -> None:
    """Keep the answer as codes; a poor one becomes a concern for the coordinators only."""
    pair = await ctx.uow.pairs.get(int(answers.get("pair") or 0))
    if pair is None or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        await ctx.say(ctx.t(THANKS))
        return
    role = "learner" if ctx.person.id == pair.learner_id else "mentor"
    how = str(answers.get("how") or "")
    note = answers.get(f"{role}_note")
    text = note if isinstance(note, str) and note else None
    voice = voice_of(note)
    wrote = bool(text or voice)
    await ctx.uow.audit.record(
        ctx.now, ctx.person, NAME, ctx.person, answer=how, pair=pair.id, n=answers.get("n"), wrote=wrote
    )
    if how != POOR and not (how == OKAY and wrote):
        await ctx.say(ctx.t(THANKS))
        return
    staff = concerns.staff_translator(ctx)
    label = next(option.label for option in HOW if option.value == how)
    await concerns.raise_pair_check(ctx, pair, text, staff(ANSWER_LINE, answer=staff(label)), voice=voice)
    await ctx.say(ctx.t(THANKS_POOR))
    await phrase_screening.screen(ctx, text, pair=pair, source=NAME)


def _after_how(answers: Mapping[str, Any]) -> str:
    """Only "Okay" and "Not well" ask for a word to the coordinators (worded for the role)."""
    role = answers.get("role")
    return f"{role}_note" if role in ROLES and answers.get("how") in (OKAY, POOR) else END


# The question is worded per role when it is asked (like the check-in's goal questions), so its
# prompt is just that answer.
# A word to the coordinators after the answer, worded for each role, written or spoken; the
# relationship check asks the same.
NOTE_STEPS = tuple(
    Step(
        f"{role}_note",
        NOTE_PROMPTS[role],
        StepKind.TEXT,
        max_length=1000,
        optional=True,
        voice=True,
        next=END,
    )
    for role in ROLES
)

FLOW = Flow(
    name=NAME,
    title=N_("the monthly question about your mentoring"),
    steps=(
        Step("how", "{question}", StepKind.CHOICE, options=HOW, columns=3, next=_after_how),
        *NOTE_STEPS,
    ),
    on_complete=answered,
)
FLOWS = (FLOW,)


FEATURE = Feature("monitoring", jobs={JOB: ask}, flows=FLOWS)
