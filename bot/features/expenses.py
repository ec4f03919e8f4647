"""Expenses: mentors claim what they spent with their learner (/expenses, ``conversations/
expenses.py``) and follow their claims (/expenses list); coordinators decide them (/claims: one
claim a page, with Approve, Decline (a reason, asked as text), Ask (a question the mentor answers)
and Receipt (the photo or document sent again by its file id)) and send the finance office a
month's approved claims (/claims csv 2026-11). The mentor is told every outcome.

Buttons carry ``ex1:<claim id>:ok|no|ask|rcpt``. Every press checks the presser's role again and
locks the claim (``Claims.lock``, as ``Pairs.lock``): two coordinators approving at once approve
once, the other reads that it was already decided; a claim erased meanwhile, or forged data, is
answered and never acted on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound, Keyboard
from bot.feature import COORDINATORS, MENTORS, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import N_
from bot.services import areas, expenses, paging
from bot.services.people import name_of
from conversations import expenses as flows
from storage.models import ExpenseClaim, Person
from storage.repositories import AreaScope

PREFIX = "ex1"
ONLY_MENTORS = N_("Only mentors can claim expenses.")
ONLY_COORDINATORS = N_("Only coordinators can use this command.")
DECIDED = N_("This was already decided.")
MONTH = re.compile(r"csv\s+(?P<y>\d{4})-(?P<m>\d{1,2})")


@dataclass(frozen=True)
class ClaimAction(Callback, prefix=PREFIX):
    claim: int
    action: Literal["ok", "no", "ask", "rcpt"]


async def claim(ctx: Context, event: Inbound) -> None:
    """``/expenses``: a new claim; ``/expenses list``: the mentor's claims and their state."""
    if ctx.person.role != "mentor":
        await ctx.say(ctx.t(ONLY_MENTORS))
        return
    if isinstance(event, Command) and event.args.strip().lower() == "list":
        await _own_claims(ctx)
        return
    await ctx.start_flow(flows.CLAIM, {"optional": not ctx.rules.expenses.receipt_required})


async def _own_claims(ctx: Context) -> None:
    found = await ctx.uow.claims.of_mentor(ctx.person.id)
    if not found:
        await ctx.say(ctx.t(N_("You have not claimed any expenses yet. /expenses starts a claim.")))
        return
    lines = [ctx.t(N_("Your expense claims:"))]
    for item in found[:30]:
        state = ctx.t(expenses.STATES[item.status])
        if item.status == "rejected" and item.reason:
            state += f" ({item.reason})"
        lines.append("• " + ctx.t.labelled(expenses.describe(ctx.t, item), state))
    await ctx.say(paging.clip("\n".join(lines), paging.LIMIT))


def _areas(ctx: Context) -> AreaScope | None:
    """The areas whose mentors' claims the coordinator reads (None: a lead, all of them)."""
    return areas.scope_of(ctx.rules, ctx.person)


async def _open(ctx: Context) -> list[tuple[ExpenseClaim, Person]]:
    return await ctx.uow.claims.open(_areas(ctx))


async def _entry(ctx: Context, item: tuple[ExpenseClaim, Person]) -> Entry:
    found, mentor = item
    lines = [f"{expenses.describe(ctx.t, found)} · {name_of(mentor)}"]
    if found.receipt_file_id is None:
        lines.append(ctx.t(N_("No receipt")))
    if found.question:
        lines.append(
            ctx.t(
                N_("Question: {question}\nAnswer: {answer}"),
                question=found.question,
                answer=found.answer or "…",
            )
        )
    warning = await expenses.over_cap(ctx, mentor, found, ctx.t)
    lines += [warning] if warning else []
    buttons = [
        Button(ctx.t(N_("Approve")), data=pack(ClaimAction(found.id, "ok"))),
        Button(ctx.t(N_("Decline")), data=pack(ClaimAction(found.id, "no"))),
        Button(ctx.t(N_("Ask")), data=pack(ClaimAction(found.id, "ask"))),
    ]
    if found.receipt_file_id:
        buttons.append(Button(ctx.t(N_("Receipt")), data=pack(ClaimAction(found.id, "rcpt"))))
    return Entry("\n".join(lines), (tuple(buttons),))


CLAIMS = Listing(
    "claims", N_("Expense claims to decide"), N_("No expense claim is waiting."), _open, _entry, per_page=1
)


async def _claims_now(ctx: Context) -> tuple[str, Keyboard | None]:
    """The list's first page as it is now, for the message a decision was taken from."""
    items = await CLAIMS.items(ctx)
    if not items:
        return ctx.t(CLAIMS.empty), None
    return await paging.render(ctx, CLAIMS, items, 1)


async def claims(ctx: Context, event: Inbound) -> None:
    """``/claims``: the claims to decide, one a page; ``/claims csv 2026-11``: a month's approved ones."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(ONLY_COORDINATORS))
        return
    args = event.args.strip().lower() if isinstance(event, Command) else ""
    if args.startswith("csv"):
        await _finance_csv(ctx, args)
        return
    await paging.show(ctx, CLAIMS)


async def _finance_csv(ctx: Context, args: str) -> None:
    """The approved claims of a month, by the day they were approved in the programme's time
    zone: each claim is in exactly one month's file, however late it was decided."""
    asked = MONTH.fullmatch(args)
    month = int(asked["m"]) if asked else 0
    if asked is None or not 1 <= month <= 12:
        await ctx.say(ctx.t(N_("Please name a month like this: /claims csv 2026-11")))
        return
    first, _ = expenses.month_of(date(int(asked["y"]), month, 1))
    zone = ZoneInfo(ctx.programme_zone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(expenses.month_of(first)[1] + timedelta(days=1), time(), zone)
    approved = await ctx.uow.claims.approved_between(start, end, _areas(ctx))
    await ctx.send_document(
        f"claims-{first:%Y-%m}.csv",
        expenses.finance_table(approved),
        ctx.t(
            N_("Approved expense claims of {month}: {count}"),
            month=expenses.month_name(ctx.t, first),
            count=len(approved),
        ),
    )


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, ClaimAction)
    if press is None:
        return
    found = await ctx.uow.claims.lock(press.claim)
    mentor = await ctx.uow.people.get(found.mentor_id) if found and found.mentor_id else None
    if found is None or mentor is None or not areas.sees_person(ctx.rules, ctx.person, mentor):
        ctx.answer_button(event.callback_id, ctx.t(flows.GONE))
        return
    if press.action == "rcpt":
        await _receipt(ctx, event, found)
        return
    if found.status not in ("pending", "asked"):
        ctx.answer_button(event.callback_id, ctx.t(DECIDED))
        if event.message_id is not None:
            await ctx.edit(event.message_id, *await _claims_now(ctx))
        return
    ctx.answer_button(event.callback_id)
    if press.action == "ok":
        await _approve(ctx, event, found, mentor)
    else:
        flow = flows.REJECT if press.action == "no" else flows.ASK
        await ctx.start_flow(flow, {"claim": str(found.id)})


async def _approve(ctx: Context, event: ButtonPress, found: ExpenseClaim, mentor: Person) -> None:
    found.status, found.decided_by, found.decided_at = "approved", ctx.person.id, ctx.now
    await ctx.uow.audit.record(ctx.now, ctx.person, "expenses.approved", mentor)
    them = ctx.about(mentor)
    told = N_("Your claim {claim} was approved. It will be paid back.")
    await them.say(them.t(told, claim=expenses.describe(them.t, found)))
    if event.message_id is not None:
        await ctx.edit(event.message_id, *await _claims_now(ctx))
    await ctx.say(ctx.t(N_("Claim #{id}: approved. {name} is told."), id=found.id, name=name_of(mentor)))


async def _receipt(ctx: Context, event: ButtonPress, found: ExpenseClaim) -> None:
    """The receipt, sent again to the coordinator who asks, by its file id (never stored as a file)."""
    if found.receipt_file_id is None or found.receipt_kind is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("No receipt")))
        return
    ctx.answer_button(event.callback_id)
    caption = ctx.t(N_("Receipt of claim #{id}"), id=found.id)
    await ctx.send_file(found.receipt_kind, found.receipt_file_id, caption)


FEATURE = Feature(
    "expenses",
    commands=(
        CommandEntry("expenses", claim, N_("Claim expenses, or list your claims"), MENTORS),
        CommandEntry("claims", claims, N_("Expense claims to decide"), COORDINATORS),
    ),
    buttons={PREFIX: pressed},
    flows=flows.FLOWS,
    lists=(CLAIMS,),
    help=(
        HelpLine(
            N_("/expenses – claim what you spent with your learner; /expenses list shows your claims"),
            MENTORS,
        ),
        HelpLine(
            N_(
                "/claims – mentors' expense claims to decide; /claims csv 2026-11 – a month's approved claims"
            ),
            COORDINATORS,
        ),
    ),
)
