"""The person's rights, in the bot: /privacy, /mydata, /delete, /language, /pause, /resume."""

from __future__ import annotations

from bot.context import Context
from bot.events import Inbound
from bot.feature import EVERYONE, NOT_STAFF, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import consent
from conversations.my_data import export_person
from conversations.rights_flows import DELETE, DELETE_FLOW, LANGUAGE, LANGUAGE_FLOW

PRIVACY = N_(
    "What Tandem stores about you: your Telegram name and number, the language you chose, and your "
    "answers in our conversations (for example the name I should use, roughly where you live, your "
    "goals).\n"
    "Who sees what: your mentor sees the goals and session notes you choose to share; the "
    "coordinators of your programme see your check-in scores and any concerns; nobody else. "
    "Nothing is sold or published.\n"
    "/mydata sends you a copy of everything. /delete erases it. /pause stops my messages for a while."
)


async def privacy(ctx: Context, event: Inbound) -> None:
    await ctx.say(ctx.t(PRIVACY))


async def my_data(ctx: Context, event: Inbound) -> None:
    await ctx.send_document(
        "my-data.json", await export_person(ctx), ctx.t(N_("Everything Tandem stores about you."))
    )


async def delete(ctx: Context, event: Inbound) -> None:
    await ctx.engine.start(ctx, DELETE)


async def language(ctx: Context, event: Inbound) -> None:
    await ctx.engine.start(ctx, LANGUAGE)


async def pause(ctx: Context, event: Inbound) -> None:
    # A match being approved for them waits, or is waited for: its mentor hears of the pause,
    # or the approval finds them paused.
    await ctx.uow.lock_person(ctx.person.id)
    if ctx.person.paused_at is None:
        ctx.person.paused_at = ctx.now
        await _tell_coordinators(ctx, N_("{name} ({role}) paused Tandem."))
    await ctx.say(ctx.t(N_("Paused. I will not send you reminders or questions until you send /resume.")))


async def resume(ctx: Context, event: Inbound) -> None:
    await ctx.uow.lock_person(ctx.person.id)
    if ctx.person.paused_at is not None:
        ctx.person.paused_at = None
        await _tell_coordinators(ctx, N_("{name} ({role}) is back from a pause."))
    await ctx.say(ctx.t(N_("Welcome back! I will send you reminders and questions again.")))


async def _tell_coordinators(ctx: Context, message: str) -> None:
    """Coordinators see who paused, and so do their partners in running pairs."""
    if ctx.person.role is None:
        return
    # The partners know why it is quiet: a learner's mentor, or each of a mentor's learners.
    for pair in await ctx.uow.pairs.live_of(ctx.person.id):
        partner = await ctx.uow.people.get(
            pair.mentor_id if pair.learner_id == ctx.person.id else pair.learner_id
        )
        if partner is not None:
            them = ctx.about(partner)
            name = ctx.person.preferred_name or ctx.person.first_name
            await them.say(them.t(message, name=name, role=them.t(ctx.person.role)))
    t = ctx.programme_translator()
    name = ctx.person.preferred_name or ctx.person.first_name
    await ctx.tell_coordinators(message, name=name, role=t(ctx.person.role))


FEATURE = Feature(
    "rights",
    commands=(
        CommandEntry("language", language, N_("Change the language"), EVERYONE),
        CommandEntry("privacy", privacy, N_("What is stored and who sees it"), EVERYONE),
        CommandEntry("mydata", my_data, N_("A copy of everything stored about you"), EVERYONE),
        CommandEntry("pause", pause, N_("No messages for a while"), NOT_STAFF),
        CommandEntry("resume", resume, N_("Messages again after a pause"), NOT_STAFF),
        CommandEntry("delete", delete, N_("Delete everything stored about you"), EVERYONE),
    ),
    flows=(LANGUAGE_FLOW, DELETE_FLOW),
    jobs={consent.FORGET_JOB: consent.forget_unless_agreed},
    help=(
        HelpLine(N_("/language – change the language"), EVERYONE),
        HelpLine(N_("/privacy – what is stored and who sees it"), EVERYONE),
        HelpLine(N_("/mydata – a copy of everything stored about you"), EVERYONE),
        HelpLine(N_("/pause and /resume – no messages for a while, and back"), EVERYONE),
        HelpLine(N_("/delete – delete everything stored about you"), EVERYONE),
    ),
)
