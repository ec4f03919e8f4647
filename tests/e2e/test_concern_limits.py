"""Who raises alerts, and how many, through both adapters. A volunteer whose application is open
or declined has no role to raise one with: /concern and its button tell them how to reach the
programme, and nothing reaches the coordinators' group. A person who raises concern after concern
gets three alerts an hour; the rest are added to their newest open case about the same pair and
learner (its alert edited in place, no new alert, no overdue copies), and they are told the
coordinators have it; a worry about another pair is a case of its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import CaseEntry, Concern
from tests.journeys import apply_as_mentor, begin_mentoring, delete_my_data, keys_of, on_pages, pairs

ADDED = "You have told us several things within the hour"


async def concerns(sim: Simulation) -> list[Concern]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Concern).order_by(Concern.id))).scalars())


async def entries(sim: Simulation, concern: Concern) -> list[CaseEntry]:
    async with sim.tandem.db.unit_of_work() as uow:
        return await uow.concerns.entries(concern.id)


async def raise_(sim: Simulation, who: str, urgency: str, words: str) -> str:
    """A learner's concern about money, with words; what the bot answers at the end."""
    await sim.send(who, "/concern")
    await sim.press(who, "^Money or housing$")
    await sim.press(who, f"^{urgency}$")
    return (await sim.send(who, words))[-1].text


async def no_alert_for(sim: Simulation, who: str) -> None:
    """/concern and its button give the way to the programme, not the questions."""
    assert (await sim.send(who, "/help"))[-1].buttons == []  # no "I'm worried" button
    reply = (await sim.send(who, "/concern"))[-1].text
    assert "for the programme's learners and approved mentors" in reply
    assert "mentoring@example.org" in reply and "emergency number" in reply
    await sim.press_data(who, 1, "cc1:start")  # the button of an older /help, or a forged one
    assert sim.bot_texts(who)[-1] == reply


async def test_an_applicant_or_a_declined_volunteer_raises_no_alert(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("max", "Max", language_code="en")
    await apply_as_mentor(sim, "max", name="Max")
    mark = sim.last_seq()
    await no_alert_for(sim, "max")
    card = await on_pages(sim, "carla", "/screening", "Max")
    await sim.press_data("carla", card.message_id, next(d for r in card.data for d in r if d.endswith(":no")))
    await sim.send("carla", "Not enough time for the learners")
    assert "cannot offer you a place" in sim.bot_texts("max")[-1]
    await no_alert_for(sim, "max")
    assert await concerns(sim) == []
    assert not [t for t in sim.bot_texts("coordinators", mark) if "Concern #" in t]
    # Their other commands work as before.
    assert (await sim.send("max", "/profile"))[-1].buttons


async def test_concern_after_concern_makes_three_alerts_an_hour(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    mark = sim.last_seq()
    answers = [await raise_(sim, learner, "Urgent: today", f"Worry number {n}") for n in range(1, 7)]
    assert answers[:3] == ["Thank you for telling us. A coordinator will get back to you soon."] * 3
    assert all(ADDED in answer and "the coordinators have all of it" in answer for answer in answers[3:])

    alerts = [e for e in sim.transcript("coordinators", mark) if e.sender == "bot" and not e.edit]
    assert len(alerts) == 3 and len(await concerns(sim)) == 3
    newest = (await concerns(sim))[-1]
    assert [e.action for e in await entries(sim, newest)] == ["raised", "added", "added", "added"]
    edited = sim.current_texts("coordinators", mark)[-1]  # the third alert, edited in place
    assert "Worry number 3" in edited and "added: money or housing: Worry number 6" in edited

    # Overdue: one private copy of each of the three alerts, not six.
    await sim.advance(timedelta(minutes=31))
    assert sum("Concern #" in t for t in sim.bot_texts("carla", mark)) == 3

    # An hour on, a concern is an alert of its own again.
    await sim.advance(timedelta(minutes=30))
    assert "Thank you for telling us" in await raise_(sim, learner, "It can wait", "Worry number 7")
    assert len(await concerns(sim)) == 4


async def test_a_more_severe_concern_still_alerts_past_the_limit(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    for n in range(1, 5):
        await raise_(sim, learner, "It can wait", f"Small worry {n}")
    assert [c.severity for c in await concerns(sim)] == ["normal"] * 3  # the fourth was added
    mark = sim.last_seq()
    assert "Thank you for telling us" in await raise_(sim, learner, "Urgent: today", "They cut the power")
    assert "URGENT" in sim.bot_texts("coordinators", mark)[0]
    assert ADDED in await raise_(sim, learner, "Urgent: today", "And the heating")
    assert [c.severity for c in await concerns(sim)] == ["normal"] * 3 + ["urgent"]


async def test_past_the_limit_a_worry_about_a_new_pair_is_a_case_of_its_own(cohort: Simulation) -> None:
    """Three concerns about the first pair; the pair ends and the learner is matched again; the
    next one, naming the new mentor, is not added to the old pair's case (it would be read as about
    that pair, and stay when the new mentor leaves): it alerts on its own, and when that mentor
    deletes their data, their name goes from it."""
    sim = cohort
    first, learner, mentor = await begin_mentoring(sim)
    for n in range(1, 4):
        await raise_(sim, learner, "Urgent: today", f"Worry number {n}")
    page = await on_pages(sim, "carla", "/pairs", f"{learner.title()} and ")
    end = next(
        d
        for texts, datas in zip(page.buttons, page.data, strict=True)
        for t, d in zip(texts, datas, strict=True)
        if t.startswith(f"End: {learner.title()} & ")
    )
    await sim.press_data("carla", page.message_id, end or "")
    await sim.press("carla", "^Moved away$")
    await sim.send("carla", "They moved to another town.")
    await sim.send("carla", "/match")
    while sim.bot_texts("carla")[-1].startswith("Proposal"):
        await sim.press("carla", "^Approve$")
    again = [p for p in (await pairs(sim)).values() if p.learner_id == first.learner_id and p.id != first.id]
    second = again[0]
    new_mentor = (await keys_of(sim, second))[1]
    assert new_mentor != mentor
    mark = sim.last_seq()

    await sim.send(learner, "/concern")
    await sim.press(learner, "^Money or housing$")
    await sim.press(learner, "^Urgent: today$")
    replies = [r.text for r in await sim.send(learner, f"{new_mentor.title()} never answers")]
    # then the closing survey of the ended pair, which the concern had set aside
    assert "Thank you for telling us. A coordinator will get back to you soon." in replies
    assert [t for t in sim.bot_texts("coordinators", mark) if "Concern #" in t]  # an alert of its own
    newest = (await concerns(sim))[-1]
    assert (newest.pair_id, len(await concerns(sim))) == (second.id, 4)

    await delete_my_data(sim, new_mentor)
    kept = next(c for c in await concerns(sim) if c.id == newest.id)
    assert kept.text is not None and new_mentor.title() not in kept.text  # the learner's words stay
    for concern in await concerns(sim):
        assert all(new_mentor.title() not in (e.note or "") for e in await entries(sim, concern))
