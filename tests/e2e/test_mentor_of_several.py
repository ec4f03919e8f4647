"""A mentor with two learners, through both adapters: a concern, /progress and /goals ask which
learner it is about (never "the newest pair"); the alert names the chosen pair and "Contact the
learner" reaches that learner only; /sessions shows each pair under its learner's name; a pause
is told to both learners; forged choices are refused."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.simulation import Simulation
from storage.models import Concern, Pair
from tests.journeys import amira_takes_both

WHICH = "About which of your learners?"


async def sim_person(sim: Simulation, key: str) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[key])
        assert person is not None
        return person.id


async def running(sim: Simulation) -> None:
    """Both pairs as they are once mentoring runs with a weekly time (the pairing's own steps are
    tested elsewhere; here it is what comes after)."""
    async with sim.tandem.db.unit_of_work() as uow:
        await uow.session.execute(update(Pair).values(status="active", slot_weekday=1, slot_time="17:00"))


async def test_a_concern_names_the_learner_chosen_and_contact_reaches_only_them(cohort: Simulation) -> None:
    sim = cohort
    both = await amira_takes_both(sim)

    # Amira is worried about Tom, not about the newest pair's learner.
    asked = (await sim.send("amira", "/concern"))[-1]
    assert asked.text == WHICH and asked.buttons == [["Lena"], ["Tom"]]
    await sim.press("amira", "^Tom$")
    assert "What is it about?" in sim.bot_texts("amira")[-1]
    await sim.press("amira", "^Worried about my learner's safety$")
    await sim.press("amira", "^Urgent: today$")
    mark = sim.last_seq()
    await sim.send("amira", "He says his father hits him")
    alert = "\n".join(sim.current_texts("coordinators", mark))
    assert "About: Tom, pair with Amira" in alert and "Lena" not in alert
    async with sim.tandem.db.unit_of_work() as uow:
        (concern,) = (await uow.session.execute(select(Concern))).scalars().all()
    assert concern.pair_id == both["tom"].id and concern.subject_id == both["tom"].learner_id

    # "Contact the learner" writes to Tom; Lena hears nothing.
    lena_mark = sim.last_seq()
    await sim.press("carla", "^Contact the learner$", chat="coordinators")
    await sim.send("carla", "Can we talk tomorrow at 10?")
    assert "Can we talk tomorrow at 10?" in "\n".join(sim.bot_texts("tom", lena_mark))
    assert not sim.bot_texts("lena", lena_mark)

    # A German mentor reads the choice in German; a typed name answers it too.
    await sim.send("amira", "/language")
    await sim.press("amira", "^Deutsch$")
    asked = (await sim.send("amira", "/concern"))[-1]
    assert asked.text == "Um wen von deinen Lernenden geht es?" and asked.buttons == [["Lena"], ["Tom"]]
    await sim.send("amira", "Lena")
    assert "Worum geht es?" in sim.bot_texts("amira")[-1]


async def test_progress_goals_and_sessions_by_learner_and_forged_choices_refused(cohort: Simulation) -> None:
    sim = cohort
    both = await amira_takes_both(sim)
    await running(sim)

    # Lena shares her progress; Tom does not. Amira chooses whose to see.
    await sim.send("lena", "/progress")
    await sim.press("lena", "^Share with Amira$")
    asked = (await sim.send("amira", "/progress"))[-1]
    assert asked.text == WHICH and asked.buttons == [["Lena"], ["Tom"]]
    await sim.press("amira", "^Tom$")
    assert sim.bot_texts("amira")[-1].startswith("Tom has not shared their progress with you.")
    await sim.send("amira", "/progress")
    await sim.press("amira", "^Lena$")
    seen = [e for e in sim.transcript("amira") if e.sender == "bot"][-1]
    assert seen.kind == "photo" and "How things are going for Lena" in seen.text

    # /goals the same way.
    await sim.send("amira", "/goals")
    await sim.press("amira", "^Tom$")
    assert sim.bot_texts("amira")[-1] == "Tom has not shared any goals with you yet."

    # /sessions: each pair under its learner's name.
    listing = (await sim.send("amira", "/sessions"))[-1].text
    assert listing.startswith("With Lena:\nNext sessions:") and "\n\nWith Tom:\nNext sessions:" in listing

    # Forged choices: Peter (no learner of his), and Amira for someone who is not her learner.
    carla = await sim_person(sim, "carla")
    forged = (
        ("peter", f"pg1:{both['lena'].learner_id}"),
        ("peter", f"g1:l{both['tom'].learner_id}"),
        ("amira", f"pg1:{carla}"),
        ("amira", f"g1:l{carla}"),
    )
    for who, data in forged:
        mark = sim.last_seq()
        await sim.press_data(who, 999, data)
        assert sim.toasts(who, mark) == ["This button is not for you."]
        assert not [e for e in sim.transcript(who, mark) if e.sender == "bot" and e.kind == "photo"]

    # A pause reaches both learners.
    mark = sim.last_seq()
    await sim.send("amira", "/pause")
    for learner in ("lena", "tom"):
        assert any("Amira (mentor) paused Tandem." in t for t in sim.bot_texts(learner, mark))
