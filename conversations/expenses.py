"""The conversations of expenses (``bot/features/expenses.py``): a mentor's claim, a
coordinator's reason for a rejection or question, and the mentor's answer to it.

A claim asks the amount (in the programme's currency, "12,50" or "12.50"), what it was for, the
day (today or yesterday by a button, or a date as the programme's region writes it) and the
receipt: a photo or a document, kept by its Telegram file id. "Skip" (no receipt) is offered only
where the programme file allows it. When the claim is stored the coordinators are told, and the
mentor and they read a warning when the month's claims pass the programme's monthly cap.

Each completion checks the role and the claim again, under the claim's row lock: a claim decided
or erased meanwhile is answered, never decided twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel import Locale

from bot.context import Context
from bot.i18n import N_
from bot.services import areas, expenses
from bot.services.people import name_of
from bot.services.readiness import today
from conversations.common import check_text
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import Refusal
from storage.models import ExpenseClaim, Person

CLAIM, REJECT, ASK, ANSWER = "expense_claim", "expense_reject", "expense_ask", "expense_answer"
GONE = N_("This claim is no longer there.")
UNREADABLE = N_("Please send the amount as a number, like 12.50.")
NOT_POSITIVE = N_("The amount must be more than zero.")
TOO_MUCH = N_("That is more than one claim can be. Please check the amount.")
BAD_DAY = N_("Please send a day within the last twelve months, not in the future.")
LIKE = N_("Please send a date like 24.12.2026.")  # the engine's own hint, for a date it cannot read
# A date as people write it: 3.11.2026, 3/11/26, 2026-11-03, or 3.11 (this year).
WRITTEN = re.compile(r"(?P<a>\d{1,2})\s*[./-]\s*(?P<b>\d{1,2})(?:\s*[./-]\s*(?P<y>\d{2}|\d{4}))?\.?")
ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")


def check_amount(ctx: Context, value: Any) -> str | None:
    amount = expenses.parse_amount(str(value))
    if amount is None:
        return UNREADABLE
    if amount <= 0:
        return NOT_POSITIVE
    if amount > Decimal(str(ctx.rules.expenses.largest)):
        return TOO_MUCH
    return None


def days(ctx: Context) -> tuple[Option, ...]:
    """Today and yesterday, as buttons: most claims are for one of them."""
    now = today(ctx)
    return (
        Option(now.isoformat(), N_("Today")),
        Option((now - timedelta(days=1)).isoformat(), N_("Yesterday")),
    )


def typed_day(ctx: Context, typed: str) -> date | Refusal:
    """A date in the customs of the programme's region: in a region that writes the month first
    (the United States: 11/3/2026), a date with slashes is read month first; dots are always
    day first. Without a year: this year's, or last year's when that day is still to come."""
    iso = ISO.fullmatch(typed.strip())
    written = WRITTEN.fullmatch(typed.strip())
    try:
        if iso is not None:
            return date(int(iso["y"]), int(iso["m"]), int(iso["d"]))
        if written is None:
            return Refusal(LIKE)
        first, second = int(written["a"]), int(written["b"])
        month_first = "/" in typed and Locale.parse(ctx.t.dates).date_formats["short"].pattern.startswith("M")
        day, month = (second, first) if month_first else (first, second)
        if written["y"] is None:
            now = today(ctx)
            found = date(now.year, month, day)
            return found if found <= now else date(now.year - 1, month, day)
        year = int(written["y"])
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return Refusal(LIKE)


def check_day(ctx: Context, value: Any) -> str | None:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    now = today(ctx)
    return BAD_DAY if day > now or day < now - timedelta(days=365) else None


def _after_day(answers: Mapping[str, Any]) -> str:
    return "no_receipt" if answers.get("optional") else "receipt"


def _fields(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    return {"currency": ctx.rules.expenses.currency}


async def claimed(ctx: Context, answers: dict[str, Any]) -> None:
    """The claim is stored; the coordinators hear of it; a claim past the month's cap warns both."""
    if ctx.person.role != "mentor":
        await ctx.say(ctx.t(N_("Only mentors can claim expenses.")))
        return
    amount = expenses.parse_amount(str(answers["amount"])) or Decimal(0)
    receipt = answers.get("receipt") or answers.get("no_receipt") or {}
    claim = await ctx.uow.claims.add(
        ExpenseClaim(
            mentor_id=ctx.person.id,
            cents=int(amount * 100),
            currency=ctx.rules.expenses.currency,
            category=str(answers["category"]),
            spent_on=date.fromisoformat(str(answers["day"])),
            receipt_kind=receipt.get("media"),
            receipt_file_id=receipt.get("file_id"),
            status="pending",
            created_at=ctx.now,
        )
    )
    told = ctx.t(
        N_("Thank you! Your claim {claim} is with the coordinators. /expenses list shows your claims."),
        claim=expenses.describe(ctx.t, claim),
    )
    warning = await expenses.over_cap(ctx, ctx.person, claim, ctx.t)
    await ctx.say(told + (f"\n\n{warning}" if warning else ""))
    await tell_coordinators(ctx, claim, ctx.person)
    await ctx.uow.audit.record(ctx.now, ctx.person, "expenses.claimed", None)


async def tell_coordinators(ctx: Context, claim: ExpenseClaim, mentor: Person) -> None:
    """A new claim, in the coordinators' group or to each of them, with the cap's warning."""
    news = N_("New expense claim from {name}: {claim}. /claims to decide.")
    area = areas.area_of(ctx.rules, mentor)  # the mentor's area's coordinators decide it
    group = await ctx.coordinators_group(area)
    readers = (
        [(group, ctx.programme_translator())]
        if group is not None
        else [(c.chat_id, ctx.translator_for(c)) for c in await ctx.reachable_coordinators(area)]
    )
    for chat, t in readers:
        warning = await expenses.over_cap(ctx, mentor, claim, t)
        text = t(news, name=name_of(mentor), claim=expenses.describe(t, claim))
        await ctx.say_to(chat, text + (f"\n{warning}" if warning else ""))


async def _open_claim(ctx: Context, answers: dict[str, Any]) -> tuple[ExpenseClaim, Person] | None:
    """The claim a coordinator's words are about, locked, if it still waits and they still coordinate."""
    claim = await ctx.uow.claims.lock(int(answers.get("claim") or 0))
    mentor = await ctx.uow.people.get(claim.mentor_id) if claim and claim.mentor_id else None
    if (
        ctx.person.role != "coordinator"
        or claim is None
        or mentor is None
        or claim.status not in ("pending", "asked")
    ):
        await ctx.say(ctx.t(GONE))
        return None
    return claim, mentor


async def rejected(ctx: Context, answers: dict[str, Any]) -> None:
    found = await _open_claim(ctx, answers)
    if found is None:
        return
    claim, mentor = found
    claim.status, claim.reason = "rejected", str(answers["reason"])
    claim.decided_by, claim.decided_at = ctx.person.id, ctx.now
    await ctx.uow.audit.record(ctx.now, ctx.person, "expenses.rejected", mentor)
    them = ctx.about(mentor)
    await them.say(
        them.t(
            N_("Your claim {claim} was not approved. The coordinator wrote: {reason}"),
            claim=expenses.describe(them.t, claim),
            reason=claim.reason,
        )
    )
    await ctx.say(
        ctx.t(N_("Claim #{id}: not approved. {name} is told why."), id=claim.id, name=name_of(mentor))
    )


async def asked(ctx: Context, answers: dict[str, Any]) -> None:
    """The question goes to the mentor as a question of their own to answer (it waits its turn)."""
    found = await _open_claim(ctx, answers)
    if found is None:
        return
    claim, mentor = found
    claim.status, claim.question, claim.answer = "asked", str(answers["question"]), None
    them = ctx.about(mentor)
    await them.start_flow(
        ANSWER,
        {
            "claim": claim.id,
            "asker": ctx.person.id,
            "about": expenses.describe(them.t, claim),
            "question": claim.question,
        },
    )
    await ctx.say(
        ctx.t(N_("Your question about claim #{id} went to {name}."), id=claim.id, name=name_of(mentor))
    )


async def answered(ctx: Context, answers: dict[str, Any]) -> None:
    """The mentor's answer goes to the coordinator who asked (or, if they are gone, to all)."""
    claim = await ctx.uow.claims.lock(int(answers.get("claim") or 0))
    if claim is None or claim.mentor_id != ctx.person.id:
        await ctx.say(ctx.t(GONE))
        return
    if claim.status != "asked":
        await ctx.say(ctx.t(N_("This was already decided.")))
        return
    claim.status, claim.answer = "pending", str(answers["answer"])
    await ctx.say(ctx.t(N_("Thank you, your answer went to the coordinators.")))
    asker = await ctx.uow.people.get(int(answers.get("asker") or 0))
    readers = [asker] if asker and asker.role == "coordinator" and asker.reachable else []
    for coordinator in readers or await ctx.reachable_coordinators(areas.area_of(ctx.rules, ctx.person)):
        t = ctx.translator_for(coordinator)
        line = t(
            N_("{name} answered about claim #{id}: {answer}\n/claims to decide."),
            name=name_of(ctx.person),
            id=claim.id,
            answer=claim.answer,
        )
        await ctx.say_to(coordinator.chat_id, line)


RECEIPT = N_("Please send a photo or a PDF of the receipt.")
CLAIM_FLOW = Flow(
    name=CLAIM,
    steps=(
        Step(
            "amount",
            N_("How much did you spend, in {currency}? (Like 12.50.)"),
            StepKind.TEXT,
            check=check_amount,
        ),
        Step(
            "category",
            N_("What was it for?"),
            StepKind.CHOICE,
            options=tuple(Option(code, label) for code, label in expenses.CATEGORIES.items()),
            columns=3,
        ),
        Step(
            "day",
            N_("On which day? Tap a button, or send a date."),
            StepKind.CHOICE,
            options=days,
            typed=typed_day,
            check=check_day,
            columns=2,
            next=_after_day,
        ),
        Step("receipt", RECEIPT, StepKind.FILE, next=END),
        Step(
            "no_receipt",
            N_("Please send a photo or a PDF of the receipt, or tap “Skip” if you have none."),
            StepKind.FILE,
            optional=True,
        ),
    ),
    on_complete=claimed,
    title=N_("your expense claim"),
    fields=_fields,
)
REJECT_FLOW = Flow(
    name=REJECT,
    steps=(
        Step(
            "reason",
            N_("Why is claim #{claim} not approved? The mentor reads your words."),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=rejected,
    nudge_after=None,
)
ASK_FLOW = Flow(
    name=ASK,
    steps=(
        Step(
            "question",
            N_("What would you like to ask about claim #{claim}? The mentor reads your words."),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=asked,
    nudge_after=None,
)
ANSWER_FLOW = Flow(
    name=ANSWER,
    steps=(
        Step(
            "answer",
            N_("A coordinator asks about your claim {about}:\n\n{question}\n\nPlease answer here."),
            StepKind.TEXT,
            max_length=1000,
        ),
    ),
    on_complete=answered,
    title=N_("your expense claim"),
)
FLOWS = (CLAIM_FLOW, REJECT_FLOW, ASK_FLOW, ANSWER_FLOW)
