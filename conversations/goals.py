"""A learner's goals: one to three, in their own words, each with a category, an optional date and
small next steps. The learner chooses per goal whether the mentor sees it; the mentor sees only
those, and may add next steps to them.

Buttons carry ``g1:<goal id>:<action>`` (``g1:0:new`` adds a goal). Every press is checked again:
the goal is the presser's own (or, for a mentor, shared by their current learner and an action a
mentor may take) and still open; anything else is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from bot.callbacks import Callback, Tag, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import IN_A_PAIR, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import readiness
from conversations import sharing, which_learner
from conversations.common import check_text, name_of
from conversations.flow import REVIEW, Flow, Option, Step, StepKind
from storage.models import Goal, NextStep, Pair, Person

NEW, NEXT_STEP = "goal_new", "next_step"
PREFIX = "g1"
MOST = 3  # open goals at a time: a few the learner can keep in mind
VAGUE_WORDS = 6  # fewer words than this and no number: one question to make it concrete
SHORT = 30  # a goal's words on its button
LEARNER_ACTIONS = frozenset({"show", "list", "done", "edit", "drop", "step", "share", "unshare"})
MENTOR_ACTIONS = frozenset({"step"})

CATEGORIES = (
    Option("exam", N_("exam")),
    Option("attendance", N_("attendance")),
    Option("work", N_("work relations")),
    Option("career", N_("career")),
    Option("language", N_("language")),
    Option("personal", N_("personal")),
)
CATEGORY_NAMES = {option.value: option.label for option in CATEGORIES}
SHARE = (Option("yes", N_("Yes, my mentor may see it")), Option("no", N_("No, just for me")))
BY_WHEN = N_("By when? (optional) A date like 30.06.2026.")
BY_DATE = N_("by {date}")
SHARED, PRIVATE = N_("your mentor sees it"), N_("just for you")
FULL = N_("You have three open goals: that is plenty for now. Mark one done or drop it, then add a new one.")
GONE = N_("That goal is no longer open, so nothing was changed.")
NOT_YOURS = N_("This button is not for you.")
STALE = N_("This button is no longer active.")
Action = Literal["show", "list", "done", "edit", "drop", "step", "share", "unshare", "new"]


@dataclass(frozen=True)
class GoalAction(Callback, prefix=PREFIX):
    goal: int  # 0 for "new"
    action: Action


@dataclass(frozen=True)
class LearnersGoals(Callback, prefix=PREFIX):
    """A mentor with several learners: the goals this one shares."""

    learner: Annotated[int, Tag("l")]


# --- the questions ---------------------------------------------------------------------------


def is_vague(text: str) -> bool:
    """A few words and no number ("get better at school"): worth one question, never more."""
    return len(text.split()) < VAGUE_WORDS and not any(ch.isdigit() for ch in text)


def after_text(answers: Mapping[str, Any]) -> str:
    return "measure" if is_vague(str(answers.get("text") or "")) else "category"


def not_past(ctx: Context, value: Any) -> str | None:
    if isinstance(value, date) and value < readiness.today(ctx):
        return N_("That day has passed. Please send a date from today on, or tap Skip.")
    return None


def chosen_date(ctx: Context) -> tuple[Option, ...]:
    """The target date answered, written as its reader writes dates (what the review shows)."""
    value = ctx.flow_answers.get("target")
    if not value:
        return ()
    return (Option(str(value), ctx.t.date(date.fromisoformat(str(value))), translate=False),)


def answers_of(goal: Goal) -> dict[str, Any]:
    """A goal as the answers of the flow that made it, for changing it in the review."""
    answers: dict[str, Any] = {
        "goal": goal.id,
        "text": goal.text,
        "category": goal.category,
        "target": goal.target_on.isoformat() if goal.target_on else None,
        "share": "yes" if goal.shared else "no",
    }
    if is_vague(goal.text):
        answers["measure"] = goal.measure
    return answers


# --- reading goals ---------------------------------------------------------------------------


def shorten(text: str, limit: int = SHORT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def active_pair(ctx: Context, person_id: int) -> Pair | None:
    """The person's pair while mentoring runs (not before both decided to go on)."""
    pair = await ctx.uow.pairs.current_for(person_id)
    return pair if pair is not None and pair.status == "active" else None


async def mentor_of(ctx: Context, learner_id: int) -> Person | None:
    pair = await active_pair(ctx, learner_id)
    if pair is None or pair.learner_id != learner_id:
        return None
    return await ctx.uow.people.get(pair.mentor_id)


async def describe(ctx: Context, goal: Goal, number: int, *, mine: bool) -> list[str]:
    """A goal in a few lines: its words, what it is about, by when, who sees it, its open steps."""
    details = [ctx.t(CATEGORY_NAMES.get(goal.category, N_("personal")))]
    if goal.target_on is not None:
        details.append(ctx.t(BY_DATE, date=ctx.t.date(goal.target_on)))
    if mine:
        details.append(ctx.t(SHARED if goal.shared else PRIVATE))
    lines = [f"{number}. {goal.text}", "    " + " · ".join(details)]
    if goal.measure:
        lines.append("    " + ctx.t(N_("Done when: {measure}"), measure=goal.measure))
    for step in await ctx.uow.goals.steps_of(goal.id):
        if step.status != "open":
            continue
        due = f" ({ctx.t(BY_DATE, date=ctx.t.date(step.due_on))})" if step.due_on else ""
        lines.append(f"    → {step.text}{due}")
    return lines


def data(goal: Goal | None, action: Action) -> str:
    return pack(GoalAction(goal.id if goal else 0, action))


async def show(ctx: Context, text: str, keyboard: Keyboard, message_id: int | None) -> None:
    """In place of the message pressed, when there is one: the chat does not fill with lists."""
    if message_id is None:
        await ctx.say(text, keyboard)
    else:
        await ctx.edit(message_id, text, keyboard)


async def show_list(ctx: Context, message_id: int | None = None) -> None:
    """The learner's open goals, a button for each, and "Add a goal" while there is room."""
    goals = await ctx.uow.goals.of(ctx.person.id)
    lines = [ctx.t(N_("Your goals:"))]
    rows: list[tuple[Button, ...]] = []
    for number, goal in enumerate(goals, 1):
        lines += ["", *await describe(ctx, goal, number, mine=True)]
        rows.append((Button(f"{number}. {shorten(goal.text)}", data=data(goal, "show")),))
    if len(goals) < MOST:
        rows.append((Button(ctx.t(N_("Add a goal")), data=data(None, "new")),))
    else:
        lines += ["", ctx.t(FULL)]
    await show(ctx, "\n".join(lines), tuple(rows), message_id)


async def show_goal(ctx: Context, goal: Goal, message_id: int | None) -> None:
    goals = await ctx.uow.goals.of(ctx.person.id)
    number = next((i for i, g in enumerate(goals, 1) if g.id == goal.id), 1)
    share: tuple[str, Action] = (
        (ctx.t(N_("Stop sharing")), "unshare") if goal.shared else (await sharing.share_label(ctx), "share")
    )
    keyboard = (
        (
            Button(ctx.t(N_("Done 🎉")), data=data(goal, "done")),
            Button(ctx.t(N_("Edit")), data(goal, "edit")),
        ),
        (
            Button(ctx.t(N_("Add a next step")), data(goal, "step")),
            Button(ctx.t(N_("Drop")), data(goal, "drop")),
        ),
        (Button(share[0], data=data(goal, share[1])),),
        (Button(ctx.t(N_("Back to the list")), data=data(goal, "list")),),
    )
    await show(ctx, "\n".join(await describe(ctx, goal, number, mine=True)), keyboard, message_id)


async def mentor_list(ctx: Context) -> None:
    """What the mentor sees: only the open goals their learner shares; with several learners,
    they choose whose first."""
    mine = await which_learner.mentored(ctx)
    if not mine:
        await ctx.say(
            ctx.t(N_("You have no learner yet: their goals appear here once your mentoring starts."))
        )
    elif len(mine) > 1:
        await which_learner.ask(ctx, mine, lambda pair, learner: pack(LearnersGoals(learner.id)))
    else:
        await _shared_with_mentor(ctx, mine[0][1])


async def _shared_with_mentor(ctx: Context, learner: Person) -> None:
    name = name_of(learner)
    goals = [goal for goal in await ctx.uow.goals.of(learner.id) if goal.shared]
    if not goals:
        await ctx.say(ctx.t(N_("{name} has not shared any goals with you yet."), name=name))
        return
    lines = [ctx.t(N_("The goals {name} shares with you:"), name=name)]
    rows: list[tuple[Button, ...]] = []
    for number, goal in enumerate(goals, 1):
        lines += ["", *await describe(ctx, goal, number, mine=False)]
        label = ctx.t(N_("Add a next step to goal {number}"), number=number)
        rows.append((Button(label, data=data(goal, "step")),))
    await ctx.say("\n".join(lines), tuple(rows))


# --- /goals and its buttons ------------------------------------------------------------------


async def command(ctx: Context, event: Inbound) -> None:
    """/goals: the learner's own (or a first one at once), the mentor's learner's shared ones."""
    person = ctx.person
    if person.role == "learner" and person.consent_at is not None:
        if await ctx.uow.goals.of(person.id):
            await show_list(ctx)
        else:
            await ctx.start_flow(NEW)
    elif person.role == "learner":
        await ctx.say(ctx.t(N_("First tell me a little about yourself: send /start.")))
    elif person.role == "mentor":
        await mentor_list(ctx)
    elif person.role == "coordinator":
        await ctx.say(ctx.t(N_("Goals belong to a learner; only their mentor sees the ones they share.")))
    else:
        await ctx.say(ctx.t(N_("Goals are for learners in the programme. Send /start to begin.")))


async def side(ctx: Context, goal: Goal, action: str) -> str | None:
    """Whose press this is: the goal's own learner's, its learner's current mentor's (an action a
    mentor may take, on a shared goal), or nobody's (None)."""
    if goal.person_id == ctx.person.id and ctx.person.role == "learner":
        return "learner" if action in LEARNER_ACTIONS else None
    if ctx.person.role == "mentor" and action in MENTOR_ACTIONS and goal.shared:
        if await which_learner.chosen(ctx, goal.person_id) is not None:  # one of their learners
            return "mentor"
    return None


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, GoalAction, LearnersGoals)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    if isinstance(press, LearnersGoals):  # a mentor chose among their learners
        found = await which_learner.chosen(ctx, press.learner)
        if found is None:
            ctx.answer_button(event.callback_id, ctx.t(NOT_YOURS), alert=True)
            return
        ctx.answer_button(event.callback_id)
        await _shared_with_mentor(ctx, found[1])
        return
    if press.action == "new":
        await add_pressed(ctx, event)
        return
    goal = await ctx.uow.goals.get(press.goal)
    if goal is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    who = await side(ctx, goal, press.action)
    if who is None:
        ctx.answer_button(event.callback_id, ctx.t(NOT_YOURS), alert=True)
        return
    if goal.status != "open":
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    await act(ctx, event, goal, press.action)


async def add_pressed(ctx: Context, event: ButtonPress) -> None:
    if ctx.person.role != "learner" or ctx.person.consent_at is None:
        ctx.answer_button(event.callback_id, ctx.t(NOT_YOURS), alert=True)
        return
    if len(await ctx.uow.goals.of(ctx.person.id)) >= MOST:
        ctx.answer_button(event.callback_id, ctx.t(FULL), alert=True)
        return
    ctx.answer_button(event.callback_id)
    await ctx.start_flow(NEW)


async def act(ctx: Context, event: ButtonPress, goal: Goal, action: str) -> None:
    """One checked press on a goal's button."""
    toast = {"share": N_("Your mentor sees this goal now."), "unshare": N_("This goal is just for you now.")}
    ctx.answer_button(event.callback_id, ctx.t(toast[action]) if action in toast else None)
    if action == "show":
        await show_goal(ctx, goal, event.message_id)
    elif action == "list":
        await show_list(ctx, event.message_id)
    elif action in ("share", "unshare"):
        goal.shared, goal.updated_at = action == "share", ctx.now
        await show_goal(ctx, goal, event.message_id)
    elif ctx.person.id == goal.person_id and event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, None)  # the goal's card has done its job
    if action == "done":
        await complete_goal(ctx, goal)
    elif action == "drop":
        goal.status, goal.updated_at = "dropped", ctx.now
        await ctx.say(ctx.t(N_("Dropped. You can add a new goal any time with /goals.")))
    elif action == "edit":
        await ctx.engine.start(ctx, NEW, answers_of(goal), at=REVIEW)
    elif action == "step":
        await ctx.start_flow(NEXT_STEP, {"goal": goal.id})


async def complete_goal(ctx: Context, goal: Goal) -> None:
    """The learner reached a goal: a short celebration, and their mentor is told if it is shared."""
    goal.status, goal.done_at, goal.updated_at = "done", ctx.now, ctx.now
    await ctx.say(ctx.t(N_("You did it: “{goal}” 🎉 Well done! Be proud of yourself."), goal=goal.text))
    mentor = await mentor_of(ctx, goal.person_id) if goal.shared else None
    if mentor is not None:
        them = ctx.about(mentor)
        await them.say(
            them.t(N_("{name} reached a goal: {goal} 🎉"), name=name_of(ctx.person), goal=goal.text)
        )


# --- completing the flows --------------------------------------------------------------------


async def goal_saved(ctx: Context, answers: dict[str, Any]) -> None:
    """A new goal, or (with the goal's id in the answers) the same goal changed."""
    person = ctx.person
    if person.role != "learner":
        await ctx.say(ctx.t(N_("Goals are for learners in the programme. Send /start to begin.")))
        return
    if answers.get("goal") is None:
        if len(await ctx.uow.goals.of(person.id)) >= MOST:
            await ctx.say(ctx.t(FULL))
            return
        goal = Goal(person_id=person.id, status="open", created_at=ctx.now)
        fill(ctx, goal, answers)
        await ctx.uow.goals.add(goal)
    else:
        found = await ctx.uow.goals.get(int(answers["goal"]))
        if found is None or found.person_id != person.id or found.status != "open":
            await ctx.say(ctx.t(GONE))
            return
        fill(ctx, found, answers)
    await ctx.say(ctx.t(N_("Saved.")))
    await show_list(ctx)


def fill(ctx: Context, goal: Goal, answers: Mapping[str, Any]) -> None:
    target = answers.get("target")
    goal.text = str(answers["text"])
    goal.measure = str(answers["measure"]) if answers.get("measure") else None
    goal.category = str(answers.get("category") or "personal")
    goal.target_on = date.fromisoformat(str(target)) if target else None
    goal.shared = answers.get("share") == "yes"
    goal.updated_at = ctx.now


async def step_added(ctx: Context, answers: dict[str, Any]) -> None:
    """A next step on a goal; the other one of the pair hears of it (the mentor only if shared)."""
    goal = await ctx.uow.goals.get(int(answers.get("goal") or 0))
    who = await side(ctx, goal, "step") if goal is not None else None
    if goal is None or who is None or goal.status != "open":
        await ctx.say(ctx.t(GONE))
        return
    due = date.fromisoformat(str(answers["due"])) if answers.get("due") else None
    text = str(answers["text"])
    step = NextStep(
        goal_id=goal.id, text=text, due_on=due, added_by=ctx.person.id, status="open", created_at=ctx.now
    )
    await ctx.uow.goals.add_step(step)
    if who == "learner":
        other = await mentor_of(ctx, goal.person_id) if goal.shared else None
        message = N_("{name} added a next step to the goal “{goal}”: {step}")
    else:
        other = await ctx.uow.people.get(goal.person_id)
        message = N_("{name} added a next step to your goal “{goal}”: {step}")
    if other is not None:
        them = ctx.about(other)
        told = them.t(message, name=name_of(ctx.person), goal=goal.text, step=text)
        if due is not None:
            told += f" ({them.t(BY_DATE, date=them.t.date(due))})"
        await them.say(told)
    if who == "learner":
        await ctx.say(ctx.t(N_("Added.")))
        await show_list(ctx)
    else:
        await ctx.say(ctx.t(N_("Added. {name} is told."), name=name_of(other)))


GOAL_FLOW = Flow(
    name=NEW,
    steps=(
        Step(
            "text",
            N_("What do you want to reach? Say it in your own words."),
            StepKind.TEXT,
            max_length=200,
            validate=check_text,
            next=after_text,
            label=N_("Your goal"),
        ),
        Step(
            "measure",
            N_("How will you know you got there?"),
            StepKind.TEXT,
            max_length=200,
            validate=check_text,
            optional=True,
            label=N_("How you will know"),
        ),
        Step(
            "category",
            N_("What is this goal about?"),
            StepKind.CHOICE,
            options=CATEGORIES,
            columns=2,
            label=N_("About"),
        ),
        # The options only name the answered date in the review, in the reader's way of writing it.
        Step(
            "target",
            BY_WHEN,
            StepKind.DATE,
            optional=True,
            check=not_past,
            options=chosen_date,
            label=N_("By when"),
        ),
        Step(
            "share",
            N_("May your mentor see this goal?"),
            StepKind.CHOICE,
            options=SHARE,
            label=N_("Your mentor"),
        ),
    ),
    on_complete=goal_saved,
)
STEP_FLOW = Flow(
    name=NEXT_STEP,
    steps=(
        Step(
            "text",
            N_("What is the next small step? (For example: ask the trainer about the exam date)"),
            StepKind.TEXT,
            max_length=200,
            validate=check_text,
        ),
        Step("due", BY_WHEN, StepKind.DATE, optional=True, check=not_past),
    ),
    on_complete=step_added,
)
FLOWS = (GOAL_FLOW, STEP_FLOW)


FEATURE = Feature(
    "goals",
    commands=(CommandEntry("goals", command, N_("Your goals and next steps"), IN_A_PAIR),),
    buttons={PREFIX: pressed},
    flows=FLOWS,
    help=(HelpLine(N_("/goals – goals and next steps"), IN_A_PAIR),),
)
