"""Where the coordinators' messages go, through both adapters. A coordinators' group that refuses
the bot (deleted, or the bot removed) does not swallow an urgent alert: the failed delivery goes
to each coordinator privately at once, they are told the group is unreachable, /readyz reports
it, and what comes next goes to each of them until the group takes the bot back. Without a group,
every notification for the coordinators (applications, pairs starting, pauses) reaches each
coordinator privately, as alerts always did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp

from bot.runtime.web import Ops, OpsServer
from bot.simulation import Simulation
from tests.journeys import begin_mentoring, cohort_simulation, onboard_cohort, raise_urgent_about_the_mentor

UNREACHABLE = "I cannot write to the coordinators' group"


def sent(sim: Simulation, chat: str, since: int) -> list[str]:
    """The bot's new messages in a chat (not its edits of older ones)."""
    return [e.text for e in sim.transcript(chat, since) if e.sender == "bot" and not e.edit]


@asynccontextmanager
async def readiness(sim: Simulation) -> AsyncIterator[Any]:
    """A function that reads the bot's /readyz: (status, body)."""
    server = OpsServer(Ops(sim.tandem.db, sim.clock, sim.tandem.adapter), "127.0.0.1", 0, "/telegram")
    await server.start()

    async def read() -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{server.port}/readyz") as r:
            return r.status, await r.json()

    try:
        yield read
    finally:
        await server.stop()


async def test_an_alert_the_group_refuses_reaches_every_coordinator_at_once(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    async with readiness(sim) as readyz:
        status, body = await readyz()
        assert (status, body["degraded"], body["coordinators_group"]) == (200, False, True)

        await sim.remove_bot("coordinators")  # the group was deleted: nothing tells the bot
        mark = sim.last_seq()
        await raise_urgent_about_the_mentor(sim, learner, "He shouts at me when I am late")

        # Not half an hour later through the overdue step: at once, with the alert's buttons.
        notice, alert = sent(sim, "carla", mark)
        assert notice.startswith(UNREACHABLE)
        assert alert.startswith("🔴 Concern #1 · URGENT · open") and "He shouts at me" in alert
        assert sim.transcript("carla")[-1].buttons == [
            ["Acknowledge", "Add note", "Resolve"],
            ["Contact the learner"],
        ]
        assert sent(sim, "coordinators", mark) == []
        status, body = await readyz()
        assert (status, body["ready"], body["degraded"], body["coordinators_group"]) == (
            200,
            True,
            True,
            False,
        )

        # What comes next goes straight to each coordinator; they were told once.
        before = sim.last_seq()
        await sim.send(learner, "/pause")
        assert sent(sim, "carla", before) == [f"{learner.title()} (learner) paused Tandem."]
        await sim.press("carla", "^Acknowledge$")
        (copy,) = [t for t in sim.current_texts("carla", mark) if t.startswith("🔴 Concern #1")]
        assert "acknowledged by Carla" in copy
        await sim.advance(timedelta(hours=1))
        assert not [t for t in sent(sim, "carla", before) if "OVERDUE" in t]


async def test_a_group_that_removed_the_bot_is_reported_and_used_again_once_it_is_back(
    cohort: Simulation,
) -> None:
    sim = cohort
    async with readiness(sim) as readyz:
        mark = sim.last_seq()
        await sim.remove_bot("coordinators", by="carla")
        (notice,) = sent(sim, "carla", mark)
        assert notice.startswith(UNREACHABLE)
        assert (await readyz())[1]["coordinators_group"] is False

        await sim.return_bot("coordinators", by="carla")
        assert (await readyz())[1]["degraded"] is False
        before = sim.last_seq()
        await sim.send("lena", "/pause")
        assert sent(sim, "coordinators", before) == ["Lena (learner) paused Tandem."]
        assert sent(sim, "carla", before) == []


async def test_without_a_group_every_notification_reaches_each_coordinator(framework: str) -> None:
    sim = cohort_simulation(framework)
    sim.configure(coordinator_chat_id=None)
    await sim.start()
    try:
        await onboard_cohort(sim)
        told = sent(sim, "carla", 0)
        assert "New volunteer application from Peter, waiting for screening." in told
        assert "Amira is ready to be matched: screened, checked and trained." in told
        _, learner, mentor = await begin_mentoring(sim)
        names = f"{learner.title()} and {mentor.title()}"
        assert f"{names} start their mentoring." in sent(sim, "carla", 0)
        before = sim.last_seq()
        await sim.send(learner, "/pause")
        assert sent(sim, "carla", before) == [f"{learner.title()} (learner) paused Tandem."]
    finally:
        await sim.stop()
