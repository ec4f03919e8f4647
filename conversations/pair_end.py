"""A pair ends, planned or early, and every ending is closed the same way.

Early: a coordinator ends it (a reason from a short list, and a note that stays with the programme;
both hear neutral words), a coordinator suspends its mentor (the learner hears the same words), or
one of the two deletes their data (the other hears the same words, and the coordinators get a
concern, to find a new match). Planned: the programme's length has run (``planned_end``, asked
about four weeks before). Every closure (``close``): a thank-you, a last-session suggestion where
the two can still meet, the programme's rule for contact after the end, the weekly calendar event
cancelled, a closing survey for each, and for the mentor a certificate of volunteering."""

from __future__ import annotations

import calendar as months
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services import calendar, certificate, concerns
from bot.services.concerns import PARTNER_LEFT
from conversations import sharing
from conversations.common import check_text, name_of
from conversations.flow import Flow, Option, Step, StepKind
from storage.models import ClosingSurvey, Pair, Person
from storage.repositories import LIVE_PAIRS

END_PAIR, CLOSING_SURVEY = "end_pair", "closing_survey"
# The planned ending's due jobs (``conversations/planned_end.py`` runs them), one each per pair.
ASK_JOB, LAST_JOB, END_JOB = "pair.ending_ask", "pair.ending_last", "pair.ending_due"
LAST_SESSION_BEFORE = timedelta(days=7)
EARLY_REASONS = (
    Option("moved", N_("Moved away")),
    Option("no_time", N_("No time any more")),
    Option("no_fit", N_("Not a good fit")),
    Option("left_training", N_("The learner left the training")),
    Option("other", N_("Other")),
)
GOALS = (Option("yes", N_("Yes")), Option("partly", N_("Partly")), Option("no", N_("No")))
RECOMMEND = (Option("yes", N_("Yes")), Option("maybe", N_("Maybe")), Option("no", N_("No")))
ENDED_EARLY = N_(
    "Your mentoring pair with {name} has ended. Thank you for the time together. "
    "The programme will be in touch about what comes next."
)
ENDED_AS_PLANNED = N_(
    "Your mentoring with {name} has come to its planned end. Thank you for the time together."
)
LAST_SESSION = N_(
    "A last meeting: if you both wish, meet once more to look back on what you did together, "
    "what went well and what comes next, and to say goodbye."
)
CONTACT_AFTER = {
    "none": N_("After the end, the programme asks you not to stay in private contact."),
    "programme": N_("After the end, if you want to get in touch, write to the programme: it passes it on."),
    "free": N_("After the end, you may stay in touch if you both wish."),
}
THANK_MENTOR = N_("Thank you for volunteering with {programme}. Here is your certificate of volunteering.")


def add_months(moment: datetime, n: int) -> datetime:
    """The same day ``n`` months later (the month's last day when it is shorter)."""
    month = moment.month - 1 + n
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, months.monthrange(year, month)[1]))


def ending_keys(pair_id: int) -> tuple[str, str, str]:
    return (f"pair-ending:{pair_id}:ask", f"pair-ending:{pair_id}:last", f"pair-ending:{pair_id}:end")


async def plan_ending(ctx: Context, pair: Pair, months_more: int | None = None) -> None:
    """The weekly mentoring starts (or is extended): its planned end, and the jobs on the way there
    (the question four weeks before, the last-session suggestion a week before, the end)."""
    rules = ctx.rules.closure
    if months_more is None or pair.planned_end is None:
        pair.planned_end = add_months(ctx.now, rules.planned_months)
    else:
        pair.planned_end = add_months(pair.planned_end, months_more)
    pair.learner_extends = pair.mentor_extends = None
    end = pair.planned_end
    ask, last, due = ending_keys(pair.id)
    payload = {"pair": pair.id}
    await ctx.schedule(
        ASK_JOB, max(ctx.now, end - timedelta(weeks=rules.ask_weeks_before)), payload, dedupe_key=ask
    )
    await ctx.schedule(LAST_JOB, max(ctx.now, end - LAST_SESSION_BEFORE), payload, dedupe_key=last)
    await ctx.schedule(END_JOB, end, payload, dedupe_key=due)


async def ended(ctx: Context, answers: dict[str, Any]) -> None:
    pair = await ctx.uow.pairs.lock(int(answers.get("pair") or 0))  # one of the two may be answering
    if ctx.person.role != "coordinator" or pair is None or pair.status not in LIVE_PAIRS:
        await ctx.say(ctx.t(N_("This pair has already ended.")))
        return
    pair.end_reason = answers["reason"]
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    why = str(answers.get("why") or "other")
    await ctx.uow.audit.record(ctx.now, ctx.person, "pair.ended", learner, pair=pair.id, reason=why)
    await ctx.say(ctx.t(N_("The pair of {names} has ended; both have been told."), names=answers["names"]))
    await close(ctx, pair, planned=False, reason=why, to=[p for p in (learner, mentor) if p is not None])
    if learner is not None:
        learner.waiting_told_at = None
    await sharing.withdraw(ctx, learner)


async def close(
    ctx: Context,
    pair: Pair,
    *,
    planned: bool,
    reason: str | None,
    to: Sequence[Person],
    goodbye: bool = True,
) -> None:
    """Every closure, planned or early. ``to``: who of the two is still there to be told (a leaver
    is not); ``goodbye``: whether a last meeting can be suggested (not after a suspension or a
    partner who left, and a planned end had it a week before). A pair that never began its weekly
    mentoring (introduced, first meeting ahead) hears the end and the contact rule only: there is
    nothing to look back on or to certify."""
    mentored = pair.status == "active"
    pair.status, pair.ended_at = "ended", ctx.now
    pair.end_kind, pair.early_reason = ("planned", None) if planned else ("early", reason)
    for key in ending_keys(pair.id):
        await ctx.unschedule(key)
    for person in to:
        partner = await ctx.uow.people.get(
            pair.mentor_id if person.id == pair.learner_id else pair.learner_id
        )
        them = ctx.about(person)
        lines = [them.t(ENDED_AS_PLANNED if planned else ENDED_EARLY, name=name_of(partner))]
        if mentored and goodbye and not planned:
            lines.append(them.t(LAST_SESSION))
        lines.append(them.t(CONTACT_AFTER[ctx.rules.closure.contact_after]))
        await them.say("\n\n".join(lines))
        if not mentored:
            continue
        await _cancel_calendar(ctx, pair, person)
        if person.id == pair.mentor_id:
            await _certify(ctx, pair, person)
        role = "learner" if person.id == pair.learner_id else "mentor"
        # Not "pair": the survey outlives the partner's erasure (``erasure`` ends conversations about
        # their pairs), and a ``_name`` answer loses their name with it.
        answers = {"closed_pair": pair.id, "role": role, "partner_name": name_of(partner)}
        await them.start_flow(CLOSING_SURVEY, answers)


async def _cancel_calendar(ctx: Context, pair: Pair, person: Person) -> None:
    """The weekly event, sent again cancelled (same UID, a later sequence): calendars drop it."""
    if pair.slot_weekday is None:
        return
    sessions = await ctx.uow.sessions.of_pairs([pair.id])
    if not sessions:
        return
    them = ctx.about(person)
    partner = await ctx.uow.people.get(pair.mentor_id if person.id == pair.learner_id else pair.learner_id)
    content = calendar.event_file(
        calendar.weekly_uid(pair.id),
        min(s.starts_at for s in sessions),
        ctx.programme_zone,
        them.t(N_("Tandem: meeting with {name}"), name=name_of(partner)),
        "",
        stamp=ctx.now,
        weekly=True,
        cancelled=True,
        sequence=1,
    )
    await them.send_document(
        f"tandem-weekly-{pair.id}.ics", content, them.t(N_("Cancelled, for your calendar."))
    )


async def _certify(ctx: Context, pair: Pair, mentor: Person) -> None:
    them = ctx.about(mentor)
    programme = ctx.rules.name_in(them.t.locale)
    content = certificate.certificate_pdf(
        them.t, name_of(mentor), programme, pair.decided_at or pair.created_at, ctx.now, ctx.now
    )
    caption = them.t(THANK_MENTOR, programme=programme)
    await them.send_document(f"certificate-{pair.id}.pdf", content, caption)


async def end_pair_of_leaver(ctx: Context) -> None:
    """The person is about to delete their data: their pairs end with them (a mentor may have
    several learners). Each partner hears the neutral words of a pair's end, closed as any early
    end but without a last meeting; a learner goes back to waiting for a mentor; the coordinators
    get a concern about each partner, without the leaver's name."""
    # The partners' questions about these pairs end with them (``erasure``): an answer of theirs
    # in flight commits first, or comes after and finds its question gone.
    pairs = await ctx.uow.pairs.of_person(ctx.person.id)
    await ctx.uow.lock_chats_of({pair.learner_id + pair.mentor_id - ctx.person.id for pair in pairs})
    for pair in await ctx.uow.pairs.lock_live_of(ctx.person.id):  # a coordinator may be deciding
        leaver_is_learner = pair.learner_id == ctx.person.id
        partner = await ctx.uow.people.get(pair.mentor_id if leaver_is_learner else pair.learner_id)
        told = [partner] if partner is not None else []
        await close(
            ctx, pair, planned=False, reason="other", to=told, goodbye=False
        )  # the row goes with the leaver
        if partner is None:
            continue
        if not leaver_is_learner:
            partner.waiting_told_at = None  # back on the waiting list
            await sharing.withdraw(ctx, partner)
        await concerns.raise_concern(ctx, kind=PARTNER_LEFT, severity="normal", subject=partner, pair=None)


async def end_pairs_of_suspended(ctx: Context, mentor: Person, reason: str | None, by: Person | None) -> int:
    """A suspended mentor's running pairs end as a coordinator ends one: the reason stays with the
    programme, each learner hears the neutral words of a pair's end, is closed without a last
    meeting and goes back to the waiting list. The mentor hears of their suspension instead. How
    many pairs ended."""
    ended = [pair for pair in await ctx.uow.pairs.lock_live_of(mentor.id) if pair.mentor_id == mentor.id]
    for pair in ended:
        pair.end_reason = reason
        learner = await ctx.uow.people.get(pair.learner_id)
        await ctx.uow.audit.record(ctx.now, by, "pair.ended", learner, pair=pair.id, mentor_suspended=True)
        await close(ctx, pair, planned=False, reason="other", to=[learner] if learner else [], goodbye=False)
        if learner is not None:
            learner.waiting_told_at = None
            await sharing.withdraw(ctx, learner)
    return len(ended)


async def surveyed(ctx: Context, answers: dict[str, Any]) -> None:
    """The closing survey answered. The pair may be gone (the partner deleted their data): the
    answer is kept without it."""
    pair = await ctx.uow.pairs.get(int(answers.get("closed_pair") or 0))
    changed = answers.get("changed")
    await ctx.uow.closing_surveys.add(
        ClosingSurvey(
            pair_id=pair.id if pair is not None else None,
            person_id=ctx.person.id,
            role=str(answers.get("role") or ctx.person.role),
            changed=changed if isinstance(changed, str) else None,
            goals=str(answers["goals"]),
            recommend=str(answers["recommend"]),
            answered_at=ctx.now,
        )
    )
    await ctx.say(ctx.t(N_("Thank you. Your answers help the programme get better.")))


END_PAIR_FLOW = Flow(
    name=END_PAIR,
    title=N_("ending a pair"),
    steps=(
        Step(
            "why",
            N_("The pair of {names} ends early. The main reason?"),
            StepKind.CHOICE,
            options=EARLY_REASONS,
        ),
        Step(
            "reason",
            N_(
                "Why does the pair of {names} end? This stays in the programme's records; "
                "both get a neutral message."
            ),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=ended,
)

CLOSING_SURVEY_FLOW = Flow(
    name=CLOSING_SURVEY,
    title=N_("the closing survey"),
    steps=(
        Step(
            "changed",
            N_(
                "Three last questions about your mentoring with {partner_name}. What has changed for you "
                "through it? Write a few words, or tap “Skip”."
            ),
            StepKind.TEXT,
            max_length=1000,
            optional=True,
            validate=check_text,
        ),
        Step(
            "goals",
            N_("Were the goals of the mentoring reached?"),
            StepKind.CHOICE,
            options=GOALS,
        ),
        Step(
            "recommend",
            N_("Would you recommend the programme to others?"),
            StepKind.CHOICE,
            options=RECOMMEND,
        ),
    ),
    on_complete=surveyed,
)
