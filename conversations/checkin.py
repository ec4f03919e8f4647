"""The weekly check-in: under a minute, buttons first.

After each session (as soon as the learner says they met, else the day after), the learner is
asked how motivated they feel (five faces), how the areas that matter to them are going, what
progress their goals made and whether their due next steps are done, and, optionally, anything
their mentor should know, written or as a voice note. One gentle nudge after a day (the flow
engine's); a check-in still open after three days counts as missed.

The answers become signals for coordinators: low or falling motivation, an area bad two weeks
running, money or housing bad once, three check-ins missed in a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.context import Context
from bot.events import Inbound
from bot.feature import LEARNERS, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import concerns, phrase_screening, readiness
from bot.services.people import UNNAMED
from bot.services.wellbeing import AREA_NAMES, AREAS, FACES, PROGRESS, RATINGS, URGENT_AREAS
from conversations import monitoring, reflection, rhythm
from conversations.common import BUSY_FOR, busy_elsewhere, name_of
from conversations.flow import END, Flow, Option, Step, StepKind
from storage.models import CheckIn, Pair, Person, Session

NAME, AREAS_NAME = "check_in", "check_in_areas"
JOB, EXPIRE_JOB = rhythm.CHECKIN_JOB, "checkin.expire"
AFTER_SESSION = timedelta(days=1)  # the check-in of a week without a "yes, we met"
MISSED_AFTER = timedelta(days=3)
RECENT = timedelta(days=4)  # one check-in a week, whatever asks for it
FALLING_WINDOW = timedelta(days=22)  # "falling by 2 over three weeks"
MAX_GOALS = MAX_STEPS = 3
AREA_CODES = tuple(code for code, _ in AREAS)

AREA_PROMPTS = {
    "work": N_("How are things at your training company?"),
    "school": N_("How is vocational school going?"),
    "exams": N_("How is it going with your exams?"),
    "money": N_("How are you doing with money?"),
    "housing": N_("How is it going where you live?"),
    "health": N_("How is your health?"),
}
GOAL_QUESTION = N_("Any progress on your goal “{goal}”?")
STEP_QUESTION = N_("Your next step: “{step}”. Did you do it?")
SIGNALS = {
    "motivation_low": N_("Signal: {learner}'s motivation was low (1 or 2 of 5) two check-ins in a row."),
    "motivation_falling": N_("Signal: {learner}'s motivation fell by 2 or more within three weeks."),
    "money_bad": N_("Signal (urgent): {learner} says things are bad with money."),
    "housing_bad": N_("Signal (urgent): {learner} says things are bad where they live."),
    "area_bad": N_("Signal: {learner} says “{area}” has been bad two weeks running."),
    "checkins_unanswered": N_("Signal: {learner} has not answered the last three check-ins."),
}


def relevant_areas(person: Person) -> list[str]:
    chosen = person.profile.get("areas") if isinstance(person.profile, dict) else None
    return [code for code in AREA_CODES if isinstance(chosen, list) and code in chosen]


async def remember_areas(ctx: Context, value: Any) -> None:
    ctx.person.profile = {**ctx.person.profile, "areas": [v for v in value or () if v in AREA_CODES]}


# --- the way through: only the areas that matter, only the goals and steps there are -----------


def _areas_of(answers: Mapping[str, Any]) -> list[str]:
    return [a for a in AREA_CODES if a in (answers.get("areas") or answers.get("relevant") or ())]


def _after(answers: Mapping[str, Any], done: str) -> str:
    """The step that follows ``done``: the next area asked, then goals, next steps, the comment."""
    order = [f"area_{a}" for a in _areas_of(answers)]
    order += [f"goal_{i}" for i in range(MAX_GOALS) if answers.get(f"goal_{i}_q")]
    order += [f"step_{i}" for i in range(MAX_STEPS) if answers.get(f"step_{i}_q")]
    order.append("comment")
    if done == "motivation":
        return "areas" if not answers.get("relevant") else order[0]
    if done == "areas":
        return order[0]
    return order[order.index(done) + 1] if done in order and done != "comment" else END


def _next(done: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda answers: _after(answers, done)


async def areas_command(ctx: Context, event: Inbound) -> None:
    """/areas: which areas of their life the weekly check-in asks the learner about."""
    if ctx.person.role != "learner" or ctx.person.consent_at is None:
        await ctx.say(ctx.t(N_("The weekly check-in is for learners in the programme.")))
        return
    await ctx.start_flow(AREAS_NAME, {"areas": relevant_areas(ctx.person)})


async def areas_saved(ctx: Context, answers: dict[str, Any]) -> None:
    await ctx.say(ctx.t(N_("Saved. Your weekly check-in will ask about these.")))


# --- asking --------------------------------------------------------------------------------


async def begin(ctx: Context, pair: Pair, session: Session | None) -> None:
    """Ask the learner (``ctx.person``) this week's check-in, unless it was asked already."""
    person = ctx.person
    if pair.status != "active" or person.id != pair.learner_id:
        return
    if person.paused_at is not None or not person.reachable:
        return
    latest = await ctx.uow.checkins.latest(person.id, 1)
    if latest and (
        (session is not None and latest[0].session_id == session.id) or ctx.now - latest[0].asked_at < RECENT
    ):
        return
    if await busy_elsewhere(ctx, NAME):
        payload = {"person_id": person.id, "session": session.id if session else None}
        await ctx.schedule(JOB, ctx.now + BUSY_FOR, payload, dedupe_key=f"checkin-later:{person.id}")
        return
    for earlier in await ctx.uow.checkins.latest(person.id, 5):
        if earlier.status == "asked":
            earlier.status = "missed"
    check_in = await ctx.uow.checkins.add(
        CheckIn(
            person_id=person.id,
            pair_id=pair.id,
            session_id=session.id if session else None,
            asked_at=ctx.now,
            status="asked",
            areas={},
            goals={},
        )
    )
    await ctx.schedule(
        EXPIRE_JOB,
        ctx.now + MISSED_AFTER,
        {"person_id": person.id, "check_in": check_in.id},
        dedupe_key=f"checkin-expire:{check_in.id}",
    )
    rhythm.prompted(ctx)
    await ctx.start_flow(NAME, await _answers(ctx, check_in))


async def _answers(ctx: Context, check_in: CheckIn) -> dict[str, Any]:
    """What the flow needs to know: the areas to ask, and the goals and due steps as questions."""
    pair = await ctx.uow.pairs.get(check_in.pair_id) if check_in.pair_id else None
    mentor = await ctx.uow.people.get(pair.mentor_id) if pair is not None else None
    answers: dict[str, Any] = {
        "check_in": check_in.id,
        "relevant": relevant_areas(ctx.person),
        "mentor": name_of(mentor),
    }
    goals = (await ctx.uow.goals.of(ctx.person.id))[:MAX_GOALS]
    for i, goal in enumerate(goals):
        answers[f"goal_{i}_id"] = goal.id
        answers[f"goal_{i}_q"] = ctx.t(GOAL_QUESTION, goal=goal.text)
    steps = (await ctx.uow.goals.due_steps(ctx.person.id, readiness.today(ctx)))[:MAX_STEPS]
    for i, step in enumerate(steps):
        answers[f"step_{i}_id"] = step.id
        answers[f"step_{i}_q"] = ctx.t(STEP_QUESTION, step=step.text)
    return answers


async def ask_due(ctx: Context, payload: dict[str, Any]) -> None:
    """The job: the day after a session (or later, when the learner was busy or had the day's
    prompt already)."""
    pair = await ctx.uow.pairs.current_for(ctx.person.id)
    if pair is None:
        return
    later = rhythm.held_until(ctx)
    if later is not None:
        await ctx.schedule(JOB, later, payload, dedupe_key=f"checkin-later:{ctx.person.id}")
        return
    session_id = payload.get("session")
    session = await ctx.uow.sessions.get(int(str(session_id))) if session_id else None
    if session is not None and session.pair_id != pair.id:
        session = None
    await begin(ctx, pair, session)


async def expire(ctx: Context, payload: dict[str, Any]) -> None:
    """Three days on, an unanswered check-in is missed; three missed in a row is a signal."""
    check_in = await ctx.uow.checkins.get(int(str(payload.get("check_in"))))
    if check_in is None or check_in.status != "asked":
        return
    check_in.status = "missed"
    last = await ctx.uow.checkins.latest(ctx.person.id, 3)
    pair = await ctx.uow.pairs.get(check_in.pair_id) if check_in.pair_id else None
    if len(last) == 3 and all(c.status == "missed" for c in last) and pair is not None:
        await _signal(ctx, pair, "checkins_unanswered")


# --- answers -------------------------------------------------------------------------------


async def answered(ctx: Context, answers: dict[str, Any]) -> None:
    check_in = await ctx.uow.checkins.get(int(answers.get("check_in") or 0))
    if check_in is None or check_in.person_id != ctx.person.id:
        await ctx.say(ctx.t(N_("This check-in is closed. Thank you all the same!")))
        return
    check_in.motivation = int(answers["motivation"])
    check_in.areas = {a: answers[f"area_{a}"] for a in AREA_CODES if answers.get(f"area_{a}")}
    check_in.goals = {
        str(answers[f"goal_{i}_id"]): answers[f"goal_{i}"]
        for i in range(MAX_GOALS)
        if answers.get(f"goal_{i}")
    }
    comment = answers.get("comment")
    if isinstance(comment, dict):
        check_in.voice_file_id = str(comment.get("voice") or "") or None
    elif isinstance(comment, str):
        check_in.comment = comment
    check_in.status, check_in.answered_at = "answered", ctx.now
    await _steps_done(ctx, answers)
    pair = await ctx.uow.pairs.get(check_in.pair_id) if check_in.pair_id else None
    active = pair is not None and pair.status == "active"
    # What else is due this week comes now, in the same sitting, not on days of its own.
    monthly = await monitoring.riding_along(ctx, pair) if pair is not None and active else None
    reflecting = active and await reflection.due(ctx)
    mentor = await ctx.uow.people.get(pair.mentor_id) if pair is not None else None
    await ctx.say(ctx.t(_thanks(check_in, more=(monthly is not None) + reflecting), mentor=name_of(mentor)))
    await _goals_done(ctx, answers)
    await phrase_screening.screen(ctx, check_in.comment, pair=pair, source="check-in")
    await phrase_screening.unscreened(ctx, check_in.voice_file_id, pair=pair, source="check-in")
    if pair is None or not active:
        return
    await _pass_on(ctx, pair, check_in)
    await _signals(ctx, pair, check_in)
    if monthly is not None:
        await monitoring.ride_along(ctx, pair, monthly)
    if reflecting:
        await reflection.ride_along(ctx, pair)


def _thanks(check_in: CheckIn, *, more: int) -> str:
    """Thanks, worded for a hard week; and, when questions ride along, how many are left."""
    bad = [a for a, rating in check_in.areas.items() if rating == "bad"]
    if (check_in.motivation or 3) <= 2 or bad:
        return N_(
            "Thank you for telling me. It sounds like a hard week. {mentor} is there for you, "
            "and so are the coordinators of the programme."
        )
    if more > 1:
        return N_("Thank you! Two more short questions, then that's it for this week.")
    if more:
        return N_("Thank you! One more short question, then that's it for this week.")
    return N_("Thank you! That's it for this week.")


async def _steps_done(ctx: Context, answers: Mapping[str, Any]) -> None:
    for i in range(MAX_STEPS):
        if answers.get(f"step_{i}") != "yes":
            continue
        step = await ctx.uow.goals.get_step(int(answers[f"step_{i}_id"]))
        goal = await ctx.uow.goals.get(step.goal_id) if step else None
        mine = goal is not None and goal.person_id == ctx.person.id
        if step is not None and mine and step.status == "open":
            step.status, step.done_at = "done", ctx.now


async def _goals_done(ctx: Context, answers: Mapping[str, Any]) -> None:
    from conversations.goals import complete_goal

    for i in range(MAX_GOALS):
        if answers.get(f"goal_{i}") != "done":
            continue
        goal = await ctx.uow.goals.get(int(answers[f"goal_{i}_id"]))
        if goal is not None and goal.person_id == ctx.person.id and goal.status == "open":
            await complete_goal(ctx, goal)


async def _pass_on(ctx: Context, pair: Pair, check_in: CheckIn) -> None:
    """The answer to "anything your mentor should know?" goes to the mentor, voice as voice."""
    if check_in.comment is None and check_in.voice_file_id is None:
        return
    mentor = await ctx.uow.people.get(pair.mentor_id)
    if mentor is None or not mentor.reachable:
        return
    them = ctx.about(mentor)
    name = name_of(ctx.person)
    if check_in.voice_file_id is not None:
        caption = them.t(N_("{name} sent you a voice note with this week's check-in."), name=name)
        await them.send_voice(check_in.voice_file_id, caption)
    else:
        await them.say(
            them.t(N_("{name} wants you to know (from this week's check-in):"), name=name)
            + "\n\n"
            + str(check_in.comment)
        )


async def _signals(ctx: Context, pair: Pair, check_in: CheckIn) -> None:
    """Low or falling motivation, an area bad twice running, money or housing bad once."""
    recent = [c for c in await ctx.uow.checkins.latest(ctx.person.id, 6) if c.status == "answered"]
    previous = next((c for c in recent if c.id != check_in.id), None)
    now = check_in.motivation or 0
    if previous is not None and now <= 2 and (previous.motivation or 5) <= 2:
        await _signal(ctx, pair, "motivation_low")
    window = [c for c in recent if c.motivation and check_in.asked_at - c.asked_at <= FALLING_WINDOW]
    if window and max(c.motivation or 0 for c in window) - now >= 2 and len(window) >= 2:
        await _signal(ctx, pair, "motivation_falling")
    for area, rating in check_in.areas.items():
        if rating != "bad":
            continue
        if area in URGENT_AREAS:
            await _signal(ctx, pair, f"{area}_bad")
        elif previous is not None and previous.areas.get(area) == "bad":
            await _signal(ctx, pair, f"area_bad:{area}", area=area)


async def _signal(ctx: Context, pair: Pair, kind: str, *, area: str | None = None) -> None:
    """Store the signal once while it is open; it becomes (or joins) a concern for the coordinators."""
    if not await ctx.uow.signals.raise_once(pair.id, kind, ctx.now):
        return
    learner = await ctx.uow.people.get(pair.learner_id)
    fields: dict[str, object] = {"learner": name_of(learner)}
    if area is not None:  # in the programme's language, like the line it goes into
        fields["area"] = concerns.staff_translator(ctx)(AREA_NAMES[area])
    await concerns.signal(ctx, pair, kind, SIGNALS[kind.split(":")[0]], **fields)


RATING_OPTIONS = tuple(Option(code, label) for code, label, _ in RATINGS)
PROGRESS_OPTIONS = tuple(Option(code, label) for code, label in PROGRESS)
FACE_OPTIONS = tuple(Option(str(level), face) for level, face in enumerate(FACES, 1))


# The goal and next-step questions are worded when the check-in starts (they quote the learner's
# own goal), so their prompts are just that answer.
def _worded(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """The mentor's name for the prompts; a check-in asked before names were kept in its answers
    (asked before an update, answered after) gets the unnamed mark rather than failing."""
    return {"mentor": str(answers.get("mentor") or UNNAMED)}


FLOW = Flow(
    name=NAME,
    title=N_("the weekly check-in"),
    fields=_worded,
    steps=(
        Step(
            "motivation",
            N_("Quick check-in (under a minute). How motivated do you feel this week?"),
            StepKind.CHOICE,
            options=FACE_OPTIONS,
            columns=3,
            next=_next("motivation"),
        ),
        Step(
            "areas",
            N_("Which of these matter for you right now? I will ask about them each week. Tap, then “Done”."),
            StepKind.MULTI_CHOICE,
            options=tuple(Option(code, label) for code, label in AREAS),
            columns=2,
            apply=remember_areas,
            next=_next("areas"),
        ),
        *(
            Step(
                f"area_{code}",
                AREA_PROMPTS[code],
                StepKind.CHOICE,
                options=RATING_OPTIONS,
                columns=3,
                next=_next(f"area_{code}"),
            )
            for code in AREA_CODES
        ),
        *(
            Step(
                f"goal_{i}",
                f"{{goal_{i}_q}}",
                StepKind.CHOICE,
                options=PROGRESS_OPTIONS,
                columns=3,
                next=_next(f"goal_{i}"),
            )
            for i in range(MAX_GOALS)
        ),
        *(
            Step(f"step_{i}", f"{{step_{i}_q}}", StepKind.YES_NO, next=_next(f"step_{i}"))
            for i in range(MAX_STEPS)
        ),
        Step(
            "comment",
            N_("Anything you want {mentor} to know? Write it, or send a voice note. Or tap “Skip”."),
            StepKind.TEXT,
            max_length=1000,
            optional=True,
            voice=True,
        ),
    ),
    on_complete=answered,
)
# /areas: the learner changes which areas their check-in asks about (chosen ones ticked).
AREAS_FLOW = Flow(
    name=AREAS_NAME,
    steps=(replace(FLOW.step("areas"), next=None),),
    on_complete=areas_saved,
    nudge_after=None,
)
FLOWS = (FLOW, AREAS_FLOW)


FEATURE = Feature(
    "check-ins",
    commands=(CommandEntry("areas", areas_command, N_("What your weekly check-in asks about"), LEARNERS),),
    jobs={JOB: ask_due, EXPIRE_JOB: expire},
    flows=FLOWS,
    help=(HelpLine(N_("/areas – what your weekly check-in asks about"), LEARNERS),),
)
