"""Dates and times follow the programme's region, through both adapters: English speakers in a
Berlin programme read 3 March 2026 and 17:00 (not March 3, 2026 at 5:00 PM) in their chats, on
their progress chart and in the coordinators' alerts; a programme file that says region = "US"
gets American dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from bot.admin import run_admin
from bot.emulator import Limits
from bot.services import progress_chart
from bot.simulation import Simulation
from storage.models import CheckIn
from tests.journeys import agree_tuesdays, begin_mentoring, raise_urgent_about_the_mentor

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
AMERICAN = re.compile(r"\b(AM|PM)\b|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}\b")


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """Every progress chart the bot draws, as the figure it saves and sends."""
    drawn: list[Figure] = []
    draw = progress_chart.draw

    def keep(*args: Any, **kwargs: Any) -> Figure:
        drawn.append(draw(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(progress_chart, "draw", keep)
    return drawn


async def test_english_speakers_in_a_berlin_programme_read_european_dates(
    cohort: Simulation, charts: list[Figure]
) -> None:
    sim = cohort
    mark = sim.last_seq()
    pair, learner, mentor = await begin_mentoring(sim)
    # The first meeting, as the learner was asked and told: a day and a 24-hour time.
    suggested = sim.find(learner, "suggests meeting for the first time on", mark)
    assert suggested is not None
    assert re.search(r"on Tuesday, 3 March 2026 at \d\d:\d\d\b", suggested.text), suggested.text
    await agree_tuesdays(sim, learner, mentor)
    agreed = sim.find(learner, "^Agreed: Tuesdays at 17:00", mark)
    assert agreed is not None and "Tuesday, 10 March 2026 at 17:00" in agreed.text, agreed.text

    # The learner's chart: the weeks under it as 24/12/2026.
    async with sim.tandem.db.unit_of_work() as uow:
        for weeks_ago, motivation in ((3, 4), (2, 3), (1, 5)):
            asked = sim.clock.now() - timedelta(weeks=weeks_ago)
            uow.session.add(
                CheckIn(
                    person_id=pair.learner_id,
                    pair_id=pair.id,
                    asked_at=asked,
                    answered_at=asked + timedelta(hours=1),
                    status="answered",
                    motivation=motivation,
                    areas={"work": "good"},
                    goals={},
                )
            )
    await sim.send(learner, "/progress")
    ticks = [label.get_text() for label in charts[-1].axes[-1].get_xticklabels()]
    assert ticks and all(re.fullmatch(r"\d\d/\d\d/2026", tick) for tick in ticks), ticks

    # The alert in the coordinators' group: its case log in the programme's customs.
    mark = sim.last_seq()
    await raise_urgent_about_the_mentor(sim, learner, "He shouted at me")
    alert = sim.current_texts("coordinators", mark)[0]
    assert re.search(r"^• \d\d/\d\d/2026, \d\d:\d\d raised", alert, re.M), alert
    seen = "\n".join(
        text for who in (learner, mentor, "carla", "coordinators") for text in sim.bot_texts(who)
    )
    assert not AMERICAN.search(seen), AMERICAN.search(seen)


async def test_a_programme_in_the_united_states_keeps_american_dates(framework: str, tmp_path: Path) -> None:
    programme = tmp_path / "programme.toml"
    programme.write_text('name = "Bay Area Mentors"\ntimezone = "America/Los_Angeles"\n', encoding="utf-8")
    american = await invite_dates(framework, programme)
    assert re.fullmatch(r"Apr 1, 2026", american), american

    # The file's region wins over the time zone's: an English programme in Berlin, by choice.
    programme.write_text('name = "Berlin Mentors"\nregion = "US"\n', encoding="utf-8")
    assert await invite_dates(framework, programme) == american
    programme.write_text('name = "Berlin Mentors"\n', encoding="utf-8")
    assert await invite_dates(framework, programme) == "1 Apr 2026"


async def invite_dates(framework: str, programme: Path) -> str:
    """When a learner's invite expires, as an English coordinator of the programme reads it."""
    async with Simulation(
        framework=framework,  # type: ignore[arg-type]
        start=START,
        limits=Limits(enabled=False),
        overrides={"programme_file": programme},
    ) as sim:
        sim.add_user("carla", "Carla", language_code="en")
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        invite = (await sim.send("carla", "/invite learner"))[-1].text
    found = re.search(r"valid until (.+?)\n", invite)
    assert found is not None, invite
    return found[1]
