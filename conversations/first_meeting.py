"""A new pair's first meeting: the mentor suggests a time within the times both gave and a public
place or online; the learner agrees or asks for another; afterwards each says, privately,
whether to go on together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button
from bot.i18n import N_, Translator
from bot.services import concerns, readiness
from bot.services.people import name_of
from conversations import monitoring, pair_end, sharing
from conversations.flow import Flow, Option, Step, StepKind
from storage.models import Pair, Person
from storage.repositories import LIVE_PAIRS

PROPOSE, CONFIRM = "first_meeting", "first_meeting_ok"
SLOT_FLOW_NAME = "weekly_slot"  # conversations.sessions: the regular weekly time comes next
AFTER_JOB = "pair.after_first_meeting"
CONTINUE = "pc1"
# Parts of the week people gave, as days and the times on offer then.
PARTS = {
    "weekday_morning": (range(0, 5), [time(h, m) for h in range(8, 12) for m in (0, 30)]),
    "weekday_afternoon": (range(0, 5), [time(h, m) for h in range(12, 17) for m in (0, 30)]),
    "weekday_evening": (range(0, 5), [time(h, m) for h in range(17, 21) for m in (0, 30)]),
    "saturday": (range(5, 6), [time(h, m) for h in range(9, 19) for m in (0, 30)]),
    "sunday": (range(6, 7), [time(h, m) for h in range(10, 19) for m in (0, 30)]),
}
# A time that has gone by cannot be agreed: whoever suggests or accepts it is told so.
PASSED = N_("That time has already passed. Please suggest a later one.")
PASSED_ASKED = N_(
    "{when} has already passed, so it cannot be agreed any more. I asked {mentor} for a new time."
)
PLACES = (
    Option("public", N_("a public place (a library, a café)")),
    Option("online", N_("online")),
)


@dataclass(frozen=True)
class Continue(Callback, prefix=CONTINUE):
    """After the first meeting, each says privately whether to go on together."""

    pair: int
    answer: Literal["yes", "no"]


def shared_parts(ctx: Context) -> list[str]:
    """The parts of the week both gave (in the flow's answers), or every part when none is shared."""
    parts = [p for p in str(ctx.flow_answers.get("shared") or "").split(",") if p in PARTS]
    return parts or list(PARTS)


def day_options(ctx: Context) -> tuple[Option, ...]:
    parts = shared_parts(ctx)
    first = readiness.today(ctx) + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(14)]
    fitting = [d for d in days if any(d.weekday() in PARTS[p][0] for p in parts)]
    return tuple(Option(d.isoformat(), ctx.t.day(d), translate=False) for d in fitting)


def time_options(ctx: Context) -> tuple[Option, ...]:
    chosen = ctx.flow_answers.get("day")
    weekday = date.fromisoformat(chosen).weekday() if isinstance(chosen, str) else None
    slots: set[time] = set()
    for part in shared_parts(ctx):
        days, times = PARTS[part]
        if weekday is None or weekday in days:
            slots.update(times)
    return tuple(Option(f"{s:%H:%M}", f"{s:%H:%M}", translate=False) for s in sorted(slots))


async def _pair(ctx: Context, answers: dict[str, Any]) -> Pair | None:
    """The introduced pair a question of the pairing is about, locked for the decision (a
    coordinator may be ending it, the partner deleting their data); else None, said."""
    pair = await ctx.uow.pairs.lock(int(answers.get("pair") or 0))
    if pair is None or pair.status != "introduced" or ctx.person.id not in (pair.learner_id, pair.mentor_id):
        await ctx.say(ctx.t(N_("This pair no longer exists.")))
        return None
    return pair


async def proposed(ctx: Context, answers: dict[str, Any]) -> None:
    """The mentor chose a time and place: the learner is asked."""
    pair = await _pair(ctx, answers)
    if pair is None:
        return
    zone = ZoneInfo(ctx.programme_zone)
    at = datetime.combine(date.fromisoformat(answers["day"]), time.fromisoformat(answers["time"]), zone)
    if at <= ctx.now:  # the day was tapped before, the time after it had gone by
        await ctx.say(ctx.t(PASSED))
        await ctx.start_flow(PROPOSE, again(answers))
        return
    pair.first_meeting_at = at.astimezone(ZoneInfo("UTC"))
    pair.first_meeting_place = answers["place"]
    learner = await ctx.uow.people.get(pair.learner_id)
    assert learner is not None
    await ctx.say(
        ctx.t(
            N_("Sent. I will tell you what {name} says."), name=learner.preferred_name or learner.first_name
        )
    )
    them = ctx.about(learner)
    await them.start_flow(
        CONFIRM,
        {
            "pair": pair.id,
            "mentor_name": ctx.person.preferred_name or ctx.person.first_name,
            "at": pair.first_meeting_at.isoformat(),
            "place": str(answers.get("place")),
        },
    )


def suggested(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """The suggested time and place, in the learner's language when the question is asked."""
    if "at" not in answers:
        return {}  # a question asked before they were kept as values
    return {
        "when": ctx.t.moment(datetime.fromisoformat(str(answers["at"]))),
        "where": ctx.t(PLACE_LABELS.get(str(answers.get("place")), PLACE_LABELS["public"])),
    }


async def confirmed(ctx: Context, answers: dict[str, Any]) -> None:
    """The learner's answer to the suggested time."""
    pair = await _pair(ctx, answers)
    if pair is None or pair.first_meeting_at is None:
        return
    mentor = await ctx.uow.people.get(pair.mentor_id)
    assert mentor is not None
    volunteer = ctx.about(mentor)
    name = ctx.person.preferred_name or ctx.person.first_name
    if answers.get("ok") != "yes":
        await ask_for_another_time(ctx, pair, mentor, PROPOSE, answers)
        return
    if pair.first_meeting_at <= ctx.now:  # answered too late: nothing left to agree to
        await ask_for_another_time(ctx, pair, mentor, PROPOSE, answers, said=PASSED_ASKED)
        return
    agreed = ctx.t.moment(pair.first_meeting_at)
    await ctx.say(ctx.t(N_("Great, it is agreed: {when}. Have a good first meeting!"), when=agreed))
    when = volunteer.t.moment(pair.first_meeting_at)
    await volunteer.say(
        volunteer.t(N_("{name} agreed: your first meeting is on {when}."), name=name, when=when)
    )
    for person_id in (pair.learner_id, pair.mentor_id):
        await ctx.schedule(
            AFTER_JOB,
            pair.first_meeting_at + timedelta(hours=2),
            {"person_id": person_id, "pair": pair.id},
            dedupe_key=f"first-meeting:{pair.id}:{person_id}",
        )


async def ask_for_another_time(
    ctx: Context,
    pair: Pair,
    mentor: Person,
    flow: str,
    answers: dict[str, Any],
    *,
    said: str = N_("All right, I asked {mentor} for another time."),
) -> None:
    """The learner cannot make the mentor's suggestion: the mentor is asked for another (``flow``);
    ``said`` tells the learner so (with the suggestion's ``{when}``)."""
    name = ctx.person.preferred_name or ctx.person.first_name
    when = suggested(ctx, answers).get("when") or answers.get("when") or ""
    await ctx.say(ctx.t(said, mentor=answers["mentor_name"], when=when))
    volunteer = ctx.about(mentor)
    await volunteer.say(
        volunteer.t(N_("{name} cannot make that time. Please suggest another one."), name=name)
    )
    shared = shared_between(ctx.person, mentor)
    await volunteer.start_flow(flow, {"pair": pair.id, "learner_name": name, "shared": shared})


def again(answers: dict[str, Any]) -> dict[str, Any]:
    """A suggestion's answers without its day and time, to ask for them again."""
    return {key: answers[key] for key in ("pair", "session", "learner_name", "shared") if key in answers}


def shared_between(learner: Person, mentor: Person) -> str:
    """The parts of the week both gave, as the flow's answers carry them."""
    mine = (learner.profile or {}).get("availability") or []
    theirs = set((mentor.profile or {}).get("availability") or [])
    return ",".join(part for part in mine if part in theirs)


async def ask_to_continue(ctx: Context, payload: dict[str, Any]) -> None:
    """Two hours after the first meeting: privately, go on with this partner?"""
    pair = await ctx.uow.pairs.get(int(str(payload.get("pair"))))
    if pair is None or pair.status != "introduced":
        return
    partner_id = pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
    partner = await ctx.uow.people.get(partner_id)
    if partner is None:
        return
    keyboard = (
        (
            Button(ctx.t(N_("Yes, let's go on")), data=pack(Continue(pair.id, "yes"))),
            Button(ctx.t(N_("No")), data=pack(Continue(pair.id, "no"))),
        ),
    )
    text = N_(
        "How was your first meeting with {name}? Would you like to go on together? "
        "Your answer stays between you and the programme."
    )
    await ctx.say(ctx.t(text, name=partner.preferred_name or partner.first_name), keyboard)


async def both_answered(ctx: Context, pair: Pair) -> None:
    """Once both answered: both yes starts the mentoring; any no closes the pair kindly."""
    await ctx.say(ctx.t(N_("Thank you for your answer.")))
    if pair.learner_continues is None or pair.mentor_continues is None:
        return
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    assert learner is not None and mentor is not None
    names = {
        "learner": learner.preferred_name or learner.first_name,
        "mentor": mentor.preferred_name or mentor.first_name,
    }
    if pair.learner_continues == "yes" and pair.mentor_continues == "yes":
        pair.status, pair.decided_at = "active", ctx.now
        await monitoring.plan(ctx, pair)
        await pair_end.plan_ending(ctx, pair)
        for person, partner in ((learner, names["mentor"]), (mentor, names["learner"])):
            them = ctx.about(person)
            await them.say(
                them.t(N_("You both said yes: your mentoring with {name} starts now!"), name=partner)
            )
        await ctx.tell_coordinators(
            N_("{learner} and {mentor} start their mentoring."),
            area=ctx.rules.home_area(learner.area),
            **names,
        )
        shared = shared_between(learner, mentor)
        await ctx.about(mentor).start_flow(
            SLOT_FLOW_NAME, {"pair": pair.id, "learner_name": names["learner"], "shared": shared}
        )
        return
    pair.status, pair.ended_at = "declined", ctx.now
    learner.waiting_told_at = None
    await sharing.withdraw(ctx, learner)
    await ctx.uow.audit.record(ctx.now, None, "pair.declined", learner, pair=pair.id)
    them = ctx.about(learner)
    await them.say(
        them.t(
            N_("Thank you for meeting {name}. The programme will look for another mentor for you."),
            name=names["mentor"],
        )
    )
    volunteer = ctx.about(mentor)
    await volunteer.say(
        volunteer.t(
            N_("Thank you for meeting {name}. You will not go on together; the programme will be in touch."),
            name=names["learner"],
        )
    )
    await ctx.tell_coordinators(
        N_(
            "{learner} and {mentor} will not go on together. {learner} is waiting again: "
            "/match proposes someone new."
        ),
        area=ctx.rules.home_area(learner.area),
        **names,
    )


# A question of the pairing that someone waits for: asked again after this long, then reported.
PAIRING_ANSWER_WITHIN = timedelta(days=2)
NOT_ANSWERED = N_("{name} has not answered yet. The coordinators know and will follow up.")
STALLED_LINE = N_("{name} has not answered a question of the pairing in time.")


async def partner_not_answering(ctx: Context, answers: dict[str, Any]) -> None:
    """A question of the pairing went unanswered (or was cancelled): the partner hears it, and
    the coordinators get a concern, so neither waits for ever and no mentor's seat is held. The
    pair may be introduced (the first meeting) or running (the weekly time)."""
    pair = await ctx.uow.pairs.lock(int(answers.get("pair") or 0))
    in_it = pair is not None and ctx.person.id in (pair.learner_id, pair.mentor_id)
    if pair is None or pair.status not in LIVE_PAIRS or not in_it:
        return  # ended meanwhile: nobody waits any more
    partner = await ctx.uow.people.get(
        pair.mentor_id if ctx.person.id == pair.learner_id else pair.learner_id
    )
    if partner is not None:
        them = ctx.about(partner)
        await them.say(them.t(NOT_ANSWERED, name=name_of(ctx.person)))
    learner = ctx.person if ctx.person.id == pair.learner_id else partner
    line = concerns.staff_translator(ctx)(STALLED_LINE, name=name_of(ctx.person))
    await concerns.raise_concern(
        ctx, kind=concerns.PAIRING_STALLED, severity="normal", subject=learner, pair=pair, line=line
    )


PROPOSE_FLOW = Flow(
    name=PROPOSE,
    title=N_("planning your first meeting"),
    steps=(
        Step(
            "day",
            N_(
                "Please suggest a first meeting with {learner_name}. Which day? "
                "(These fit the times you both gave.)"
            ),
            StepKind.CHOICE,
            options=day_options,
            columns=3,
        ),
        Step("time", N_("At what time?"), StepKind.CHOICE, options=time_options, columns=4),
        Step("place", N_("Where?"), StepKind.CHOICE, options=PLACES),
    ),
    on_complete=proposed,
    answer_within=PAIRING_ANSWER_WITHIN,
    on_unanswered=partner_not_answering,
)
CONFIRM_FLOW = Flow(
    name=CONFIRM,
    title=N_("the first meeting your partner suggested"),
    steps=(
        Step(
            "ok",
            N_("{mentor_name} suggests meeting for the first time on {when}, {where}. Does that suit you?"),
            StepKind.YES_NO,
        ),
    ),
    on_complete=confirmed,
    answer_within=PAIRING_ANSWER_WITHIN,
    on_unanswered=partner_not_answering,
    fields=suggested,
)
FLOWS = (PROPOSE_FLOW, CONFIRM_FLOW)
PLACE_LABELS = {option.value: option.label for option in PLACES}


def place_of(t: Translator, pair: Pair | None, code: str | None) -> str:
    """Where a pair meets, as its reader reads it: for a public place, the exact one the pair
    agreed on (/place), else the kind of place."""
    if code in (None, "public") and pair is not None and pair.exact_place and pair.exact_place_agreed_at:
        return pair.exact_place
    return t(PLACE_LABELS.get(code or "public", PLACES[0].label))
