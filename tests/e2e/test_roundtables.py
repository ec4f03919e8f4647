"""Roundtables through both adapters: a coordinator plans one (topic, day, time, place, whom),
reads the preview and confirms; each mentor gets an invitation in their language with "I'll come"
and "Can't come", may change their answer, and /roundtables counts the answers; those coming are
reminded the day before. A learner is invited to nothing; a press by someone not invited, a forged
press, and a press after the start are stale; a time already past plans nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.simulation import Simulation
from tests.journeys import speaks, until

TOPIC = "First months: what helped"
PLACE = "Youth centre, room 2"


async def plan(sim: Simulation, day: str, at: str = "18:30") -> str:
    """Carla plans the roundtable for all mentors; the preview she reads."""
    await sim.send("carla", "/roundtable")
    assert "What is the roundtable about?" in sim.bot_texts("carla")[-1]
    await sim.send("carla", TOPIC)
    await sim.send("carla", day)
    await sim.send("carla", at)
    await sim.send("carla", PLACE)
    return (await sim.press("carla", "^All mentors$"))[-1].text


async def test_mentors_are_invited_answer_and_are_reminded(cohort: Simulation) -> None:
    sim = cohort
    await speaks(sim, "amira", "de")
    day = sim.clock.now() + timedelta(days=10)
    mark = sim.last_seq()
    preview = await plan(sim, f"{day:%d.%m.%Y}")
    assert "This invites 2 mentors." in preview and f"Roundtable for mentors: {TOPIC}" in preview
    assert not sim.bot_texts("peter", mark)  # nothing before the confirmation
    await sim.press("carla", "^Yes$")
    assert "Planned: 2 mentors are invited" in sim.bot_texts("carla")[-1]

    await until(sim, sim.clock.now() + timedelta(hours=14))  # past any night
    invitation = sim.find("peter", "Roundtable for mentors", mark)
    assert invitation is not None and PLACE in invitation.text
    assert invitation.buttons == [["I'll come", "Can't come"]]
    german = sim.find("amira", "Runder Tisch für Mentor", mark)
    assert german is not None and german.buttons == [["Ich komme", "Ich kann nicht"]]
    for learner in ("lena", "tom"):
        assert sim.find(learner, "Roundtable", mark) is None

    await sim.press("peter", "^Can't come$")
    await sim.press("peter", "^I'll come$")  # changed his mind
    assert "You said you will come" in sim.current_texts("peter")[-1]
    await sim.press("amira", "^Ich kann nicht$")
    listing = (await sim.send("carla", "/roundtables"))[-1].text
    assert f"{TOPIC}: 1 coming, 1 can't, 0 not answered" in listing

    # The day before, only Peter (coming) is reminded.
    mark = sim.last_seq()
    await until(sim, sim.clock.now() + timedelta(days=9))
    assert sim.find("peter", f"Tomorrow: the mentors' roundtable “{TOPIC}”", mark) is not None
    assert not [t for t in sim.bot_texts("amira", mark) if TOPIC in t]

    # After it began, the buttons are stale.
    await until(sim, sim.clock.now() + timedelta(days=2))
    await sim.press("peter", "^Can't come$")
    assert "This button is no longer active." in sim.toasts("peter")[-1]


async def test_stale_forged_and_uninvited_presses_and_a_past_time(cohort: Simulation) -> None:
    sim = cohort
    day = sim.clock.now() + timedelta(days=5)
    await plan(sim, f"{day:%d.%m.%Y}")
    await sim.press("carla", "^Yes$")
    await until(sim, sim.clock.now() + timedelta(hours=14))
    invitation = sim.find("peter", "Roundtable for mentors")
    assert invitation is not None
    # Lena was not invited: the same data from her chat is stale; so is forged data.
    await sim.press_data("lena", invitation.message_id, "rt1:1:yes")
    assert "This button is no longer active." in sim.toasts("lena")[-1]
    await sim.press_data("peter", invitation.message_id, "rt1:999:yes")
    await sim.press_data("peter", invitation.message_id, "rt1:1:maybe")
    assert sim.toasts("peter")[-2:] == ["This button is no longer active."] * 2
    listing = (await sim.send("carla", "/roundtables"))[-1].text
    assert "0 coming, 0 can't, 2 not answered" in listing

    # A learner may not plan one; a time already past plans nothing.
    assert "Only coordinators can use this command." in (await sim.send("lena", "/roundtable"))[-1].text
    today = sim.clock.now()
    await plan(sim, f"{today:%d.%m.%Y}", at="00:01")
    assert "That time has passed." in sim.bot_texts("carla")[-1]


async def test_the_organiser_marks_who_came_and_those_who_came_say_how_useful_it_was(
    cohort: Simulation,
) -> None:
    sim = cohort
    day = sim.clock.now() + timedelta(days=3)
    await plan(sim, f"{day:%d.%m.%Y}")
    await sim.press("carla", "^Yes$")
    await until(sim, sim.clock.now() + timedelta(hours=14))
    await sim.press("peter", "^I'll come$")
    await sim.press("amira", "^I'll come$")
    invitation = sim.find("peter", "Roundtable for mentors")
    assert invitation is not None

    # Two hours after the start, Carla gets the mentors who said yes as buttons.
    async with sim.tandem.db.unit_of_work() as uow:
        ((table, _),) = await uow.roundtables.since(sim.clock.now())
    await until(sim, table.starts_at + timedelta(hours=2, minutes=1))
    asked = sim.find("carla", "is over. Who came?")
    assert asked is not None and f"“{TOPIC}”" in asked.text
    assert asked.buttons == [["Peter", "Amira"], ["Done"]]

    # Only the organiser marks: the same data from Peter's chat is stale.
    await sim.press_data("peter", invitation.message_id, "ra1:1:0")
    assert "This button is no longer active." in sim.toasts("peter")[-1]
    await sim.press("carla", "^Peter$")
    await sim.press("carla", "^Amira$")
    await sim.press("carla", "^✅ Amira$")  # she did not come after all
    assert sim.transcript("carla")[-1].buttons == [["✅ Peter", "Amira"], ["Done"]]
    mark = sim.last_seq()
    await sim.press("carla", "^Done$")
    assert f"Attendance of “{TOPIC}” recorded: 1 came." in sim.current_texts("carla")[-1]
    await sim.press_data("carla", asked.message_id, "ra1:1:0")  # done is done
    assert "This button is no longer active." in sim.toasts("carla")[-1]

    # Peter, who came, gets the one question; Amira nothing, and her forged answer is stale.
    await sim.advance(timedelta(minutes=2))
    question = sim.find("peter", "How useful was the mentors' roundtable", mark)
    assert question is not None and f"“{TOPIC}”" in question.text
    assert question.buttons == [["Very useful"], ["Somewhat useful"], ["Not really"]]
    assert sim.find("amira", "How useful", mark) is None
    await sim.press("peter", "^Somewhat useful$")
    assert "→ Somewhat useful\nThank you!" in sim.current_texts("peter")[-1]
    await sim.press_data("amira", invitation.message_id, "rf1:1:good")
    assert "This button is no longer active." in sim.toasts("amira")[-1]

    listing = (await sim.send("carla", "/roundtables"))[-1].text
    assert "Roundtables of the last three months:" in listing
    assert f"{TOPIC}: 1 came; useful for 0, somewhat for 1, not really for 0" in listing
