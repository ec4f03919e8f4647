"""Goals through both adapters: a vague goal made concrete with one question, a concrete one
asked nothing more, sharing with the mentor (who sees only what is shared), next steps from
either side, done with a celebration, changed through the review, dropped, a fourth refused;
and bad input: stickers, photos, a goal too long, forged and old buttons."""

from __future__ import annotations

from sqlalchemy import select

from bot.emulator.state import Entry
from bot.simulation import Simulation
from storage.models import Goal, NextStep
from tests.journeys import agree_tuesdays, begin_mentoring

ASK_GOAL = "What do you want to reach? Say it in your own words."
HOW = "How will you know you got there?"
ABOUT = "What is this goal about?"


async def goals(sim: Simulation) -> list[Goal]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Goal).order_by(Goal.id))).scalars())


async def steps(sim: Simulation) -> list[NextStep]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(NextStep).order_by(NextStep.id))).scalars())


async def add_goal(sim: Simulation, who: str, text: str, *, share: bool, date: str | None = None) -> None:
    """From the question on: a concrete goal (no follow-up), about an exam."""
    await sim.send(who, text)
    assert sim.bot_texts(who)[-1] == ABOUT
    await sim.press(who, "^exam$")
    await (sim.send(who, date) if date else sim.press(who, "^Skip$"))
    await sim.press(who, "^Yes, my mentor may see it$" if share else "^No, just for me$")
    assert sim.bot_texts(who)[-2] == "Saved."


def last_with_buttons(sim: Simulation, who: str) -> Entry:
    return next(e for e in reversed(sim.transcript(who)) if e.sender == "bot" and e.data)


def button_data(entry: Entry, label: str) -> str:
    return next(
        str(d)
        for row, data in zip(entry.buttons, entry.data, strict=True)
        for b, d in zip(row, data, strict=True)
        if b == label
    )


async def test_goals_are_set_shared_stepped_done_changed_and_dropped(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    name, mentor_name = learner.title(), mentor.title()
    assert (await sim.send(mentor, "/goals"))[-1].text == f"{name} has not shared any goals with you yet."

    # No goals yet: /goals asks for one at once. A vague goal gets one follow-up, never more.
    mark = sim.last_seq()
    assert (await sim.send(learner, "/goals"))[-1].text == ASK_GOAL
    await sim.send(learner, "Get better at school")
    assert sim.bot_texts(learner)[-1] == HOW
    await sim.send(learner, "My maths grade goes up")
    assert sim.bot_texts(learner)[-1] == ABOUT
    await sim.press(learner, "^exam$")
    assert sim.bot_texts(learner)[-1].startswith("By when? (optional)")
    await sim.send(learner, "30.06.2026")
    await sim.press(learner, "^No, just for me$")
    listing = sim.transcript(learner)[-1]
    assert sim.bot_texts(learner)[-2] == "Saved."
    assert (
        "1. Get better at school" in listing.text and "exam · by 30 Jun 2026 · just for you" in listing.text
    )
    assert "Done when: My maths grade goes up" in listing.text
    assert listing.buttons == [["1. Get better at school"], ["Add a goal"]]
    assert sum(HOW in t for t in sim.bot_texts(learner, mark)) == 1

    # A concrete goal (six words): no follow-up; shared with the mentor.
    await sim.press(learner, "^Add a goal$")
    await add_goal(sim, learner, "Pass the driving theory exam soon", share=True)
    assert sum(HOW in t for t in sim.bot_texts(learner, mark)) == 1
    listing = sim.transcript(learner)[-1]
    assert "2. Pass the driving theory exam soon" in listing.text and "your mentor sees it" in listing.text
    assert listing.buttons[1] == ["2. Pass the driving theory exam…"]

    # The mentor sees the shared goal only, and adds a next step: the learner is told.
    seen = (await sim.send(mentor, "/goals"))[-1]
    assert f"The goals {name} shares with you:" in seen.text and "Pass the driving theory" in seen.text
    assert "Get better at school" not in seen.text and "maths" not in seen.text
    assert seen.buttons == [["Add a next step to goal 1"]]
    await sim.press(mentor, "^Add a next step to goal 1$")
    assert sim.bot_texts(mentor)[-1].startswith("What is the next small step?")
    await sim.send(mentor, "Book the theory lessons")
    await sim.send(mentor, "20.03.2026")
    assert sim.bot_texts(mentor)[-1] == f"Added. {name} is told."
    assert sim.bot_texts(learner)[-1] == (
        f"{mentor_name} added a next step to your goal “Pass the driving theory exam soon”: "
        "Book the theory lessons (by 20 Mar 2026)"
    )

    # The learner's step on the private goal: the mentor hears nothing of it.
    mark = sim.last_seq()
    await sim.send(learner, "/goals")
    await sim.press(learner, r"^1\. Get better")
    card = sim.transcript(learner)[-1]
    assert card.edit and card.buttons == [
        ["Done 🎉", "Edit"],
        ["Add a next step", "Drop"],
        [f"Share with {mentor_name}"],
        ["Back to the list"],
    ]
    await sim.press(learner, "^Add a next step$")
    await sim.send(learner, "Ask Mr Weber for extra exercises")
    await sim.press(learner, "^Skip$")
    assert sim.bot_texts(learner)[-2] == "Added."
    assert "→ Ask Mr Weber for extra exercises" in sim.bot_texts(learner)[-1]
    assert "→ Book the theory lessons (by 20 Mar 2026)" in sim.bot_texts(learner)[-1]
    assert not sim.bot_texts(mentor, mark)
    assert [(s.text, s.added_by is not None) for s in await steps(sim)] == [
        ("Book the theory lessons", True),
        ("Ask Mr Weber for extra exercises", True),
    ]

    # Done: a celebration for the learner, and the mentor is told (the goal is shared).
    await sim.press(learner, r"^2\. Pass")
    await sim.press(learner, "^Done 🎉$")
    assert (
        "🎉" in sim.bot_texts(learner)[-1]
        and "Pass the driving theory exam soon" in sim.bot_texts(learner)[-1]
    )
    assert sim.bot_texts(mentor)[-1] == f"{name} reached a goal: Pass the driving theory exam soon 🎉"
    assert (await sim.send(mentor, "/goals"))[-1].text == f"{name} has not shared any goals with you yet."

    # Changed through the review: the same goal, new words (concrete now), shared now.
    await sim.send(learner, "/goals")
    await sim.press(learner, r"^1\. Get better")
    await sim.press(learner, "^Edit$")
    review = sim.transcript(learner)[-1]
    assert review.text.startswith("Here is what you told me.")
    assert "Your goal: Get better at school" in review.text and "By when: 30 Jun 2026" in review.text
    await sim.press(learner, "^✎ Your goal$")
    assert sim.bot_texts(learner)[-1] == ASK_GOAL
    await sim.send(learner, "Get a 2 in maths in the summer report")
    await sim.press(learner, "^✎ Your mentor$")
    await sim.press(learner, "^Yes, my mentor may see it$")
    assert "Your goal: Get a 2 in maths in the summer report" in sim.bot_texts(learner)[-1]
    await sim.press(learner, "^Yes, that's right$")
    assert sim.bot_texts(learner)[-2] == "Saved."
    stored = await goals(sim)
    assert len(stored) == 2 and stored[0].text == "Get a 2 in maths in the summer report"
    assert stored[0].shared and stored[0].status == "open" and stored[1].status == "done"
    assert "Get a 2 in maths" in (await sim.send(mentor, "/goals"))[-1].text

    # Three open goals at most: the list says so kindly, and an older "Add a goal" does nothing.
    add = last_with_buttons(sim, learner)
    old_add = button_data(add, "Add a goal")
    await sim.press(learner, "^Add a goal$")
    await add_goal(sim, learner, "Go to school every day until the summer", share=False)
    await sim.press(learner, "^Add a goal$")
    await add_goal(sim, learner, "Speak German at work for 10 minutes a day", share=False)
    full = (await sim.send(learner, "/goals"))[-1]
    assert "You have three open goals" in full.text and ["Add a goal"] not in full.buttons
    mark = sim.last_seq()
    await sim.press_data(learner, add.message_id, old_add)
    assert sim.toasts(learner, mark)[-1].startswith("You have three open goals")
    assert not sim.bot_texts(learner, mark) and len(await goals(sim)) == 4

    # Dropped: one line; the dropped goal's old buttons do nothing.
    await sim.press(learner, r"^3\. Speak German")
    card = sim.transcript(learner)[-1]
    await sim.press(learner, "^Drop$")
    assert sim.bot_texts(learner)[-1] == "Dropped. You can add a new goal any time with /goals."
    mark = sim.last_seq()
    await sim.press_data(learner, card.message_id, button_data(card, "Done 🎉"))
    assert sim.toasts(learner, mark) == ["This button is no longer active."]
    assert not sim.bot_texts(learner, mark) and not sim.bot_texts(mentor, mark)
    assert [g.status for g in await goals(sim)] == ["open", "done", "open", "dropped"]


async def test_bad_input_and_buttons_that_are_not_theirs(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    other_learner = ({"lena", "tom"} - {learner}).pop()
    other_mentor = ({"peter", "amira"} - {mentor}).pop()

    # A sticker, a photo and 201 characters at the goal question: a hint and the question again.
    await sim.send(learner, "/goals")
    for hint, send in (
        ("Nice sticker!", sim.sticker(learner, "👍")),
        ("I can't use a file", sim.photo(learner, "goal.jpg")),
        ("at most 200 characters", sim.send(learner, "x" * 201)),
    ):
        reply = (await send)[-1].text
        assert hint in reply and reply.endswith(ASK_GOAL)
    await add_goal(sim, learner, "Finish my training with the exam in 2027", share=True)
    await sim.press(learner, "^Add a goal$")
    await add_goal(sim, learner, "Find a flat near my workplace in spring", share=False)
    shared, private = await goals(sim)

    # Someone else's goal: a forged press is refused and changes nothing.
    mark = sim.last_seq()
    for who, forged in (
        (other_learner, f"g1:{shared.id}:done"),
        (mentor, f"g1:{shared.id}:done"),  # a mentor may only add next steps
        (mentor, f"g1:{private.id}:step"),  # and only to what is shared
        (other_mentor, f"g1:{shared.id}:step"),
    ):
        message = [e for e in sim.transcript(who) if e.sender == "bot"][-1]
        await sim.press_data(who, message.message_id, forged)
        assert sim.toasts(who, mark)[-1] == "This button is not for you."
    assert not sim.bot_texts(learner, mark)
    assert [g.status for g in await goals(sim)] == ["open", "open"] and not await steps(sim)

    # The mentor never sees the private goal; the others get one clear line.
    seen = (await sim.send(mentor, "/goals"))[-1].text
    assert "Finish my training" in seen and "flat" not in seen
    assert "You have no learner yet" in (await sim.send(other_mentor, "/goals"))[-1].text
    assert "only their mentor sees" in (await sim.send("carla", "/goals"))[-1].text

    # A next step too long, then a date in the past: hints, and the question again.
    await sim.press(mentor, "^Add a next step to goal 1$")
    reply = (await sim.send(mentor, "y" * 201))[-1].text
    assert "at most 200 characters" in reply and "next small step" in reply
    await sim.send(mentor, "Ask the trainer about the exam date")
    reply = (await sim.send(mentor, "01.01.2026"))[-1].text
    assert "That day has passed" in reply and reply.endswith("A date like 30.06.2026.")
    await sim.press(mentor, "^Skip$")
    assert [s.text for s in await steps(sim)] == ["Ask the trainer about the exam date"]

    # The goal dropped: its old card's buttons are no longer active, for either of them.
    await sim.send(learner, "/goals")
    await sim.press(learner, r"^1\. Finish")
    card = sim.transcript(learner)[-1]
    await sim.press(learner, "^Drop$")
    mark = sim.last_seq()
    await sim.press_data(learner, card.message_id, button_data(card, "Add a next step"))
    await sim.press(mentor, "^Add a next step to goal 1$")
    assert sim.toasts(learner, mark) == ["This button is no longer active."]
    assert sim.toasts(mentor, mark) == ["This button is no longer active."]
    assert not sim.bot_texts(learner, mark) and not sim.bot_texts(mentor, mark)
    assert len(await steps(sim)) == 1
