"""The relationship check through both adapters: four weeks after a pair began, and every four
weeks after, the learner and the mentor each rate five items from 1 to 5, worded for each. A clear
fall, or one side much lower than the other, raises a relationship concern; a low check, with the
person's words, raises the pair_check concern as a poor monthly answer did. /pairs and /stats show
the trends; the answers are in the person's /mydata and go with them when they leave."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import console
from bot.simulation import Simulation
from storage.models import Concern, RelationshipCheck
from tests.journeys import (
    answer_relationship_check,
    begin_mentoring,
    delete_my_data,
    last_file,
    rows,
    telegram_init_data,
    until,
)

INTRO = "A short check from"
SCALE = [["1 · Not at all"], ["2 · A little"], ["3 · Partly"], ["4 · Mostly"], ["5 · Very much"]]
WORDS = "We hardly talk any more, he is always on his phone."


async def concerns_of(sim: Simulation, kind: str) -> list[Concern]:
    async with sim.tandem.db.unit_of_work() as uow:
        query = select(Concern).where(Concern.kind == kind).order_by(Concern.id)
        return list((await uow.session.execute(query)).scalars())


async def answer_first_question(sim: Simulation, began: datetime, learner: str, mentor: str) -> None:
    """Two weeks on, both say "Good" to the short question that comes before the checks."""
    await until(sim, began + timedelta(days=14, hours=3, minutes=1))
    for who in (learner, mentor):
        assert "A short question from" in sim.bot_texts(who)[-1]
        await sim.press(who, "Good$")


async def test_checks_trends_a_fall_a_low_check_mydata_and_erasure(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    began = sim.clock.now()
    await sim.send(mentor, "/cancel")  # the weekly time is not what this test is about
    await answer_first_question(sim, began, learner, mentor)

    # Four weeks on, each gets the check in their own wording, with the scale in words.
    await until(sim, began + timedelta(days=28, hours=3, minutes=1))
    first = sim.find(learner, INTRO)
    assert first is not None and first.buttons == SCALE
    assert f"about you and your mentor {mentor.title()}. Your mentor does not see your answers." in first.text
    assert f"1/5 · Do you feel good with {mentor.title()}?" in first.text
    theirs = sim.find(mentor, INTRO)
    assert theirs is not None and f"1/5 · Do you feel close to {learner.title()}?" in theirs.text
    replies = await sim.press(learner, "^5 · ")
    assert f"2/5 · Can you tell {mentor.title()} about your problems?" in replies[-1].text
    group_mark = sim.last_seq()
    assert (await answer_relationship_check(sim, learner, [5, 4, 5, 5]))[-1] == "Thank you!"
    assert (await answer_relationship_check(sim, mentor, [4, 4, 4, 4, 4]))[-1] == "Thank you!"
    assert not sim.bot_texts("coordinators", group_mark)

    # Four weeks later the learner's score falls by more than a point: a concern, not seen by the mentor.
    await until(sim, began + timedelta(days=56, hours=3, minutes=1))
    await answer_relationship_check(sim, mentor, [4, 4, 4, 4, 4])
    mentor_mark, group_mark = sim.last_seq(), sim.last_seq()
    assert (await answer_relationship_check(sim, learner, [3, 3, 4, 3, 3]))[-1] == "Thank you!"
    alert = "\n".join(sim.bot_texts("coordinators", group_mark))
    assert "a clear fall, or the two see it very differently" in alert
    assert f"{learner.title()}'s score fell from 4.8 to 3.2 (of 5)." in alert
    assert not sim.bot_texts(mentor, mentor_mark)
    (concern,) = await concerns_of(sim, "relationship")
    assert (concern.pair_id, concern.severity, concern.raised_by) == (pair.id, "normal", None)

    # /pairs shows both sides' trends, marked; /stats the programme's averages.
    listing = (await sim.send("carla", "/pairs"))[-1].text
    assert "⚠️ Relationship (of 5): learner 4.8 → 3.2 · mentor 4 → 4" in listing
    stats = (await sim.send("carla", "/stats"))[-1].text
    assert "last 4 weeks: learners 3.2, mentors 4; the 4 weeks before: learners 4.8, mentors 4" in stats
    assert "Running pairs whose relationship check fell or differs widely: 1" in stats
    # The coordinators' console shows the same trend in the learner's history.
    app = web.Application()
    console.mount(app, sim.tandem)
    async with TestClient(TestServer(app)) as client:
        signed = telegram_init_data("42:TEST", sim.users["carla"], sim.tandem.clock.now())
        opened = await client.post("/console/telegram", data={"init_data": signed}, allow_redirects=False)
        assert opened.status == 303
        history = await (await client.get(f"/console/people/{pair.learner_id}")).text()
    assert "Relationship (of 5): learner 4.8 → 3.2 · mentor 4 → 4" in history

    # A low check asks for a word; with it, a pair_check concern for the coordinators only.
    await until(sim, began + timedelta(days=84, hours=3, minutes=1))
    group_mark = sim.last_seq()
    await answer_relationship_check(sim, learner, [1, 2, 3, 2, 2])
    assert "(Your mentor does not see it.)" in sim.bot_texts(learner)[-1]
    await sim.send(learner, WORDS)
    assert sim.bot_texts(learner)[-1] == "Thank you! A coordinator will be in touch."
    alert = "\n".join(sim.bot_texts("coordinators", group_mark))
    assert WORDS in alert and "Their answers (of 5): closeness 1, trust 2, usefulness 3" in alert
    assert f"{learner.title()}'s score fell from 3.2 to 2 (of 5)." in alert
    (low,) = await concerns_of(sim, "pair_check")
    assert low.raised_by == pair.learner_id and low.about_mentor
    assert not [t for t in sim.bot_texts(mentor, group_mark) if "phone" in t]

    # /mydata has the learner's three checks; /delete takes them with the learner.
    await sim.send(learner, "/mydata")
    exported = json.loads(last_file(sim, learner, "my-data"))
    mine = exported["pairs"][0]["relationship_checks"]
    assert [(c["closeness"], c["wanting to go on"]) for c in mine] == [(5, 5), (3, 3), (1, 2)]
    assert len(await rows(sim, RelationshipCheck)) == 5  # the mentor has not answered the third
    await delete_my_data(sim, learner)
    assert await rows(sim, RelationshipCheck) == []


async def test_one_side_much_lower_raises_a_concern(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    began = sim.clock.now()
    await sim.send(mentor, "/cancel")
    await answer_first_question(sim, began, learner, mentor)
    await until(sim, began + timedelta(days=28, hours=3, minutes=1))

    # A sticker is no answer: a hint and the item again.
    reply = (await sim.sticker(learner, "😬"))[-1]
    assert "Nice sticker! But I need an answer" in reply.text and reply.buttons == SCALE
    await answer_relationship_check(sim, learner, [5, 5, 5, 5, 5])
    group_mark = sim.last_seq()
    assert (await answer_relationship_check(sim, mentor, [3, 3, 3, 3, 3]))[-1] == "Thank you!"
    alert = "\n".join(sim.bot_texts("coordinators", group_mark))
    assert f"{learner.title()} gives 5, {mentor.title()} gives 3 (of 5)." in alert
    assert len(await concerns_of(sim, "relationship")) == 1 and not await concerns_of(sim, "pair_check")
