"""Walking a learner through onboarding in tests, by button position: the same in every language."""

from __future__ import annotations

from bot.i18n import shipped_locales
from bot.simulation import Simulation

YES, SKIP, LAST = 0, -1, -1


async def onboard_learner(
    sim: Simulation,
    who: str,
    code: str,
    *,
    name: str,
    language: str,
    guardian: tuple[str, str] | None = None,
) -> None:
    """From opening the invite to the review, choosing the first options where asked.

    With a guardian (name, contact) the learner is under the consent age; else 16-17.
    """
    await sim.send(who, f"/start {code}")
    await sim.press_option(who, YES)  # consent
    await sim.press_option(who, 0 if guardian else 1)
    if guardian:
        await sim.send(who, guardian[0])
        await sim.send(who, guardian[1])
    await sim.send(who, name)
    await sim.press_option(who, shipped_locales().index(language))
    await sim.press_option(who, SKIP)  # no location
    await sim.send(who, "Kfz-Mechatronik")
    await sim.press_option(who, 3)  # cars and vehicles
    await sim.press_option(who, 1)  # first year
    await sim.press_option(who, 0)  # interests: the first, then Done (Skip is last)
    await sim.press_option(who, LAST - 1)
    for _ in ("help", "spoken"):
        await sim.press_option(who, 0)
        await sim.press_option(who, LAST)  # Done
    await sim.press_option(who, 2)  # no preference
    await sim.press_option(who, SKIP)  # nothing else matters
    await sim.press_option(who, 2)  # weekday evenings
    await sim.press_option(who, LAST)  # Done
    await sim.press_option(who, YES)  # the review: "Yes, that's right"


async def apply_as_mentor(
    sim: Simulation,
    who: str,
    *,
    name: str,
    code: str | None = None,
    capacity: int = 1,
    evenings: bool = False,
) -> None:
    """A volunteer's whole application (with an invite code, or open), first options where asked."""
    await sim.send(who, f"/start {code}" if code else "/start")
    if code is None:
        await sim.press(who, "(?i)volunteer|ehrenamtlich|bénévole")
    await sim.press_option(who, YES)  # consent
    await sim.send(who, name)
    await sim.press_option(who, 0)  # English
    # a field, years, help offered, interests skipped, a language
    for answer in ("0", "Done", "10", "0", "Done", "Skip", "0", "Done"):
        if answer in ("Done", "Skip"):
            await sim.press_option(who, LAST)
        elif answer == "10":
            await sim.send(who, answer)
        else:
            await sim.press_option(who, 0)
    await sim.press_option(who, 0)  # the first listed place
    await sim.press_option(who, 1)  # up to 5 km
    await sim.press_option(who, capacity - 1)  # learners at a time
    await sim.press_option(who, SKIP)  # gender
    await sim.press_option(who, SKIP)  # background
    await sim.press_option(who, 2 if evenings else 0)  # weekday evenings, or mornings
    await sim.press_option(who, LAST)
    await sim.send(who, "I would like to give something back.")
    await sim.press_option(who, 0)  # no mentoring before
    await sim.press_option(who, YES)  # the review: that's right


async def make_ready(sim: Simulation, coordinator: str, mentor: str, name: str) -> None:
    """The whole training, every required check recorded, and the approval, through the bot."""
    course = sim.tandem.dispatcher.courses("en")
    await sim.send(mentor, "/training")
    for index, module in enumerate(course.module):
        for question in module.quiz:
            await sim.press_option(mentor, question.answer)
        if index + 1 < len(course.module):
            await sim.press_option(mentor, 0)  # carry on
    for check in range(len(sim.tandem.dispatcher.rules.mentor_checks)):
        card = next(c for c in await sim.send(coordinator, "/screening") if c.text.startswith(name))
        await sim.press_data(
            coordinator, card.message_id, next(d for r in card.data for d in r if d and d.endswith(":chk"))
        )
        await sim.press_option(coordinator, check)
        await sim.send(coordinator, "02.02.2026")
        await sim.press_option(coordinator, -1)  # the usual validity
    card = next(c for c in await sim.send(coordinator, "/screening") if c.text.startswith(name))
    await sim.press_data(
        coordinator, card.message_id, next(d for r in card.data for d in r if d and d.endswith(":ok"))
    )
