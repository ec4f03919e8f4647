"""Raising a concern: anyone in a pair can tell a coordinator, at any time, that something is wrong.

/concern, or the "I need help" / "I'm worried" button under /help. Three questions: what it is
about (by role), how urgent, and anything more in words or as a voice note. The person is told
who will read it before they write; a learner's concern about their mentor never reaches the
mentor. A learner's safety concern is always urgent, and shows the programme's help lines at once.

Learners and approved mentors raise concerns. A volunteer whose application is open or was
declined, or a suspended mentor, has no one in the programme to raise one about: they read how to
reach the programme instead, and no alert goes out.

A person raises at most ``LIMIT`` concerns within ``WINDOW`` as alerts of their own: a worry,
another one, a correction. More within the hour is nearly always the same worry again (or a
flood), and each alert would page every coordinator again, with its overdue copies. So a further
one is not lost but joins the person's newest open case (a line of its log, the alert edited in
place), and the person is told that the coordinators have it. One more severe than that case still
goes out as an alert of its own: an edit notifies nobody, and an urgent worry must reach someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import IN_A_PAIR, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services.concerns import KINDS, RANK, log_entry, raise_concern, refresh_alert, staff_translator
from bot.services.people import name_of
from conversations import which_learner
from conversations.flow import END, Flow, Option, Step, StepKind
from storage.models import Concern, Pair, Person
from storage.repositories import LIVE_PAIRS

NAME = "concern"
LEARNERS = "learners"  # in the answers: a mentor's [learner id, name] pairs to choose from
PREFIX = "cc1"  # cc1:start — the button under /help
RAISERS = ("learner", "mentor")
LIMIT, WINDOW = 3, timedelta(hours=1)  # alerts of one's own; more are added to the newest case

LEARNER_KINDS = (
    Option("safety", N_("Safety, or someone is hurting me")),
    Option("quitting", N_("Thinking of quitting my training")),
    Option("work_school", N_("Trouble at work or school")),
    Option("mentor", N_("A problem with my mentor")),
    Option("money_housing", N_("Money or housing")),
    Option("other", N_("Something else")),
)
MENTOR_KINDS = (
    Option("learner_safety", N_("Worried about my learner's safety")),
    Option("no_show", N_("My learner is not showing up")),
    Option("conflict", N_("A conflict")),
    Option("other", N_("Something else")),
)
TODAY, THIS_WEEK, LATER = "today", "week", "later"
URGENCY = (
    Option(TODAY, N_("Urgent: today")),
    Option(THIS_WEEK, N_("This week")),
    Option(LATER, N_("It can wait")),
)
BUTTON = {"learner": N_("I need help"), "mentor": N_("I'm worried")}
NOT_FOR_COORDINATORS = N_(
    "Learners and mentors raise concerns here; you get them as alerts in the coordinators' group."
)
NOT_YET = N_("Concerns are for the learners and mentors of the programme. Send /start to join first.")
NOT_APPROVED = N_(
    "Concerns raised here are for the programme's learners and approved mentors. If something "
    "worries you, please write to the programme: {contact}. If someone is in danger right now, "
    "call the emergency number."
)
THANKS = N_("Thank you for telling us. A coordinator will get back to you soon.")
ADDED = N_(
    "Thank you. You have told us several things within the hour, so I added this to what you "
    "told us before: the coordinators have all of it, and a coordinator will get back to you soon."
)
HELP_NOW = N_("You do not have to wait for us. If you need help right now, you can call:")
NO_HELP_LINES = N_("If you are in danger right now, call the emergency number.")


@dataclass(frozen=True)
class RaiseConcern(Callback, prefix=PREFIX):
    start: Literal["start"]


START = pack(RaiseConcern("start"))


def _kinds(ctx: Context) -> tuple[Option, ...]:
    return MENTOR_KINDS if ctx.person.role == "mentor" else LEARNER_KINDS


def may_raise(person: Person) -> bool:
    """A learner, or a mentor the programme approved (not an applicant, declined or suspended)."""
    return person.role == "learner" or (person.role == "mentor" and person.screening == "approved")


def button(ctx: Context) -> Keyboard | None:
    """The one-button keyboard under /help, for the people who can raise a concern."""
    label = BUTTON.get(ctx.person.role or "")
    return ((Button(ctx.t(label), data=START),),) if label and may_raise(ctx.person) else None


async def command(ctx: Context, event: Inbound) -> None:
    """/concern: the flow for learners and mentors, one line for everyone else."""
    await _begin(ctx)


async def pressed(ctx: Context, event: Inbound) -> None:
    """cc1:start, the button under /help; the role is checked again on the press."""
    assert isinstance(event, ButtonPress)
    if unpack(event.data, RaiseConcern) is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    ctx.answer_button(event.callback_id)
    await _begin(ctx)


async def _begin(ctx: Context) -> None:
    role = ctx.person.role
    if role not in RAISERS:
        await ctx.say(ctx.t(NOT_FOR_COORDINATORS if role == "coordinator" else NOT_YET))
        return
    if not may_raise(ctx.person):
        await _not_approved(ctx)
        return
    mine = await which_learner.mentored(ctx, LIVE_PAIRS) if role == "mentor" else []
    if len(mine) > 1:  # a mentor of several says which learner it is about, first
        learners = [[learner.id, name_of(learner)] for _, learner in mine]
        await ctx.start_flow(NAME, {LEARNERS: learners})
    else:
        await ctx.engine.start(ctx, NAME, at="about")


async def _not_approved(ctx: Context) -> None:
    await ctx.say(ctx.t(NOT_APPROVED, contact=ctx.rules.contact or "–"))


def severity_of(kind: str, urgency: str | None) -> str:
    """A learner's safety is always urgent; otherwise what the person said."""
    if kind == "safety" or urgency == TODAY:
        return "urgent"
    return "high" if urgency == THIS_WEEK else "normal"


async def _show_help_lines(ctx: Context, value: Any) -> None:
    """Someone who may be in danger sees where to get help now, before anything else is asked."""
    if value == "safety":
        await ctx.say(help_lines(ctx))


def _after_about(answers: Mapping[str, Any]) -> str:
    return _details_step(answers) if answers.get("about") == "safety" else "urgency"  # always urgent


def _details_step(answers: Mapping[str, Any]) -> str:
    return "details_private" if answers.get("about") == "mentor" else "details"


async def raised(ctx: Context, answers: dict[str, Any]) -> None:
    """Hand the concern to the coordinators."""
    if ctx.person.role not in RAISERS:  # the role changed while the questions were open
        await ctx.say(ctx.t(NOT_YET))
        return
    # A mentor suspended while telling it began when they could: their words are kept.
    known = {option.value for option in _kinds(ctx)}
    kind = str(answers.get("about")) if answers.get("about") in known else "other"
    severity = severity_of(kind, answers.get("urgency"))
    details = answers.get("details") or answers.get("details_private")
    text = details if isinstance(details, str) else None
    voice = str(details["voice"]) if isinstance(details, dict) and details.get("voice") else None
    pair, subject = await _pair_and_subject(ctx, answers)
    newest = await _over_the_limit(ctx, severity, pair, subject)
    if newest is not None:
        await _add_to(ctx, newest, kind, text, voice)
        await ctx.say(ctx.t(ADDED))
        return
    await raise_concern(
        ctx,
        kind=kind,
        severity=severity,
        subject=subject,
        pair=pair,
        raised_by=ctx.person,
        text=text,
        voice_file_id=voice,
        about_mentor=(kind == "mentor"),
    )
    await ctx.say(ctx.t(THANKS))


async def _over_the_limit(
    ctx: Context, severity: str, pair: Pair | None, subject: Person | None
) -> Concern | None:
    """The case a further concern joins: the person's newest open one about the same learner and
    pair, when they raised ``LIMIT`` concerns within ``WINDOW`` and it is at least as severe as the
    new one. A worry about another learner of a mentor's, or about a learner's new pair, is a case
    of its own: joined to another, it would be read as about the wrong pair, and the words naming
    the new partner would stay when that partner deletes their data."""
    if await ctx.uow.concerns.raised_by_since(ctx.person.id, ctx.now - WINDOW) < LIMIT:
        return None
    newest = await ctx.uow.concerns.newest_open_raised_by(
        ctx.person.id,
        pair_id=pair.id if pair is not None else None,
        subject_id=subject.id if subject is not None else None,
    )
    return newest if newest is not None and RANK[newest.severity] <= RANK[severity] else None


async def _add_to(ctx: Context, concern: Concern, kind: str, text: str | None, voice: str | None) -> None:
    """One more worry, as a line of the case's log and its alert edited in place: no new alert."""
    staff = staff_translator(ctx)
    what = staff(KINDS.get(kind, KINDS["other"]))
    note = staff.labelled(what, text) if text else what
    await log_entry(ctx, concern, "added", ctx.person, note, voice_file_id=voice)
    concern.about_mentor = concern.about_mentor or kind == "mentor"
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)


async def _pair_and_subject(ctx: Context, answers: dict[str, Any]) -> tuple[Pair | None, Person | None]:
    """The learner it is about (the learner themself, or the mentor's learner: the one they chose,
    or their only one) and their pair."""
    if ctx.person.role == "learner":
        pair = await ctx.uow.pairs.current_for(ctx.person.id)
        return (pair if pair is not None and pair.learner_id == ctx.person.id else None), ctx.person
    if str(answers.get("learner") or "").isdigit():
        learner_id = int(answers["learner"])
        found = await which_learner.chosen(ctx, learner_id, LIVE_PAIRS)
        if found is not None:
            return found
        named = [entry for entry in answers.get(LEARNERS) or () if entry[0] == learner_id]
        return None, (await ctx.uow.people.get(learner_id)) if named else None  # the pair ended meanwhile
    mine = await which_learner.mentored(ctx, LIVE_PAIRS)
    return mine[0] if len(mine) == 1 else (None, None)


def _learner_options(ctx: Context) -> tuple[Option, ...]:
    """A mentor's learners when the concern began, by name."""
    return tuple(
        Option(str(learner_id), str(name), translate=False)
        for learner_id, name in ctx.flow_answers.get(LEARNERS) or ()
    )


def help_lines(ctx: Context) -> str:
    """The programme's help lines in the reader's language: name – phone – hours (– web page)."""
    lines = ctx.rules.help_lines
    if not lines:
        return ctx.t(NO_HELP_LINES)
    shown = [
        " – ".join(part for part in (line.label(ctx.t.locale), line.phone, line.hours, line.url) if part)
        for line in lines
    ]
    return ctx.t(HELP_NOW) + "\n" + "\n".join(f"• {entry}" for entry in shown)


def _details(step_id: str, prompt: str) -> Step:
    """The last step: more words or a voice note, optional; its prompt says who will read it."""
    return Step(step_id, prompt, StepKind.TEXT, max_length=2000, optional=True, voice=True, next=END)


FLOW = Flow(
    name=NAME,
    title=N_("telling us about a worry"),
    protected=True,  # a concern being told is never set aside, nor its words lost
    steps=(
        Step("learner", which_learner.WHICH, StepKind.CHOICE, options=_learner_options),
        Step(
            "about",
            N_("What is it about? Tap the one that fits best."),
            StepKind.CHOICE,
            options=_kinds,
            apply=_show_help_lines,
            next=_after_about,
        ),
        Step(
            "urgency",
            N_("How urgent is it?"),
            StepKind.CHOICE,
            options=URGENCY,
            next=_details_step,
        ),
        _details(
            "details",
            N_(
                "A coordinator of the programme will read this.\n\n"
                "Do you want to say more? Write it, or send a voice note. Or tap “Skip”."
            ),
        ),
        _details(
            "details_private",
            N_(
                "A coordinator will read this – not your mentor.\n\n"
                "Do you want to say more? Write it, or send a voice note. Or tap “Skip”."
            ),
        ),
    ),
    on_complete=raised,
    nudge_after=timedelta(hours=2),  # a concern left half-way matters more than a profile question
)
FLOWS = (FLOW,)


FEATURE = Feature(
    "concern",
    commands=(CommandEntry("concern", command, N_("Tell a coordinator about a worry"), IN_A_PAIR),),
    buttons={PREFIX: pressed},
    flows=FLOWS,
    help=(HelpLine(N_("/concern – tell a coordinator about a worry (or tap the button below)"), IN_A_PAIR),),
)
