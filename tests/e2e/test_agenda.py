"""A person's agenda: a conversation started by someone else waits behind the current one instead of
replacing it, the person's own command sets the current one aside and it comes back, a concern
being told is never set aside, and a button of a conversation set aside brings it forward."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import CheckIn, Concern, DueJob, Pair
from tests.journeys import agree_tuesdays, begin_mentoring, pairs, rows, until


async def introduce(sim: Simulation) -> tuple[Pair, str, str]:
    """/match and approve: Lena and her mentor are introduced; nothing is proposed yet."""
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    key, pair = next((k, p) for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    learner, mentor = key.split(":")[0].split("+")
    return pair, learner.lower(), mentor.lower()


async def propose_first_meeting(sim: Simulation, mentor: str) -> None:
    for _ in range(3):  # the first day, the first time, a public place
        await sim.press_option(mentor, 0)


async def agreed(sim: Simulation, pair: Pair) -> bool:
    """The learner said yes to the first meeting: the "shall we go on?" jobs are planned."""
    async with sim.tandem.db.unit_of_work() as uow:
        keys = (await uow.session.execute(select(DueJob.dedupe_key))).scalars().all()
    return any(str(key).startswith(f"first-meeting:{pair.id}:") for key in keys)


async def test_a_partners_question_waits_behind_a_concern_being_told(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await introduce(sim)
    await sim.send(learner, "/concern")
    await sim.press(learner, "^Safety, or someone is hurting me$")
    mark = sim.last_seq()

    await propose_first_meeting(sim, mentor)  # the mentor suggests the first meeting meanwhile
    told = sim.bot_texts(learner, mark)
    assert told == ["Next: the first meeting your partner suggested. It comes as soon as we are done here."]

    replies = await sim.send(learner, "My uncle hits me when I come home late")
    texts = [r.text for r in replies]
    assert texts[0] == "Thank you for telling us. A coordinator will get back to you soon."
    assert "suggests meeting for the first time" in texts[-1]  # then the partner's question
    async with sim.tandem.db.unit_of_work() as uow:
        (concern,) = (await uow.session.execute(select(Concern))).scalars().all()
    assert concern.text == "My uncle hits me when I come home late" and concern.severity == "urgent"

    await sim.press(learner, "^Yes$")
    assert await agreed(sim, pair)


async def test_a_side_command_sets_the_question_aside_and_it_comes_back(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await introduce(sim)
    await propose_first_meeting(sim, mentor)
    assert "suggests meeting for the first time" in sim.bot_texts(learner)[-1]

    await sim.send(learner, "/language")  # their own command: the question is set aside, not lost
    back = [r.text for r in await sim.press(learner, "^Deutsch$")]
    assert back[-1].startswith("Zurück zu dem, wo wir waren:")
    assert "schlägt euer erstes Treffen vor" in back[-1]
    await sim.press(learner, "^Ja$")
    assert await agreed(sim, pair)


async def test_a_button_of_a_question_set_aside_brings_it_forward(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await introduce(sim)
    await propose_first_meeting(sim, mentor)
    await sim.send(learner, "/language")  # the language question is now in front
    mark = sim.last_seq()

    replies = await sim.press(learner, "^Yes$")  # ... but they answer the first meeting's question
    assert not [r for r in replies if "earlier" in r.text]
    assert "Have a good first meeting!" in "\n".join(sim.bot_texts(learner, mark))
    assert await agreed(sim, pair)
    # The language question they had opened comes back afterwards.
    assert sim.bot_texts(learner)[-1].startswith("Back to where we were:")
    await sim.press(learner, "^Français$")
    assert sim.bot_texts(learner)[-1] == "Désormais, je t’écris en Français."


async def test_a_question_never_started_is_not_called_stopped_midway(cohort: Simulation) -> None:
    sim = cohort
    _, _, mentor = await introduce(sim)  # the mentor is asked for the first meeting
    mark = sim.last_seq()
    await sim.advance(timedelta(hours=25))
    (nudge,) = [t for t in sim.bot_texts(mentor, mark) if "waiting for your answer" in t]
    assert nudge.startswith("Still waiting for your answer: planning your first meeting (/cancel if not now)")
    assert not [t for t in sim.bot_texts(mentor, mark) if "stopped in the middle" in t]


async def test_a_question_of_the_pairing_is_asked_again_then_reported(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await introduce(sim)  # the mentor is asked to suggest the first meeting
    mark = sim.last_seq()
    await sim.advance(timedelta(days=2, minutes=5))
    again = [t for t in sim.bot_texts(mentor, mark) if t.startswith("Someone is waiting for your answer")]
    assert len(again) == 1 and "Please suggest a first meeting" in again[0]
    assert not sim.bot_texts("coordinators", mark)

    await sim.advance(timedelta(days=2))
    name = mentor.title()
    assert f"{name} has not answered yet. The coordinators know and will follow up." in sim.bot_texts(learner)
    alert = "\n".join(sim.bot_texts("coordinators", mark))
    assert "the pairing is stuck" in alert and f"{name} has not answered a question of the pairing" in alert
    await sim.advance(timedelta(days=3))  # reported once, not again and again
    assert len([t for t in sim.bot_texts(learner, mark) if "has not answered yet" in t]) == 1


async def test_cancelling_a_question_the_partner_waits_for_tells_them_at_once(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await introduce(sim)
    await propose_first_meeting(sim, mentor)
    mark = sim.last_seq()
    await sim.send(learner, "/cancel")
    assert sim.bot_texts(mentor, mark) == [
        f"{learner.title()} has not answered yet. The coordinators know and will follow up."
    ]
    assert "the pairing is stuck" in "\n".join(sim.bot_texts("coordinators", mark))


async def test_a_concern_in_the_middle_of_a_check_in_then_the_check_in_comes_back(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    first, second, *_ = await agree_tuesdays(sim, learner, mentor)
    # The first week: the saddest face, school so-so, nothing for the mentor.
    await until(sim, first.starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await sim.press(learner, "^😞 Very low$")
    await sim.press(learner, "^Vocational school$")
    await sim.press(learner, "^Done$")
    await sim.press(learner, "^So-so$")
    await sim.press(learner, "^Skip$")
    mark = sim.last_seq()

    # The second week: the saddest face again, then /concern before the check-in is finished.
    await until(sim, second.starts_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, we met$")
    await sim.press(learner, "^😞 Very low$")
    assert "How is vocational school going?" in sim.bot_texts(learner)[-1]
    await sim.send(learner, "/concern")  # their own command: the check-in is set aside
    assert "What is it about?" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Trouble at work or school$")
    await sim.press(learner, "^This week$")
    replies = [r.text for r in await sim.send(learner, "My boss shouts at me every day")]
    assert replies[0] == "Thank you for telling us. A coordinator will get back to you soon."
    assert replies[-1].startswith("Back to where we were:")
    assert "How is vocational school going?" in replies[-1]  # the question after the face
    concerns = [c for c in await rows(sim, Concern) if c.kind == "work_school"]
    assert [(c.text, c.severity) for c in concerns] == [("My boss shouts at me every day", "high")]

    await sim.press(learner, "^Bad$")
    await sim.press(learner, "^Skip$")
    assert [(c.status, c.motivation) for c in await rows(sim, CheckIn)] == [("answered", 1), ("answered", 1)]
    group = sim.current_texts("coordinators", mark)
    assert sum("motivation was low" in t for t in group) == 1  # 1, then 1: low twice running


async def test_concern_again_while_telling_one_keeps_the_concern(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await introduce(sim)
    await sim.send(learner, "/concern")
    asked = (await sim.press(learner, "^Money or housing$"))[-1].text
    replies = await sim.send(learner, "/concern")  # the command again instead of the answer
    assert [r.text for r in replies] == [asked]  # the same question, nothing queued behind itself
    await sim.press(learner, "^It can wait$")
    await sim.send(learner, "I may lose my room")
    async with sim.tandem.db.unit_of_work() as uow:
        (concern,) = (await uow.session.execute(select(Concern))).scalars().all()
    assert concern.text == "I may lose my room"
