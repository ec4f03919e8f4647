"""Fixtures shared by the end-to-end tests: a cohort ready to be matched, per framework."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.simulation import Simulation
from tests.journeys import cohort_simulation, onboard_cohort


@pytest.fixture
async def cohort(framework: str) -> AsyncIterator[Simulation]:
    """Two learners (Lena, Tom), two ready mentors (Peter takes one, Amira two), all evenings."""
    sim = cohort_simulation(framework)
    await sim.start()
    try:
        await onboard_cohort(sim)
        yield sim
    finally:
        await sim.stop()
