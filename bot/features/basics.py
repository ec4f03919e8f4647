"""What works everywhere, whoever you are: /help, /profile, /back and /cancel, the buttons of the
question being asked, and the reminder of a question left unanswered."""

from __future__ import annotations

from bot.callbacks import Page
from bot.context import Context
from bot.events import ButtonPress, Inbound
from bot.feature import EVERYONE, NOT_STAFF, CommandEntry, Feature, HelpLine, help_lines
from bot.i18n import N_
from bot.services import paging
from conversations import concern, learner, mentor, relay
from conversations.engine import DEADLINE_JOB, NUDGE_JOB
from conversations.engine import PREFIX as FLOW_PREFIX
from conversations.flow import REVIEW
from conversations.welcome import NAME as WELCOME

INTRO = N_("I am Tandem, the companion of your mentoring programme.")
HEADINGS = {"coordinator": N_("For coordinators:"), "mentor": N_("For mentors:")}


async def help_(ctx: Context, event: Inbound) -> None:
    """The commands of the person's role, from the features' records, the concern button and the
    button to write to one's partner."""
    common, own = help_lines(ctx.features, ctx.person.role)
    heading = HEADINGS.get(ctx.person.role or "")
    lines = [INTRO, *common, *([heading] if heading and own else []), *own]
    keyboard = (*(concern.button(ctx) or ()), *await relay.button(ctx))
    await ctx.say("\n".join(ctx.t(line) for line in lines), keyboard or None)


async def profile(ctx: Context, event: Inbound) -> None:
    """The end-of-onboarding summary again, with its "edit a field" buttons."""
    person = ctx.person
    if person.role == "learner" and person.consent_at is not None:
        await ctx.engine.start(ctx, learner.NAME, learner.answers_of(person), at=REVIEW)
    elif person.role == "mentor" and person.screening is not None:
        await ctx.engine.start(ctx, mentor.NAME, mentor.answers_of(person), at=REVIEW)
    elif person.role == "coordinator":
        await ctx.engine.start(ctx, WELCOME, {"role": person.role}, at="language")
    else:
        await ctx.say(ctx.t(N_("There is nothing in your profile yet. Send /start to begin.")))


async def cancel(ctx: Context, event: Inbound) -> None:
    if await ctx.engine.cancel(ctx):
        await ctx.say(ctx.t(N_("Okay, I stopped here. Send /start whenever you want to begin again.")))
        await ctx.engine.bring_forward(ctx)  # what waited behind it comes now
    else:
        await ctx.say(ctx.t(N_("There is nothing to cancel right now.")))


async def back(ctx: Context, event: Inbound) -> None:
    if not await ctx.engine.back(ctx):
        await ctx.say(ctx.t(N_("There is no question to go back to. Send /start to begin.")))


async def flow_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    await ctx.engine.on_press(ctx, event)


async def nudge(ctx: Context, payload: dict[str, object]) -> None:
    await ctx.engine.nudge(ctx, payload)


async def deadline(ctx: Context, payload: dict[str, object]) -> None:
    await ctx.engine.deadline(ctx, payload)


FEATURE = Feature(
    "basics",
    commands=(
        CommandEntry("help", help_, N_("What I can do"), EVERYONE),
        CommandEntry("back", back, N_("Go back one question"), EVERYONE),
        CommandEntry("cancel", cancel, N_("Stop the current conversation"), EVERYONE),
        CommandEntry("profile", profile, N_("What you told me, to change an answer"), NOT_STAFF),
    ),
    buttons={FLOW_PREFIX: flow_pressed, Page.prefix: paging.pressed},  # a question's; a list's pages
    jobs={NUDGE_JOB: nudge, DEADLINE_JOB: deadline},
    help=(
        HelpLine(N_("/back – go back one question"), EVERYONE),
        HelpLine(N_("/cancel – stop the current conversation"), EVERYONE),
        HelpLine(N_("/profile – what you told me, to change an answer"), EVERYONE),
        HelpLine(N_("/help – this message"), EVERYONE),
    ),
)
