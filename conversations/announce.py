"""An announcement to many (/announce): a coordinator chooses who (all mentors, all learners,
everyone, or one cohort), writes it, reads a preview with the number of people and the languages
they read, and confirms. Nothing is sent before the confirmation.

Each recipient's copy is then a due job of its own, sent as bulk within ``WINDOW`` (the planner
spreads them inside it, below the send budget, so replies to people never wait behind them), and
one report job tells the coordinator how it went once the window has closed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.i18n import N_, Translator, language_name
from bot.services import areas, relay
from conversations.common import check_text
from conversations.flow import END, Flow, Option, Step, StepKind
from storage.models import Announcement, Person

WRITE, CONFIRM = "announce", "announce_confirm"
COPY_JOB, REPORT_JOB = "announcement.copy", "announcement.report"
WINDOW = timedelta(hours=6)  # every copy is out within it
LONGEST = 3000  # characters: the frame and the words stay within one Telegram message

FRAME = N_("📣 From {programme}:")
ONLY_COORDINATORS = N_("Only coordinators can use this command.")
NOTHING_SENT = N_("Nothing was sent.")
AUDIENCES = {
    "mentors": N_("all mentors"),
    "learners": N_("all learners"),
    "everyone": N_("everyone in the programme"),
    "cohort": N_("the cohort {cohort}"),
    "area": N_("everyone in the area {cohort}"),  # an area's id, kept where a cohort's name is
}
AREA = "area:"  # an audience option's value: "area:lyon"


def copy_text(t: Translator, programme: str, words: str) -> str:
    """What a recipient reads: the programme's name in their language, then the words as written."""
    return t(FRAME, programme=programme) + "\n\n" + words


def first_moment(ctx: Context, person: Person) -> datetime:
    """Now, or the end of the person's quiet hours (the programme's, in their own time zone) if
    they are in them: the same night as a message from their partner waits through."""
    return relay.quiet_until(ctx, person) or ctx.now


async def cohort_named(ctx: Context, typed: str) -> str:
    """A cohort as the programme spells it, whatever the case it was typed in."""
    typed = typed.strip()
    known = await ctx.uow.announcements.cohorts(areas.scope_of(ctx.rules, ctx.person))
    return next((c for c in known if c.casefold() == typed.casefold()), typed)


def audience_words(t: Translator, audience: str, cohort: str | None) -> str:
    return t(AUDIENCES.get(audience, AUDIENCES["everyone"]), cohort=cohort or "–")


async def recipients(ctx: Context, audience: str, cohort: str | None) -> list[Person]:
    """Who an announcement by this coordinator reaches: the audience within their areas (one of
    them: ``audience`` "area", its id as ``cohort``), the coordinator aside."""
    scope = areas.scope_of(ctx.rules, ctx.person)
    if audience == "area":
        if not areas.sees(ctx.rules, ctx.person, cohort):
            return []
        everyone = await ctx.uow.announcements.audience("everyone", None, scope)
        people = [p for p in everyone if areas.belongs(ctx.rules, p, str(cohort))]
    else:
        people = await ctx.uow.announcements.audience(audience, cohort, scope)
    return [p for p in areas.visible(ctx.rules, ctx.person, people) if p.id != ctx.person.id]


def audiences(ctx: Context) -> tuple[Option, ...]:
    """Who an announcement may be for: the programme's audiences, and each of the coordinator's
    areas when the programme has several."""
    shown = tuple(
        Option(AREA + area, areas.name(ctx.rules, area, ctx.t.locale), translate=False)
        for area in areas.invitable(ctx.rules, ctx.person)
    )
    return AUDIENCE_OPTIONS + (shown if ctx.rules.has_areas else ())


async def written(ctx: Context, answers: dict[str, Any]) -> None:
    """The words are in: who would get them, and the preview to confirm."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(NOTHING_SENT))
        return
    audience, cohort = str(answers["audience"]), answers.get("cohort")
    if audience == "cohort":
        cohort = await cohort_named(ctx, str(cohort or ""))
    if audience.startswith(AREA):
        audience, cohort = "area", audience.removeprefix(AREA)
    people = await recipients(ctx, audience, cohort)
    whom = audience_words(ctx.t, audience, cohort)
    if not people:
        await ctx.say(
            ctx.t(N_("Nobody would get it: there is nobody in {whom}. Nothing was sent."), whom=whom)
        )
        return
    languages = Counter(ctx.translator_for(p).locale for p in people)
    shares = ", ".join(f"{language_name(code)} {n}" for code, n in languages.most_common())
    frames = [
        copy_text(Translator(code, ctx.t.zone, ctx.t.region), ctx.rules.name_in(code), "…")
        for code in languages
        if code != ctx.t.locale
    ]
    preview = copy_text(ctx.t, ctx.programme, str(answers["text"]))
    await ctx.start_flow(
        CONFIRM,
        {
            "audience": audience,
            "cohort": cohort,
            "text": answers["text"],
            "whom": whom,
            "count": str(len(people)),
            "languages": shares,
            "preview": "\n\n".join([preview, *frames]),
        },
    )


async def confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    """Sent: a copy's job for each recipient of the moment, and the report after the window."""
    if ctx.person.role != "coordinator" or answers.get("sure") != "yes":
        await ctx.say(ctx.t(NOTHING_SENT))
        return
    audience, cohort = str(answers["audience"]), answers.get("cohort")
    people = await recipients(ctx, audience, cohort)
    if not people:
        await ctx.say(ctx.t(NOTHING_SENT))
        return
    opens = {p.id: first_moment(ctx, p) for p in people}
    closes = max(opens.values()) + WINDOW
    announcement = Announcement(
        text=str(answers["text"])[:LONGEST],
        audience=audience,
        cohort=cohort,
        sent_by=ctx.person.id,
        created_at=ctx.now,
        closes_at=closes,
    )
    await ctx.uow.announcements.add(announcement, [p.id for p in people])
    copies = [
        ({"person_id": p.id, "announcement": announcement.id}, opens[p.id], opens[p.id] + WINDOW)
        for p in people
    ]
    await ctx.schedule_many(COPY_JOB, copies)
    await ctx.schedule(REPORT_JOB, closes + timedelta(minutes=5), {"announcement": announcement.id})
    await ctx.uow.audit.record(ctx.now, ctx.person, "announcement.sent", None, people=len(people))
    await ctx.say(
        ctx.t(
            N_(
                "Sent to {count} people ({whom}). Each copy goes out within six hours, as the "
                "send limits allow (in a person's quiet hours, from {quiet_until} their time); I "
                "will tell you how it went."
            ),
            count=len(people),
            whom=audience_words(ctx.t, audience, cohort),
            quiet_until=ctx.rules.relay.quiet_until,
        )
    )


async def send_copy(ctx: Context, payload: dict[str, Any]) -> None:
    """One recipient's copy: sent, or recorded as not sent (paused, or out of reach)."""
    announcement = await ctx.uow.announcements.get(int(payload["announcement"]))
    if announcement is None:
        return
    person = ctx.person
    status = "gone" if person.unreachable_since else "paused" if person.paused_at else "sent"
    if not await ctx.uow.announcements.settle(announcement.id, person.id, status):
        return  # settled already: this copy went
    if status == "sent":
        await ctx.say(copy_text(ctx.t, ctx.programme, announcement.text))


async def report(ctx: Context, payload: dict[str, Any]) -> None:
    """How it went, to whoever sent it (or, if they have left the team, to the coordinators)."""
    announcement = await ctx.uow.announcements.get(int(payload["announcement"]))
    if announcement is None or announcement.reported_at is not None:
        return
    tally = await ctx.uow.announcements.tally(announcement)
    if tally["pending"] and ctx.now < announcement.closes_at + timedelta(days=1):
        await ctx.schedule(REPORT_JOB, ctx.now + timedelta(minutes=30), payload)
        return  # the planner is behind: the report waits for the last copies (a day at most)
    tally["gone"] += tally.pop("pending", 0)  # a copy never sent by then did not reach them
    announcement.reported_at = ctx.now
    sender = await ctx.uow.people.get(announcement.sent_by) if announcement.sent_by else None
    fields: dict[str, Any] = {
        "sent": tally["sent"],
        "paused": tally["paused"],
        "gone": tally["gone"],
        "whom": audience_words(ctx.t, announcement.audience, announcement.cohort),
    }
    words = N_(
        "Your announcement to {whom}: delivered to {sent}; not sent to {paused} who paused "
        "Tandem; out of reach (blocked Tandem or left): {gone}."
    )
    if sender is not None and sender.role == "coordinator":
        them = ctx.about(sender)
        await them.say(them.t(words, **fields))
        return
    await ctx.tell_coordinators(words, **fields)


AUDIENCE_OPTIONS = (
    Option("mentors", N_("All mentors")),
    Option("learners", N_("All learners")),
    Option("everyone", N_("Everyone")),
    Option("cohort", N_("One cohort")),
)


def _after_audience(answers: Any) -> str:
    return "cohort" if answers.get("audience") == "cohort" else "text"


WRITE_FLOW = Flow(
    name=WRITE,
    steps=(
        Step(
            "audience",
            N_("Who is the announcement for?"),
            StepKind.CHOICE,
            options=audiences,
            next=_after_audience,
        ),
        Step(
            "cohort",
            N_("Which cohort? The programme's cohorts: {cohorts}"),
            StepKind.TEXT,
            max_length=60,
        ),
        Step(
            "text",
            N_(
                "Write the announcement. It goes out as you write it, under the programme's name, "
                "in one message."
            ),
            StepKind.TEXT,
            max_length=LONGEST,
            validate=check_text,
            lines=True,
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
            N_(
                "This goes to {count} people ({whom}), who read {languages}. They read it like "
                "this:\n\n{preview}\n\nSend it now?"
            ),
            StepKind.YES_NO,
            next=END,
        ),
    ),
    on_complete=confirmed,
    nudge_after=None,
)
FLOWS = (WRITE_FLOW, CONFIRM_FLOW)
