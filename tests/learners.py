"""Walking a learner through onboarding in tests, by button position: the same in every language."""

from __future__ import annotations

from bot.i18n import shipped_locales
from bot.simulation import Simulation

YES, SKIP, LAST = 0, -1, -1


async def onboard_learner(sim: Simulation, who: str, code: str, *, name: str, language: str) -> None:
    """From opening the invite to the last question, choosing the first options where asked."""
    await sim.send(who, f"/start {code}")
    await sim.press_option(who, YES)  # consent
    await sim.press_option(who, 1)  # 16-17: no guardian step
    await sim.send(who, name)
    await sim.press_option(who, shipped_locales().index(language))
    await sim.press_option(who, SKIP)  # no location
    await sim.send(who, "Kfz-Mechatronik")
    await sim.press_option(who, 1)  # first year
    for _ in ("interests", "help", "spoken"):
        await sim.press_option(who, 0)
        await sim.press_option(who, LAST)  # Done
    await sim.press_option(who, 2)  # no preference
    await sim.press_option(who, 2)  # weekday evenings
    await sim.press_option(who, LAST)  # Done
