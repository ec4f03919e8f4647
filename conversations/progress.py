"""/progress: a learner's check-ins and sessions as a picture, week by week.

The learner sees their own and decides whether their mentor sees it too; coordinators see any
learner's, and every such view is written to the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import COORDINATORS, IN_A_PAIR, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import areas
from bot.services.attendance import outcome
from conversations import sharing, which_learner
from conversations.common import name_of
from conversations.sessions.planning import REVIEW_AFTER
from storage.models import CheckIn, Pair, Person, Session

if TYPE_CHECKING:
    from bot.services.progress_chart import Week

# pg1:share | pg1:unshare (the learner's own) · pg1:<learner person id> (a coordinator, or a mentor)
PREFIX = "pg1"
MOST_WEEKS = 26
# When one week has several sessions (one moved, one cancelled), the one that says most is drawn.
SESSION_WEIGHT = {"held": 4, "missed": 3, "cancelled": 2, "holiday": 1}

UNSHARE = N_("Stop sharing")
NOT_FOR_YOU = N_("This button is not for you.")
NO_LONGER = N_("This button is no longer active.")


@dataclass(frozen=True)
class ShareProgress(Callback, prefix=PREFIX):
    choice: Literal["share", "unshare"]


@dataclass(frozen=True)
class LearnerProgress(Callback, prefix=PREFIX):
    learner: int


def monday_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday that starts the local week of a moment."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def shares(learner: Person) -> bool:
    return sharing.shares_progress(learner)


async def weeks_of(ctx: Context, learner: Person) -> list[Week]:
    """One ``Week`` per local week (Monday) with a check-in or a past session of the learner's
    pairs, oldest first, the last 26 weeks at most."""
    from bot.services.progress_chart import Week  # matplotlib loads on the first chart only

    zone = ZoneInfo(ctx.programme_zone)
    oldest = monday_of(ctx.now, zone) - timedelta(weeks=MOST_WEEKS - 1)
    checkins: dict[date, CheckIn] = {}
    for checkin in await ctx.uow.checkins.all_of(learner.id):  # oldest first: the newest answered one wins
        week = monday_of(checkin.asked_at, zone)
        kept = checkins.get(week)
        if week >= oldest and (kept is None or checkin.status == "answered" or kept.status != "answered"):
            checkins[week] = checkin
    sessions: dict[date, str] = {}
    for session in await _past_sessions(ctx, learner):
        week, said = monday_of(session.starts_at, zone), _said(ctx, session)
        if week >= oldest and said is not None:
            if SESSION_WEIGHT[said] > SESSION_WEIGHT.get(sessions.get(week, ""), 0):
                sessions[week] = said
    weeks = []
    for week in sorted(checkins.keys() | sessions.keys()):
        found = checkins.get(week)
        answered = found if found is not None and found.status == "answered" else None
        weeks.append(
            Week(
                starts=week,
                motivation=answered.motivation if answered else None,
                areas=dict(answered.areas or {}) if answered else {},
                session=sessions.get(week),
            )
        )
    return weeks


async def _past_sessions(ctx: Context, learner: Person) -> Sequence[Session]:
    """Sessions of every pair the learner has been in (a new mentor does not wipe the history)."""
    query = (
        select(Session)
        .join(Pair, Pair.id == Session.pair_id)
        .where(Pair.learner_id == learner.id, Session.starts_at <= ctx.now)
        .order_by(Session.starts_at)
    )
    return (await ctx.uow.session.execute(query)).scalars().all()


def _said(ctx: Context, session: Session) -> str | None:
    """A past session's outcome; None while the two still have time to say whether they met."""
    said = outcome(session)
    unanswered = session.learner_met is None and session.mentor_met is None
    if said == "missed" and unanswered and session.starts_at > ctx.now - REVIEW_AFTER:
        return None
    return said


async def send_chart(ctx: Context, learner: Person, caption: str, keyboard: Keyboard | None = None) -> None:
    """Draw the learner's chart in the reader's language and send it as a photo."""
    render = await asyncio.to_thread(_renderer)  # the first import of matplotlib takes a while
    weeks = await weeks_of(ctx, learner)
    png = await asyncio.to_thread(render, weeks, ctx.t, name=name_of(learner))
    await ctx.send_document("progress.png", png, caption, photo=True, keyboard=keyboard)


def _renderer() -> Callable[..., bytes]:
    from bot.services.progress_chart import render

    return render


async def share_keyboard(ctx: Context, learner: Person) -> Keyboard:
    if shares(learner):
        return ((Button(ctx.t(UNSHARE), data=pack(ShareProgress("unshare"))),),)
    return ((Button(await sharing.share_label(ctx), data=pack(ShareProgress("share"))),),)


async def command(ctx: Context, event: Inbound) -> None:
    """/progress: the learner's own chart, the mentor's learner's (if shared), or a coordinator's list."""
    role = ctx.person.role
    if role == "learner":
        caption = ctx.t(N_("Your check-ins and sessions, week by week."))
        await send_chart(ctx, ctx.person, caption, await share_keyboard(ctx, ctx.person))
    elif role == "mentor":
        await _mentor_view(ctx)
    elif role == "coordinator":
        await _learners(ctx)
    else:
        await ctx.say(ctx.t(N_("Progress pictures are for the learners and mentors of the programme.")))


async def _mentor_view(ctx: Context) -> None:
    """A mentor's /progress: their learner's chart, if shared; with several, they choose whose."""
    mine = await which_learner.mentored(ctx)
    if not mine:
        await ctx.say(ctx.t(N_("You have no learner yet, so there is no progress to show.")))
    elif len(mine) > 1:
        await which_learner.ask(ctx, mine, lambda pair, learner: pack(LearnerProgress(learner.id)))
    else:
        await _show_mentor(ctx, mine[0][1])


async def _show_mentor(ctx: Context, learner: Person) -> None:
    name = name_of(learner)
    if not shares(learner):
        text = N_("{name} has not shared their progress with you. They can share it under /progress.")
        await ctx.say(ctx.t(text, name=name))
        return
    await send_chart(ctx, learner, ctx.t(N_("How things are going for {name}, week by week."), name=name))


async def _learners(ctx: Context) -> None:
    """The learners of the running pairs, one button each."""
    rows = []
    for pair in await ctx.uow.pairs.live(areas.scope_of(ctx.rules, ctx.person)):
        if pair.status != "active":
            continue
        learner = await ctx.uow.people.get(pair.learner_id)
        mentor = await ctx.uow.people.get(pair.mentor_id)
        if learner is None or mentor is None:
            continue
        label = ctx.t(N_("{learner} (with {mentor})"), learner=name_of(learner), mentor=name_of(mentor))
        rows.append((Button(label, data=pack(LearnerProgress(learner.id))),))
    if not rows:
        await ctx.say(ctx.t(N_("No pair is meeting yet, so there is no progress to show.")))
        return
    await ctx.say(ctx.t(N_("Whose progress would you like to see?")), tuple(rows[:90]))


async def pressed(ctx: Context, event: Inbound) -> None:
    """pg1:share / pg1:unshare from a learner; pg1:<learner id> from a coordinator, or from a
    mentor choosing among their learners. The role (and the pair) is checked again on every press."""
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, ShareProgress, LearnerProgress)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(NO_LONGER))
    elif isinstance(press, ShareProgress) and ctx.person.role == "learner":
        await _share(ctx, event, press.choice == "share")
    elif isinstance(press, LearnerProgress) and ctx.person.role == "coordinator":
        await _coordinator_view(ctx, event, press.learner)
    elif isinstance(press, LearnerProgress) and (found := await which_learner.chosen(ctx, press.learner)):
        ctx.answer_button(event.callback_id)
        await _show_mentor(ctx, found[1])  # a mentor's choice among their learners
    else:
        ctx.answer_button(event.callback_id, ctx.t(NOT_FOR_YOU), alert=True)


async def _share(ctx: Context, event: ButtonPress, share: bool) -> None:
    learner = ctx.person
    was = shares(learner)
    sharing.share_progress(learner, share)
    if share:
        ctx.answer_button(event.callback_id, ctx.t(N_("Your mentor can now see your progress.")))
    else:
        ctx.answer_button(event.callback_id, ctx.t(N_("Your mentor no longer sees your progress.")))
    if event.message_id is not None:
        await ctx.edit_keyboard(event.message_id, await share_keyboard(ctx, learner))
    pair = await ctx.uow.pairs.current_for(learner.id)
    mentor = await ctx.uow.people.get(pair.mentor_id) if pair is not None else None
    if share and not was and pair is not None and pair.learner_id == learner.id and mentor is not None:
        them = ctx.about(mentor)
        text = N_("{name} shared their progress with you. /progress shows it.")
        await them.say(them.t(text, name=name_of(learner)))


async def _coordinator_view(ctx: Context, event: ButtonPress, learner_id: int) -> None:
    learner = await ctx.uow.people.get(learner_id)
    if learner is None or learner.role != "learner" or not areas.sees_person(ctx.rules, ctx.person, learner):
        ctx.answer_button(event.callback_id, ctx.t(NO_LONGER))
        return
    ctx.answer_button(event.callback_id)
    await ctx.uow.audit.record(ctx.now, ctx.person, "progress_viewed", learner)
    caption = ctx.t(N_("How things are going for {name}, week by week."), name=name_of(learner))
    await send_chart(ctx, learner, caption)


FEATURE = Feature(
    "progress",
    commands=(
        CommandEntry("progress", command, N_("A chart of how things are going"), (*IN_A_PAIR, *COORDINATORS)),
    ),
    buttons={PREFIX: pressed},
    help=(
        HelpLine(N_("/progress – a chart of how things are going"), IN_A_PAIR),
        HelpLine(N_("/progress – a learner's check-in chart"), COORDINATORS),
    ),
)
