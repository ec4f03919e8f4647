"""Screening through both adapters: a worrying phrase in a check-in comment or a shared reflection
becomes an alert in the coordinators' group that shows the phrase, in whatever shipped language the
learner wrote it; a private reflection stays private; neither text nor phrase reaches the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.simulation import Simulation
from storage.models import Concern
from tests.journeys import agree_tuesdays, ask_now, begin_mentoring, rows, until


async def check_in_with(sim: Simulation, learner: str, comment: str, *, first: bool) -> None:
    """A week's check-in after "yes, we met": a face, school (chosen the first time), the comment."""
    await sim.press(learner, "^Yes, we met$")
    await sim.send(learner, "🙂")  # the fourth face, typed
    if first:
        await sim.press(learner, "^Vocational school$")
        await sim.press(learner, "^Done$")
    await sim.press(learner, "^Good$")
    assert "to know? Write it, or send a voice note." in sim.bot_texts(learner)[-1]
    await sim.send(learner, comment)


def at_run_levels(caplog: pytest.LogCaptureFixture) -> None:
    """Everything our code logs, and the libraries at the level a deployment runs them."""
    caplog.set_level(logging.INFO)
    for ours in ("bot", "conversations", "storage"):
        caplog.set_level(logging.DEBUG, logger=ours)


def alert(sim: Simulation, since: int, screening_line: str) -> str:
    (found,) = [t for t in sim.bot_texts("coordinators", since) if screening_line in t]
    return found


async def test_a_self_harm_phrase_in_a_check_in_comment_alerts_the_group(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort
    at_run_levels(caplog)
    _, learner, mentor = await begin_mentoring(sim)
    first, *_ = await agree_tuesdays(sim, learner, mentor)
    await until(sim, first.starts_at + timedelta(hours=3))
    mark = sim.last_seq()
    comment = "School is ok but honestly sometimes I want to KILL MYSELF"
    await check_in_with(sim, learner, comment, first=True)

    text = alert(sim, mark, "Screening: a phrase about self-harm in a check-in comment: “kill myself”")
    assert "URGENT" in text and "words about self-harm" in text and comment in text
    (concern,) = await rows(sim, Concern)
    assert (concern.kind, concern.severity, concern.raised_by) == ("phrase:self_harm", "urgent", None)
    assert comment in sim.bot_texts(mentor)[-1]  # the comment still reaches the mentor, as before
    assert "KILL MYSELF" not in caplog.text and "kill myself" not in caplog.text.lower()


async def test_german_and_french_phrases_raise_concerns_for_an_english_learner(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort
    at_run_levels(caplog)
    _, learner, mentor = await begin_mentoring(sim)
    first, second, *_ = await agree_tuesdays(sim, learner, mentor)

    # German, umlaut typed as "ae", in a check-in comment.
    await until(sim, first.starts_at + timedelta(hours=3))
    mark = sim.last_seq()
    await check_in_with(sim, learner, "Mein Chef schlaegt mich wenn ich zu spaet komme", first=True)
    text = alert(sim, mark, "Screening: a phrase about abuse in a check-in comment: “schlägt mich”")
    assert "URGENT" in text and "Mein Chef schlaegt mich" in text

    # A reflection kept private is the learner's own: nothing is screened, nobody is told. (The
    # first one rides along with the first check-in.)
    mark = sim.last_seq()
    assert "A question just for you" in sim.bot_texts(learner)[-1]
    await sim.send(learner, "Des fois je veux me suicider")
    await sim.press(learner, "^Keep it private$")
    assert not [t for t in sim.bot_texts("coordinators", mark) if "Screening" in t]

    # French, without accents, in a shared reflection (the next day: one question a day).
    mark = sim.last_seq()
    await sim.advance(timedelta(days=1))
    await ask_now(sim, learner)
    await sim.send(learner, "jai envie de mourir, je suis trop fatiguee")
    await sim.press(learner, "^Share with my mentor$")
    text = alert(sim, mark, "Screening: a phrase about self-harm in a shared reflection: “envie de mourir”")
    assert "URGENT" in text and "jai envie de mourir" in text

    # A quitting phrase the next week is high, not urgent.
    await until(sim, second.starts_at + timedelta(hours=3))
    mark = sim.last_seq()
    await check_in_with(sim, learner, "ich hör auf, die Ausbildung ist nix für mich", first=False)
    text = alert(sim, mark, "Screening: a phrase about quitting in a check-in comment: “ich hör auf”")
    assert "HIGH" in text

    concerns = {c.kind: c.severity for c in await rows(sim, Concern)}
    assert concerns == {"phrase:abuse": "urgent", "phrase:self_harm": "urgent", "phrase:quitting": "high"}
    logged = caplog.text.lower()
    assert not any(word in logged for word in ("schlaegt", "schlägt", "suicider", "mourir", "hör auf"))
