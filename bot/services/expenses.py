"""Mentors' expense claims, without the conversations: how an amount is read, what a claim says,
the monthly cap, the finance office's CSV and what an erasure keeps.

Amounts are kept in cents (whole numbers, so sums are exact) in the programme's currency.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from bot.context import Context
from bot.i18n import N_, Translator
from bot.services.people import name_of
from storage.models import ExpenseClaim, Person

CATEGORIES = {"transport": N_("Transport"), "activity": N_("Activity"), "other": N_("Other")}
STATES = {
    "pending": N_("waiting for a decision"),
    "asked": N_("a question for you"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
}
OVER_CAP = N_("⚠ {name}'s claims for {month} come to {total}, over the monthly limit of {cap}.")
# "12", "12.5", "12,50", "1.250,00", "1,250.00", with a currency sign or code around it.
GROUPING = ".,'’ \u00a0\u202f"  # what separates thousands: a point, comma, apostrophe or a space
MONEY = re.compile(
    rf"(?P<sign>[-−]?)\s*(?P<int>\d{{1,3}}(?:[{GROUPING}]\d{{3}})+|\d+)(?:[.,](?P<frac>\d{{1,2}}))?"
)


# A currency around the number: a sign, an ISO code, or the word people write ("12,50 kr.", "12 TL").
CURRENCY = re.compile(
    r"(?i)[€$£₺₴]|\b[a-z]{3}\b|\b(?:euros?|francs?|kr|tl|lira|zł|zl|złotych|lei|ft|грн|يورو)\b\.?"
)


def parse_amount(typed: str) -> Decimal | None:
    """The amount someone typed, "12,50" and "12.50" alike; None for anything that is not one
    number (words, two numbers, three decimals). A minus sign is kept, for the caller to refuse."""
    words = re.sub(CURRENCY, " ", typed.replace("٫", ",")).strip()  # the Arabic decimal separator
    words = re.sub(r"(?<=\d)[.,][-–]$", "", words)  # "12,-": twelve, with no cents
    found = MONEY.fullmatch(words)
    if found is None:
        return None
    point = words[found.start("frac") - 1] if found["frac"] else None
    if point is not None and point in found["int"]:
        return None  # "12.345.6": the decimal point cannot also group thousands
    whole = re.sub(f"[{GROUPING}]", "", found["int"])
    try:
        amount = Decimal(whole + "." + (found["frac"] or "0"))
    except InvalidOperation:
        return None
    return -amount if found["sign"] else amount


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of the month ``day`` is in."""
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def month_name(t: Translator, day: date) -> str:
    return t.date(day, "LLLL yyyy")


def describe(t: Translator, claim: ExpenseClaim) -> str:
    """ "#3 · €12.50 · Transport · 3 Nov 2026": a claim in one line, in the reader's words."""
    return " · ".join(
        (
            f"#{claim.id}",
            t.money(claim.cents, claim.currency),
            t(CATEGORIES.get(claim.category, claim.category)),
            t.date(claim.spent_on),
        )
    )


async def over_cap(ctx: Context, mentor: Person, claim: ExpenseClaim, t: Translator) -> str | None:
    """The warning line when the mentor's claims for the claim's month pass the programme's cap."""
    cap = ctx.rules.expenses.monthly_cap
    if cap is None or claim.mentor_id is None:
        return None
    total = await ctx.uow.claims.month_total(claim.mentor_id, *month_of(claim.spent_on))
    cap_cents = round(Decimal(str(cap)) * 100)
    if total <= cap_cents:
        return None
    return t(
        OVER_CAP,
        name=name_of(mentor),
        month=month_name(t, claim.spent_on),
        total=t.money(total, claim.currency),
        cap=t.money(cap_cents, claim.currency),
    )


def finance_table(claims: Iterable[tuple[ExpenseClaim, Person | None]]) -> bytes:
    """The month's approved claims for the finance office: one row each, amounts with a point."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ("claim", "mentor", "mentor_id", "day", "category", "amount", "currency", "receipt", "approved_at")
    )
    for claim, mentor in claims:
        writer.writerow(
            (
                claim.id,
                name_of(mentor) if mentor is not None else claim.payee or "",
                claim.mentor_id or "",
                claim.spent_on.isoformat(),
                claim.category,
                f"{Decimal(claim.cents) / 100:.2f}",
                claim.currency,
                claim.receipt_kind or "none",
                claim.decided_at.isoformat() if claim.decided_at else "",
            )
        )
    return out.getvalue().encode("utf-8")


async def forget(ctx: Context, person: Person) -> None:
    """A mentor's erasure: their claims go, unless the programme file keeps approved ones for the
    finance office (``expenses.keep_approved_for_finance``): those stay with the name only."""
    keep = ctx.rules.expenses.keep_approved_for_finance
    await ctx.uow.claims.forget(person.id, keep_approved_as=name_of(person) if keep else None)
