"""Reflection: every few weeks (a programme setting) a learner gets one question from a rotating
set, answers in writing or with a voice note, and decides whether their mentor may read it.

A reflection is the learner's own: it reaches the mentor only after "Share with my mentor",
and ``/journal`` shows the learner everything they wrote, with their goals over time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.events import Inbound
from bot.feature import LEARNERS, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import phrase_screening, readiness
from conversations import rhythm
from conversations.common import name_of
from conversations.flow import Flow, Option, Step, StepKind
from storage.models import Goal, NextStep, Pair, Person, Reflection

NAME = "reflection"
JOB = "reflection.ask"
ASK_AT = time(18, 0)  # the evening after a check-in, in the programme's time zone
SLACK_DAYS = 3  # a check-in a few days early still counts as "every n weeks"
SHOWN = 10  # reflections in /journal
MESSAGE_LIMIT = 4000  # under Telegram's 4096, for the joins

# The rotating set, asked in this order; a reflection stores the index.
QUESTIONS = (
    N_("What went well this week?"),
    N_("What was hard this week?"),
    N_("What did you learn this week?"),
    N_("What would you do differently next time?"),
    N_("Who helped you this week?"),
)
PRIVATE, SHARE = "private", "share"
SHARE_OPTIONS = (
    Option(PRIVATE, N_("Keep it private")),
    Option(SHARE, N_("Share with my mentor")),
)
VOICE_NOTE = N_("🎤 voice note")
SAVED_PRIVATE = N_("Saved, just for you. /journal shows your reflections.")
SAVED_SHARED = N_("Saved and shared with {name}. /journal shows your reflections.")
NO_MENTOR_NOW = N_("Saved, just for you: you have no mentor at the moment. /journal shows your reflections.")
SHARED_WITH_YOU = N_("{name} shared a reflection with you:")
NO_REFLECTIONS = N_(
    "No reflections yet. Every few weeks I ask you one short question; your answers are kept here."
)
ONLY_LEARNERS = N_("The journal is for learners: it keeps their reflections and goals.")


def job_key(person_id: int) -> str:
    return f"reflection:{person_id}"


def next_evening(ctx: Context) -> datetime:
    """Tomorrow at 18:00 in the programme's time zone, in UTC."""
    zone = ZoneInfo(ctx.programme_zone)
    day = readiness.today(ctx) + timedelta(days=1)
    return datetime.combine(day, ASK_AT, zone).astimezone(ZoneInfo("UTC"))


async def due(ctx: Context) -> bool:
    """Is a learner's next reflection due (every ``reflection_every_weeks`` weeks)?"""
    if ctx.person.role != "learner":
        return False
    asked = [r.asked_at for r in await ctx.uow.reflections.of(ctx.person.id)]
    gap = timedelta(days=ctx.rules.reflection_every_weeks * 7 - SLACK_DAYS)
    return not asked or ctx.now - max(asked) >= gap


async def _learners_pair(ctx: Context) -> Pair | None:
    pair = await ctx.uow.pairs.current_for(ctx.person.id)
    if pair is None or pair.status != "active" or pair.learner_id != ctx.person.id:
        return None
    return pair


async def ride_along(ctx: Context, pair: Pair) -> None:
    """Right after a check-in (and the monthly question, if that came too): the next question of
    the set, waiting behind whatever is being answered."""
    await _ask_now(ctx, pair, behind=True)


async def ask(ctx: Context, payload: dict[str, Any]) -> None:
    """The due job (a question postponed, or set for a moment by hand): the next question of the
    set, unless the learner is paused, gone, unpaired or had the day's prompt already."""
    person = ctx.person
    if person.paused_at is not None or not person.reachable or person.role != "learner":
        return
    pair = await _learners_pair(ctx)
    if pair is None:
        return
    later = rhythm.held_until(ctx)
    if await ctx.uow.flows.of(person.id) is not None or later is not None:
        # Never cut into a conversation in progress (a question the partner waits for, say), nor
        # a second prompt into a day: one more try later, then the next check-in brings it.
        if not payload.get("postponed"):
            again = {**payload, "postponed": 1}
            await ctx.schedule(JOB, later or next_evening(ctx), again, dedupe_key=job_key(person.id))
        return
    await _ask_now(ctx, pair)


async def _ask_now(ctx: Context, pair: Pair, *, behind: bool = False) -> None:
    index = len(await ctx.uow.reflections.of(ctx.person.id)) % len(QUESTIONS)
    reflection = Reflection(person_id=ctx.person.id, question=index, asked_at=ctx.now, shared=False)
    await ctx.uow.reflections.add(reflection)
    await ctx.uow.session.flush()
    mentor = await ctx.uow.people.get(pair.mentor_id)
    rhythm.prompted(ctx)
    question = ctx.t(QUESTIONS[index])
    # The pair it is asked in: a mentor who leaves takes the question of sharing with them along.
    answers = {"reflection": reflection.id, "question": question, "pair": pair.id}
    answers["mentor_name"] = name_of(mentor)
    await ctx.start_flow(NAME, answers, behind=behind)


async def answered(ctx: Context, answers: dict[str, Any]) -> None:
    """Store the answer; only "Share with my mentor" lets the mentor read it."""
    reflection = await ctx.uow.reflections.get(int(answers.get("reflection") or 0))
    if reflection is None or reflection.person_id != ctx.person.id:
        await ctx.say(ctx.t(N_("This question is no longer open.")))
        return
    answer = answers.get("answer")
    if isinstance(answer, dict):
        reflection.voice_file_id, reflection.text = str(answer.get("voice") or ""), None
    else:
        reflection.text, reflection.voice_file_id = str(answer or ""), None
    reflection.answered_at = ctx.now
    pair = await _learners_pair(ctx)
    mentor = await ctx.uow.people.get(pair.mentor_id) if pair is not None else None
    reflection.shared = answers.get("share") == SHARE and mentor is not None
    if answers.get("share") != SHARE:
        await ctx.say(ctx.t(SAVED_PRIVATE))
        return
    if mentor is None:
        await ctx.say(ctx.t(NO_MENTOR_NOW))
        return
    await ctx.say(ctx.t(SAVED_SHARED, name=name_of(mentor)))
    await _pass_on(ctx, mentor, reflection)
    await phrase_screening.screen(ctx, reflection.text, pair=pair, source="reflection")
    # A spoken reflection is not passed to the coordinators: the learner was told they do not read
    # reflections, and her mentor, who hears it, raises a worry as for anything she says.


async def _pass_on(ctx: Context, mentor: Person, reflection: Reflection) -> None:
    """The shared reflection in the mentor's language: the question, then the text or the audio."""
    them = ctx.about(mentor)
    heading = them.t(SHARED_WITH_YOU, name=name_of(ctx.person))
    question = them.t(QUESTIONS[reflection.question % len(QUESTIONS)])
    if reflection.voice_file_id:
        await them.send_voice(reflection.voice_file_id, f"{heading}\n\n{question}")
        return
    await them.say(f"{heading}\n\n{question}\n{reflection.text}")


REFLECTION_FLOW = Flow(
    name=NAME,
    title=N_("a short reflection"),
    steps=(
        Step(
            "answer",
            N_("A question just for you:\n\n{question}\n\nWrite a few words, or send a voice note."),
            StepKind.TEXT,
            max_length=1000,
            voice=True,
        ),
        Step(
            "share",
            N_("Thank you! Should {mentor_name} read it too, or is it just for you?"),
            StepKind.CHOICE,
            options=SHARE_OPTIONS,
        ),
    ),
    on_complete=answered,
)
FLOWS = (REFLECTION_FLOW,)


# --- /journal ---------------------------------------------------------------------------------


async def journal(ctx: Context, event: Inbound) -> None:
    """/journal: the learner's own reflections, newest first, and their goals over time."""
    if ctx.person.role != "learner":
        await ctx.say(ctx.t(ONLY_LEARNERS))
        return
    pieces = [ctx.t(N_("📓 Your journal")), ""]
    pieces += await _reflection_lines(ctx)
    pieces += ["", ctx.t(N_("Your goals:"))]
    pieces += await _goal_lines(ctx)
    for message in pack(pieces):
        await ctx.say(message)


async def _reflection_lines(ctx: Context) -> list[str]:
    done = [r for r in await ctx.uow.reflections.of(ctx.person.id) if r.answered_at is not None]
    if not done:
        return [ctx.t(NO_REFLECTIONS)]
    lines = [ctx.t(N_("Your reflections, newest first:"))]
    for reflection in sorted(done, key=lambda r: r.answered_at or r.asked_at, reverse=True)[:SHOWN]:
        answer = ctx.t(VOICE_NOTE) if reflection.voice_file_id else (reflection.text or "")
        seen = ctx.t(N_("shared with your mentor")) if reflection.shared else ctx.t(N_("private"))
        question = ctx.t(QUESTIONS[reflection.question % len(QUESTIONS)])
        lines += ["", f"{ctx.t.date(reflection.asked_at)} · {question}\n{answer}\n({seen})"]
    return lines


async def _goal_lines(ctx: Context) -> list[str]:
    goals = await ctx.uow.goals.of(ctx.person.id, statuses=("open", "done", "dropped"))
    if not goals:
        return [ctx.t(N_("No goals yet. /goals sets one."))]
    lines = []
    for goal in goals:
        lines.append(f"• {goal.text} – {_goal_status(ctx, goal)}")
        for step in await ctx.uow.goals.steps_of(goal.id):
            if step.status == "done":
                lines.append(f"   ✓ {step.text}{_when(ctx, step)}")
    return lines


def _goal_status(ctx: Context, goal: Goal) -> str:
    if goal.status == "done":
        return ctx.t(N_("done on {date}"), date=ctx.t.date(goal.done_at or goal.updated_at))
    if goal.status == "dropped":
        return ctx.t(N_("dropped on {date}"), date=ctx.t.date(goal.updated_at))
    return ctx.t(N_("open since {date}"), date=ctx.t.date(goal.created_at))


def _when(ctx: Context, step: NextStep) -> str:
    return f" ({ctx.t.date(step.done_at)})" if step.done_at else ""


def pack(pieces: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines joined into as few messages as fit Telegram's length (a blank piece: a blank line)."""
    messages: list[list[str]] = [[]]
    size = -1  # the length of the message so far, less the newline before its first line
    for piece in (p[:limit] for p in pieces):
        if messages[-1] and size + 1 + len(piece) > limit:
            messages.append([])
            size = -1
        messages[-1].append(piece)
        size += 1 + len(piece)
    return [text for text in ("\n".join(m).strip() for m in messages) if text]


FEATURE = Feature(
    "reflection",
    commands=(CommandEntry("journal", journal, N_("Your reflections and goal history"), LEARNERS),),
    jobs={JOB: ask},
    flows=FLOWS,
    help=(HelpLine(N_("/journal – your reflections and goal history"), LEARNERS),),
)
