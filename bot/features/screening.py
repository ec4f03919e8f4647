"""Screening in Telegram: /screening lists the applications, oldest first, each with its buttons.

Buttons carry ``sc1:<applicant id>:<action>``; every press checks again that the presser is a
coordinator and that the application is still open, so a forged or stale press changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import COORDINATORS, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import N_
from bot.services import areas, paging, readiness
from bot.services.courses import shipped_courses
from conversations import mentor
from conversations import screening_flows as flows
from storage.models import Person

PREFIX = "sc1"
APPROVE: Final = "ok"
ASK: Final = "ask"
INTERVIEW: Final = "iv"
REJECT: Final = "no"
CHECK: Final = "chk"
DECISIONS = (APPROVE, ASK, INTERVIEW, REJECT)
STATUS = flows.STATUS


@dataclass(frozen=True)
class Screen(Callback, prefix=PREFIX):
    applicant: int
    action: Literal["ok", "ask", "iv", "no", "chk"]


async def waiting(ctx: Context, event: Inbound) -> None:
    """The applications, oldest first, one a page with its buttons."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    await paging.show(ctx, APPLICATIONS)


async def _applicants(ctx: Context) -> list[Person]:
    return list(await ctx.uow.people.applicants(areas.scope_of(ctx.rules, ctx.person)))


async def _card_entry(ctx: Context, applicant: Person) -> Entry:
    return Entry(*await card(ctx, applicant))


async def card(ctx: Context, applicant: Person) -> tuple[str, Keyboard]:
    """An application as a coordinator reads it: the answers, the checks, the training."""
    name = applicant.preferred_name or applicant.first_name
    since = ctx.t.date(applicant.consent_at or applicant.created_at)
    status = ctx.t(STATUS.get(applicant.screening or "", STATUS["waiting"]))
    lines = [ctx.t(N_("{name} · applied {date} · {status}"), name=name, date=since, status=status)]
    if applicant.interview_at is not None and applicant.screening == "interview":
        lines.append(ctx.t(N_("Interview: {when}"), when=ctx.t.moment(applicant.interview_at)))
    answers = mentor.answers_of(applicant)
    for step in mentor.MENTOR.path(answers):
        label = step.others_label or step.label
        if label:
            shown = ctx.engine.shown_answer(ctx, step, answers, limit=300)
            lines.append(ctx.t.labelled(ctx.t(label), shown))
    lines.append("")
    lines.extend(await readiness_lines(ctx, applicant))
    rows: list[tuple[Button, ...]] = []
    if applicant.screening in flows.PENDING:
        rows.append(
            (
                Button(ctx.t(N_("Approve")), data=pack(Screen(applicant.id, APPROVE))),
                Button(ctx.t(N_("Ask something")), data=pack(Screen(applicant.id, ASK))),
            )
        )
        rows.append(
            (
                Button(ctx.t(N_("Plan an interview")), data=pack(Screen(applicant.id, INTERVIEW))),
                Button(ctx.t(N_("Decline")), data=pack(Screen(applicant.id, REJECT))),
            )
        )
    if ctx.rules.mentor_checks:
        rows.append((Button(ctx.t(N_("Record a check")), data=pack(Screen(applicant.id, CHECK))),))
    return "\n".join(lines), tuple(rows)


async def readiness_lines(ctx: Context, applicant: Person) -> list[str]:
    checks = await ctx.uow.checks.of(applicant.id)
    valid = readiness.valid_checks(ctx, checks)
    lines = []
    for rule in ctx.rules.mentor_checks:
        check = valid.get(rule.id)
        if check is None:
            lines.append("✗ " + ctx.t(N_("{check}: not recorded or expired"), check=rule.label(ctx.t.locale)))
        elif check.expires_on is None:
            lines.append("✓ " + rule.label(ctx.t.locale))
        else:
            until = ctx.t.date(check.expires_on)
            lines.append(
                "✓ " + ctx.t(N_("{check}, until {date}"), check=rule.label(ctx.t.locale), date=until)
            )
    if applicant.training_done_at is not None:
        lines.append("✓ " + ctx.t(N_("Training done")))
    else:
        lines.append(
            "✗ "
            + ctx.t(
                N_("Training: {done} of {total} modules"),
                done=applicant.training_module,
                total=shipped_courses().size,
            )
        )
    return lines


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Screen)
    if press is None:
        return
    applicant = await ctx.uow.people.get(press.applicant)
    if not areas.sees_person(ctx.rules, ctx.person, applicant):
        applicant = None  # another area's: as if there were none
    action = press.action
    still_open = applicant is not None and applicant.role == "mentor" and applicant.screening in flows.PENDING
    if applicant is None or applicant.role != "mentor" or (action in DECISIONS and not still_open):
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        if event.message_id is not None and applicant is not None:
            text, keyboard = await card(ctx, applicant)
            await ctx.edit(event.message_id, text, keyboard or None)
        return
    ctx.answer_button(event.callback_id)
    about = {
        "applicant": applicant.id,
        "applicant_name": applicant.preferred_name or applicant.first_name,
    }
    if action == APPROVE:
        await flows.approve(ctx, applicant)
        if event.message_id is not None:
            text, keyboard = await card(ctx, applicant)
            await ctx.edit(event.message_id, text, keyboard or None)
        return
    started = {ASK: flows.ASK, INTERVIEW: flows.INTERVIEW, REJECT: flows.REJECT, CHECK: flows.CHECK}[action]
    await ctx.engine.start(ctx, started, about)


APPLICATIONS = Listing(
    "screening",
    N_("Applications waiting"),
    N_("No application is waiting for screening."),
    _applicants,
    _card_entry,
    per_page=1,
)


FEATURE = Feature(
    "screening",
    commands=(CommandEntry("screening", waiting, N_("Volunteer applications to decide"), COORDINATORS),),
    buttons={PREFIX: pressed},
    jobs={
        flows.INTERVIEW_JOB: flows.remind_interview,
        flows.CHECK_REMINDER_JOB: flows.remind_check,
        flows.CHECK_EXPIRED_JOB: flows.check_expired,
    },
    flows=flows.FLOWS,
    lists=(APPLICATIONS,),
    help=(HelpLine(N_("/screening – volunteer applications waiting for a decision"), COORDINATORS),),
)
