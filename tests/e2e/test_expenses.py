"""Expenses through both adapters: a mentor claims what they spent (amount, what for, the day, a
receipt), the coordinators hear of it and decide it on /claims (approve; reject with a reason;
ask, and the mentor answers), the receipt comes again on demand, the mentor is told each outcome
and lists their claims; a month's approved claims go to the finance office as a CSV. Bad input at
every step is answered and asked again; the monthly cap warns mentor and coordinators; a claim
without a receipt only where the programme allows it; erasure takes the claims (or keeps the
approved ones for finance where the programme says so); old, forged and others' buttons are
refused; two coordinators approving at once approve once (PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.callbacks import pack
from bot.features.expenses import ClaimAction
from bot.simulation import Simulation
from storage.models import ExpenseClaim
from storage.scratch import postgres_server
from tests.journeys import (
    add_coordinator,
    cohort_simulation,
    delete_my_data,
    last_file,
    onboard_cohort,
    rows,
    speaks,
)

DECIDE = "/claims to decide."
REASON = "Please claim the cinema under the learner budget"


async def claim(
    sim: Simulation, who: str, amount: str, what: str = "^Transport$", day: str = "^Today$"
) -> str:
    """/expenses, the amount, what for, the day, a photo of the receipt: what the mentor reads."""
    await sim.send(who, "/expenses")
    await sim.send(who, amount)
    await sim.press(who, what)
    if day.startswith("^"):
        await sim.press(who, day)
    else:
        await sim.send(who, day)
    return (await sim.photo(who, "receipt.jpg"))[-1].text


@pytest.fixture
async def capped(framework: str, tmp_path: Path) -> AsyncIterator[Simulation]:
    """The cohort in a programme with a cap of 30 €, no receipt required, and approved claims
    kept for the finance office when a mentor leaves."""
    programme = tmp_path / "programme.toml"
    programme.write_text(
        'name = "Capped"\n[expenses]\nmonthly_cap = 30\nreceipt_required = false\n'
        "keep_approved_for_finance = true\n",
        encoding="utf-8",
    )
    sim = cohort_simulation(framework)
    sim.configure(programme_file=programme)
    await sim.start()
    try:
        await onboard_cohort(sim)
        yield sim
    finally:
        await sim.stop()


async def test_a_claim_is_made_decided_and_told(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("peter", "/expenses")
    assert "How much did you spend, in EUR? (Like 12.50.)" in sim.bot_texts("peter")[-1]
    await sim.send("peter", "12,50")
    assert sim.transcript("peter")[-1].buttons == [["Transport", "Activity", "Other"]]
    await sim.press("peter", "^Transport$")
    assert sim.transcript("peter")[-1].buttons == [["Today", "Yesterday"]]
    await sim.press("peter", "^Yesterday$")
    assert "Please send a photo or a PDF of the receipt." in sim.bot_texts("peter")[-1]
    mark = sim.last_seq()
    told = (await sim.photo("peter", "ticket.jpg"))[-1].text
    assert told.startswith("Thank you! Your claim #1 · €12.50 · Transport · 1 Mar 2026 is with")
    news = sim.bot_texts("coordinators", mark)
    assert news == [f"New expense claim from Peter: #1 · €12.50 · Transport · 1 Mar 2026. {DECIDE}"]

    # Carla: the claim on /claims; the receipt again, by its file id; approved.
    page = (await sim.send("carla", "/claims"))[-1]
    assert page.text.startswith("Expense claims to decide: 1") and "#1 · €12.50" in page.text
    assert page.buttons == [["Approve", "Decline", "Ask", "Receipt"]]
    receipt = [e for e in await sim.press("carla", "^Receipt$") if e.sender == "bot"][-1]
    assert receipt.kind == "photo" and receipt.text == "Receipt of claim #1"
    assert receipt.document == "ticket.jpg"  # Peter's own photo, passed on by its file id
    assert [c.receipt_file_id for c in await rows(sim, ExpenseClaim)] == [receipt.file_id]
    mark = sim.last_seq()
    await sim.press("carla", "^Approve$")
    assert "Claim #1: approved. Peter is told." in sim.bot_texts("carla", mark)
    assert "No expense claim is waiting." in sim.current_texts("carla")  # the page, redrawn
    assert sim.bot_texts("peter", mark) == [
        "Your claim #1 · €12.50 · Transport · 1 Mar 2026 was approved. It will be paid back."
    ]

    # A second claim is rejected with a reason; a third asked about, answered, then approved.
    await claim(sim, "peter", "8.00", "^Activity$")
    await claim(sim, "peter", "4", "^Other$")
    await sim.send("carla", "/claims")
    await sim.press("carla", "^Decline$")
    assert "Why is claim #2 not approved?" in sim.bot_texts("carla")[-1]
    mark = sim.last_seq()
    await sim.send("carla", REASON)
    assert "Claim #2: not approved. Peter is told why." in sim.bot_texts("carla", mark)
    assert sim.bot_texts("peter", mark) == [
        "Your claim #2 · €8.00 · Activity · 2 Mar 2026 was not approved. The coordinator wrote: "
        "Please claim the cinema under the learner budget"
    ]
    await sim.send("carla", "/claims")
    await sim.press("carla", "^Ask$")
    await sim.send("carla", "What was this for?")
    question = sim.bot_texts("peter")[-1]
    assert question.startswith("A coordinator asks about your claim #3 · €4.00 · Other")
    assert "What was this for?" in question
    mark = sim.last_seq()
    await sim.send("peter", "Bus tickets for the museum")
    assert sim.bot_texts("peter", mark) == ["Thank you, your answer went to the coordinators."]
    assert f"Peter answered about claim #3: Bus tickets for the museum\n{DECIDE}" in sim.bot_texts(
        "carla", mark
    )
    page = (await sim.send("carla", "/claims"))[-1]
    assert "Question: What was this for?\nAnswer: Bus tickets for the museum" in page.text
    await sim.press("carla", "^Approve$")

    listing = (await sim.send("peter", "/expenses list"))[-1].text
    assert listing.splitlines() == [
        "Your expense claims:",
        "• #3 · €4.00 · Other · 2 Mar 2026: approved",
        "• #2 · €8.00 · Activity · 2 Mar 2026: not approved (" + REASON + ")",
        "• #1 · €12.50 · Transport · 1 Mar 2026: approved",
    ]

    # The finance office's CSV: the month's approved claims.
    await sim.send("carla", "/claims csv 2026-03")
    assert sim.transcript("carla")[-1].text == "Approved expense claims of March 2026: 2"
    table = list(csv.reader(io.StringIO(last_file(sim, "carla", "claims-2026-03").decode())))
    assert [r[:8] for r in table[1:]] == [
        ["1", "Peter", table[1][2], "2026-03-01", "transport", "12.50", "EUR", "photo"],
        ["3", "Peter", table[1][2], "2026-03-02", "other", "4.00", "EUR", "photo"],
    ]
    await sim.send("carla", "/claims csv 2026-02")
    assert list(csv.reader(io.StringIO(last_file(sim, "carla", "claims-2026-02").decode())))[1:] == []
    await sim.send("carla", "/claims csv March")
    assert sim.bot_texts("carla")[-1] == "Please name a month like this: /claims csv 2026-11"

    # Peter's claims are in his /mydata.
    await sim.send("peter", "/mydata")
    mine = json.loads(last_file(sim, "peter", "my-data"))
    assert [c["state"] for c in mine["expense_claims"]] == ["approved", "not approved", "approved"]
    assert mine["expense_claims"][0]["your_answer"] == "Bus tickets for the museum"


async def test_bad_input_at_every_step_is_answered_and_asked_again(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("peter", "/expenses")
    for typed, hint in (
        ("twelve", "Please send the amount as a number, like 12.50."),
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("12,50 and 3", "Please send the amount as a number, like 12.50."),
        ("5000", "That is more than one claim can be. Please check the amount."),
    ):
        reply = (await sim.send("peter", typed))[-1].text
        assert reply.startswith(hint) and reply.endswith("in EUR? (Like 12.50.)"), (typed, reply)
    assert (await sim.sticker("peter", "💶"))[-1].text.startswith("Nice sticker!")
    # A command instead of the amount is a command; the question stays and takes the amount.
    assert "/expenses" in (await sim.send("peter", "/help"))[-1].text
    await sim.send("peter", "€ 7,5")
    await sim.press("peter", "^Activity$")
    for typed in ("31.12.2026", "last week", "31.02.2026"):
        assert "Please send" in (await sim.send("peter", typed))[-1].text, typed
    await sim.send("peter", "27.2.")  # this year's 27 February
    for media in (sim.sticker("peter", "🧾"), sim.send("peter", "I lost it"), sim.voice("peter", 3)):
        reply = (await media)[-1].text
        assert "Please send a photo or a PDF of the receipt." in reply, reply
    assert "Skip" not in str(sim.transcript("peter")[-1].buttons)  # a receipt is required here
    told = (await sim.document("peter", "invoice.pdf"))[-1].text
    assert "#1 · €7.50 · Activity · 27 Feb 2026" in told
    found = await rows(sim, ExpenseClaim)
    assert [(c.cents, c.receipt_kind, c.status) for c in found] == [(750, "document", "pending")]

    # Only mentors claim; only coordinators decide.
    assert (await sim.send("lena", "/expenses"))[-1].text == "Only mentors can claim expenses."
    assert (await sim.send("peter", "/claims"))[-1].text == "Only coordinators can use this command."
    assert (await sim.send("carla", "/expenses"))[-1].text == "Only mentors can claim expenses."


async def test_forged_old_and_others_buttons_decide_nothing(cohort: Simulation) -> None:
    sim = cohort
    await claim(sim, "peter", "10")
    page = (await sim.send("carla", "/claims"))[-1]
    for data in ("ex1:1:pay", "ex1:²:ok", "ex1:999:ok", "ex1:1", f"ex1:{2**63}:ok"):
        await sim.press_data("carla", page.message_id, data)
    assert "Claim #1: approved" not in " ".join(sim.bot_texts("carla"))
    mine = (await sim.send("peter", "/help"))[-1].message_id
    mark = sim.last_seq()
    await sim.press_data("peter", mine, pack(ClaimAction(1, "ok")))  # a mentor approving his own
    assert sim.toasts("peter", mark) == ["This button is not for you."]
    await sim.press("carla", "^Approve$")
    mark = sim.last_seq()
    await sim.press_data("carla", page.message_id, pack(ClaimAction(1, "no")))  # the old page
    assert sim.toasts("carla", mark) == ["This was already decided."]
    assert [c.status for c in await rows(sim, ExpenseClaim)] == ["approved"]


async def test_a_mentor_who_leaves_takes_a_pending_claim_with_him(cohort: Simulation) -> None:
    """The shipped programme keeps nothing: every claim goes, and the coordinator's buttons on it
    say it is no longer there."""
    sim = cohort
    await claim(sim, "peter", "10")
    await claim(sim, "peter", "5")
    await sim.send("carla", "/claims")
    await sim.press("carla", "^Approve$")
    await sim.send("carla", "/claims")
    await sim.press("carla", "^Decline$")  # she is asked for the reason; Peter leaves meanwhile
    await delete_my_data(sim, "peter")
    assert await rows(sim, ExpenseClaim) == []
    mark = sim.last_seq()
    await sim.send("carla", "Not needed")
    assert sim.bot_texts("carla", mark) == ["This claim is no longer there."]
    await sim.send("carla", "/claims")
    assert sim.bot_texts("carla")[-1] == "No expense claim is waiting."


async def test_the_cap_warns_a_claim_without_receipt_and_finance_keeps_what_was_approved(
    capped: Simulation,
) -> None:
    sim = capped
    await speaks(sim, "amira", "de")
    await sim.send("amira", "/expenses")
    assert "Wie viel hast du ausgegeben, in EUR?" in sim.bot_texts("amira")[-1]
    await sim.send("amira", "25,00")
    await sim.press("amira", "^Fahrtkosten$")
    await sim.press("amira", "^Heute$")
    assert sim.transcript("amira")[-1].buttons == [["Überspringen"]]
    mark = sim.last_seq()
    await sim.press("amira", "^Überspringen$")  # no receipt: this programme allows it
    assert "#1 · 25,00\u00a0€ · Fahrtkosten · 02.03.2026" in sim.bot_texts("amira", mark)[-1]
    assert "⚠" not in " ".join(sim.bot_texts("coordinators", mark))
    mark = sim.last_seq()
    told = await claim(sim, "amira", "10", "^Aktivität$", "^Heute$")
    assert (
        "⚠ Die Auslagen von Amira im März 2026 betragen 35,00\u00a0€, mehr als die monatliche "
        "Grenze von 30,00\u00a0€." in told
    )
    assert (
        "⚠ Amira's claims for March 2026 come to €35.00, over the monthly limit of €30.00."
        in (sim.bot_texts("coordinators", mark)[-1])
    )
    page = (await sim.send("carla", "/claims"))[-1]
    assert "No receipt" in page.text and page.buttons[0] == ["Approve", "Decline", "Ask"]
    await sim.press("carla", "^Approve$")  # the first, without a receipt; the second stays open

    # Amira leaves: the approved claim stays for the finance office, with her name only.
    await speaks(sim, "amira", "en")
    await delete_my_data(sim, "amira")
    kept = await rows(sim, ExpenseClaim)
    assert [(c.id, c.status, c.mentor_id, c.payee) for c in kept] == [(1, "approved", None, "Amira")]
    await sim.send("carla", "/claims csv 2026-03")
    table = list(csv.reader(io.StringIO(last_file(sim, "carla", "claims-2026-03").decode())))
    assert table[1][:8] == ["1", "Amira", "", "2026-03-02", "transport", "25.00", "EUR", "none"]


async def test_french_texts(cohort: Simulation) -> None:
    sim = cohort
    await speaks(sim, "peter", "fr")
    await sim.send("peter", "/expenses")
    assert "Combien as-tu dépensé, en EUR" in sim.bot_texts("peter")[-1]
    await sim.send("peter", "3,20")
    await sim.press_option("peter", 0)
    await sim.press_option("peter", 0)
    told = (await sim.photo("peter", "ticket.jpg"))[-1].text
    assert "3,20\u00a0€" in told


needs_postgres = pytest.mark.skipif(
    postgres_server() is None,
    reason="concurrent transactions need PostgreSQL (set TANDEM_TEST_POSTGRES_URL); SQLite has one writer",
)


@needs_postgres
async def test_two_coordinators_approving_at_once_approve_once(cohort: Simulation) -> None:
    """Carla and Cleo press Approve on the same claim at the same moment, ten times: one approves,
    the other reads it was already decided, and the mentor is told once."""
    sim = cohort
    sim.add_user("cleo", "Cleo", language_code="en")
    await add_coordinator(sim, "cleo")
    for round_ in range(10):
        await claim(sim, "peter", "1")
        pages = [(await sim.send(c, "/claims"))[-1].message_id for c in ("carla", "cleo")]
        mark = sim.last_seq()
        data = pack(ClaimAction(round_ + 1, "ok"))
        await asyncio.gather(
            *(sim.press_data(c, m, data) for c, m in zip(("carla", "cleo"), pages, strict=True))
        )
        approved = [
            sum("approved. Peter is told" in t for t in sim.bot_texts(c, mark)) for c in ("carla", "cleo")
        ]
        decided = [sim.toasts(c, mark).count("This was already decided.") for c in ("carla", "cleo")]
        told = sum("was approved" in t for t in sim.bot_texts("peter", mark))
        assert (sorted(approved), sorted(decided), told) == ([0, 1], [0, 1], 1), round_
