"""Reviewing a large /match run through both adapters: the summary (how many, the scores), "all from
a score" (picked or typed, the count shown before confirming), one by one on pages within Telegram's
4,096 characters, and approving twice (an old button, two coordinators at once) never makes two
pairs or fills a mentor's seat twice. The learners and mentors are seeded in the database (two dozen
walked through onboarding would take minutes); every decision goes through the emulator."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.devtools.simulation import next_page
from bot.emulator import Entry, Limits
from bot.simulation import Simulation
from storage.models import Pair, Person
from storage.scratch import postgres_server
from tests.journeys import START

needs_postgres = pytest.mark.skipif(
    postgres_server() is None,
    reason="concurrent transactions need PostgreSQL (set TANDEM_TEST_POSTGRES_URL); SQLite has one writer",
)
LEARNERS = 24


@pytest.fixture
async def sim(framework: str) -> AsyncIterator[Simulation]:
    """Coordinators Carla and Cleo; 26 waiting learners and 24 ready mentors (``seed_cohort``)."""
    simulation = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    await simulation.start()
    try:
        for key in ("carla", "cleo"):
            simulation.add_user(key, key.title(), language_code="en")
            code = (await run_admin(["invite", "coordinator"], simulation.tandem)).split()[0]
            await simulation.send(key, f"/start {code}")
        await seed_cohort(simulation)
        yield simulation
    finally:
        await simulation.stop()


async def seed_cohort(sim: Simulation) -> None:
    """A learner and a mentor at each of 24 places in Berlin, and two learners in Munich."""
    now = sim.clock.now()
    async with sim.tandem.db.unit_of_work() as uow:
        for n in range(LEARNERS + 2):
            for role in ("learner", "mentor") if n < LEARNERS else ("learner",):
                key = f"{role[0]}{n}"
                sim.add_user(key, f"{role.title()}{n}", language_code="en")
                place = {"lat": 52.40 + n * 0.004, "lon": 13.30 + (n * 7 % 11) * 0.006}
                if n >= LEARNERS:
                    place = {"lat": 48.14, "lon": 11.58}
                profile = {"availability": ["weekday_evening"], "place": place, "capacity": 1, "travel": "25"}
                if n % 3 == 0:
                    profile["interests"] = ["music"]
                await uow.people.add(
                    Person(
                        telegram_user_id=sim.users[key],
                        chat_id=sim.users[key],
                        first_name=f"{role.title()}{n}",
                        telegram_language="en",
                        role=role,
                        consent_at=now,
                        screening="approved" if role == "mentor" else None,
                        ready_at=now if role == "mentor" else None,
                        profile=profile,
                        created_at=now,
                        updated_at=now,
                    )
                )


async def live_pairs(sim: Simulation) -> list[Pair]:
    async with sim.tandem.db.unit_of_work() as uow:
        query = select(Pair).where(Pair.status.in_(("introduced", "active")))
        return list((await uow.session.execute(query)).scalars().all())


def button_data(entry: Entry, text_starts: str) -> str:
    for texts, data in zip(entry.buttons, entry.data, strict=True):
        for text, datum in zip(texts, data, strict=True):
            if text.startswith(text_starts) and datum:
                return datum
    raise AssertionError(f"no button {text_starts!r} under {entry.text!r}")


def now_reads(sim: Simulation, message: Entry) -> Entry:
    """The message as it reads now, after edits in place."""
    return next(e for e in reversed(sim.transcript("carla")) if e.message_id == message.message_id)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_a_large_run_is_summed_up_and_approved_from_a_picked_score_once(sim: Simulation) -> None:
    summary = (await sim.send("carla", "/match"))[-1]
    assert summary.text.startswith(f"{LEARNERS} proposals to review, scoring ")
    steps = [line for line in summary.text.splitlines() if " or more: " in line]
    assert len(steps) >= 2 and steps[-1].endswith(f"or more: {LEARNERS}")
    assert "No mentor for now:\n• no mentor within reach: 2" in summary.text  # counted, not named
    labels = [text for row in summary.buttons for text in row]
    assert "Type a score" in labels and "One by one" in labels
    first = next(text for text in labels if text.startswith("All from "))
    count = int(first.rsplit("(", 1)[1].rstrip(")"))
    assert 0 < count < LEARNERS

    asked = (await sim.press("carla", "^All from "))[-1]
    assert asked.text.startswith(f"Approve {count} proposals scoring ")
    assert not await live_pairs(sim)  # nothing yet: only counted
    yes = button_data(asked, "Yes, approve")
    done = await sim.press_data("carla", asked.message_id, yes)
    assert done[-1].text == f"Approved: {count}. No longer possible, so skipped: 0."
    assert len(await live_pairs(sim)) == count
    told = [
        key
        for key in sim.users
        if key.startswith("l") and any("Your mentor is" in t for t in sim.bot_texts(key))
    ]
    assert len(told) == count

    # The same button again (an old message, a double tap): refused, nothing doubled.
    await sim.press_data("carla", asked.message_id, yes)
    assert sim.toasts("carla")[-1] == "This was already decided."
    assert len(await live_pairs(sim)) == count

    # A new /match replaces the run: the first run's buttons no longer act.
    await sim.send("carla", "/match")
    await sim.press_data("carla", summary.message_id, button_data(summary, "All from "))
    assert sim.toasts("carla")[-1] == "This button is no longer active."


async def test_a_typed_score_then_one_by_one_on_pages(sim: Simulation) -> None:
    summary = (await sim.send("carla", "/match"))[-1]
    prompt = (await sim.press("carla", "^Type a score$"))[-1]
    assert prompt.text.startswith("From which score on should the proposals be approved? They score ")
    assert (await sim.send("carla", "lots"))[-1].text.startswith("Please send a number, for example 3.")
    refused = (await sim.send("carla", "2000"))[-1].text
    assert refused.startswith("Please send a number from 0 to 1000.") and "They score" in refused
    low = summary.text.split("scoring ", 1)[1].split(" to ", 1)[0]
    asked = (await sim.send("carla", low))[-1]
    assert asked.text.startswith(f"Approve {LEARNERS} proposals scoring {low} or more?")
    await sim.press("carla", "^No$")  # not now: nothing approved, the buttons go
    assert not await live_pairs(sim)

    page = (await sim.press("carla", "^One by one$"))[-1]
    assert page.text.startswith(f"Proposals to review: {LEARNERS} — page 1 of 5")
    assert page.text.count("Proposal ") == 5 and utf16(page.text) <= 4096
    await sim.press_data("carla", page.message_id, next_page(page) or "")
    page = now_reads(sim, page)
    assert "page 2 of 5" in page.text and "Proposal 6 of 24" in page.text
    await sim.press_data("carla", page.message_id, button_data(page, "Approve 6"))
    assert sim.toasts("carla")[-1].startswith("Approved: ")
    await sim.press_data("carla", page.message_id, button_data(page, "Skip 7"))
    page = now_reads(sim, page)
    assert page.text.startswith(f"Proposals to review: {LEARNERS - 2} — page 2 of 5")
    assert "Proposal 6 of" not in page.text and "Proposal 8 of 24" in page.text
    assert len(await live_pairs(sim)) == 1


@pytest.mark.parametrize(
    ("locale", "summary", "question"),
    [
        ("de", "Vorschläge zu prüfen", "Vorschläge mit"),
        ("fr", "propositions à examiner", "propositions"),
    ],
)
async def test_the_batch_review_in_german_and_french(
    sim: Simulation, locale: str, summary: str, question: str
) -> None:
    async with sim.tandem.db.unit_of_work() as uow:
        carla = await uow.people.by_telegram_id(sim.users["carla"])
        assert carla is not None
        carla.locale = locale
    text = (await sim.send("carla", "/match"))[-1]
    assert summary in text.text and f"{LEARNERS} " in text.text
    asked = (await sim.press_data("carla", text.message_id, text.data[0][0] or ""))[-1]
    assert question in asked.text


@needs_postgres
async def test_two_coordinators_approving_at_once_make_each_pair_once(sim: Simulation) -> None:
    """Carla's "yes" to everything, Cleo's "yes" on the same question and Cleo choosing another
    mentor for one learner (a mentor the batch gives someone else), all at once: every learner in
    one pair at most, every mentor within their one seat."""
    summary = (await sim.send("carla", "/match"))[-1]
    everyone = button_data(summary, "All from ")  # the best quarter first; take the last instead
    everyone = [d for row in summary.data for d in row if d and ":a" in d][-1]
    asked = (await sim.press_data("carla", summary.message_id, everyone))[-1]
    yes = button_data(asked, "Yes, approve")
    async with sim.tandem.db.unit_of_work() as uow:
        proposals = await uow.pairs.pending()
    one = next(p for p in proposals if p.alternatives)
    other = int(one.alternatives[0][0])
    cleo_message = (await sim.send("cleo", "/help"))[-1].message_id
    await asyncio.gather(
        sim.press_data("carla", asked.message_id, yes),
        sim.press_data("cleo", cleo_message, yes),
        sim.press_data("cleo", cleo_message, f"mp1:{one.id}:m{other}"),
    )
    live = await live_pairs(sim)
    assert set(Counter(p.learner_id for p in live).values()) == {1}  # nobody in two pairs
    assert set(Counter(p.mentor_id for p in live).values()) == {1}  # nor a mentor past their one seat
    assert len(live) >= LEARNERS - 1
    said = sim.bot_texts("carla") + sim.bot_texts("cleo")
    assert sum(t.startswith("Approved: ") and "skipped" in t for t in said) == 1  # one batch did it
