"""Planned endings and closure, through both adapters: four weeks before a pair's planned end both
are asked to close or go on; an extension needs both and a coordinator; every closure, planned or
early, thanks both, suggests a last meeting where one can still happen, tells the programme's rule
for contact after the end, cancels the weekly calendar event, asks both the closing survey and
gives the mentor a certificate of volunteering (a PDF naming the mentor, the programme and the
dates, one per pair). /stats counts early closures, the median length and support contacts."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import bot
from bot.admin import run_admin
from bot.simulation import Simulation
from storage.models import ClosingSurvey, Pair
from tests.journeys import (
    START,
    agree_tuesdays,
    apply_as_mentor,
    begin_mentoring,
    cohort_simulation,
    delete_my_data,
    last_file,
    make_ready,
    onboard_cohort,
    onboard_learner,
    pairs,
    raise_urgent_about_the_mentor,
    rows,
    speaks,
    until,
)

PROGRAMME = "Tandem example programme"
ASKED = "is planned to end on"
GO_ON, CLOSE = "^Go on longer$", "^Close as planned$"


@pytest.fixture
async def one_month(framework: str, tmp_path: Path) -> AsyncIterator[Simulation]:
    """The cohort in a programme whose pairs run one month: asked within days, ended a month later."""
    text = (Path(bot.__file__).parent / "programme.toml").read_text(encoding="utf-8")
    text = text.replace("planned_months = 12", "planned_months = 1")
    (tmp_path / "programme.toml").write_text(text, encoding="utf-8")
    sim = cohort_simulation(framework)
    sim.configure(programme_file=tmp_path / "programme.toml")
    await sim.start()
    try:
        await onboard_cohort(sim)
        yield sim
    finally:
        await sim.stop()


async def the_pair(sim: Simulation, pair_id: int) -> Pair:
    return next(p for p in (await pairs(sim)).values() if p.id == pair_id)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(words.split())  # lines broken where the page needs it


async def answer_survey(sim: Simulation, who: str, words: str | None) -> None:
    """The closing survey: a few words (or Skip), goals partly reached, would recommend it."""
    assert "What has changed for you" in sim.bot_texts(who)[-1]
    if words is None:
        await sim.press(who, "^Skip$")
    else:
        await sim.send(who, words)
    await sim.press(who, "^Partly$")
    replies = await sim.press(who, "^Yes$")
    assert any("Your answers help the programme" in r.text for r in replies)


def calendar_cancelled(sim: Simulation, who: str) -> bool:
    content = last_file(sim, who, "tandem-weekly-")
    return b"METHOD:CANCEL" in content and b"STATUS:CANCELLED" in content


async def test_one_wants_to_go_on_the_other_does_not_answer_so_it_closes_as_planned(
    one_month: Simulation,
) -> None:
    sim = one_month
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    pair = await the_pair(sim, pair.id)
    assert pair.planned_end is not None and pair.decided_at is not None
    await until(sim, pair.planned_end - timedelta(weeks=4, minutes=-5))
    for who in (learner, mentor):
        assert any(ASKED in text for text in sim.bot_texts(who)), who
    await sim.press(mentor, GO_ON)
    assert "otherwise your mentoring closes as planned" in sim.bot_texts(mentor)[-1]
    mark = sim.last_seq()

    await until(sim, pair.planned_end + timedelta(minutes=1))
    ended = await the_pair(sim, pair.id)
    assert (ended.status, ended.end_kind, ended.early_reason) == ("ended", "planned", None)
    assert not any("would like to go on" in text for text in sim.bot_texts("coordinators", mark))
    assert "closed their mentoring as planned" in sim.bot_texts("coordinators")[-1]
    for who in (learner, mentor):
        told = "\n".join(sim.bot_texts(who, mark))
        assert "A last meeting: if you both wish" in told  # a week before the end
        assert "has come to its planned end" in told
        assert "write to the programme: it passes it on" in told
        assert calendar_cancelled(sim, who)
    certificate = pdf_text(last_file(sim, mentor, "certificate-"))
    assert mentor.title() in certificate and PROGRAMME in certificate
    assert "Certificate of volunteering" in certificate
    start, end = (f"{d.day} {d:%B} {d.year}" for d in (pair.decided_at, pair.planned_end))
    assert start in certificate and end in certificate, certificate
    assert not any((e.document or "").startswith("certificate-") for e in sim.transcript(learner))

    await answer_survey(sim, learner, "I found an apprenticeship I like.")
    await answer_survey(sim, mentor, None)
    surveys = await rows(sim, ClosingSurvey)
    assert [(s.role, s.goals, s.recommend, s.pair_id) for s in surveys] == [
        ("learner", "partly", "yes", pair.id),
        ("mentor", "partly", "yes", pair.id),
    ]
    assert surveys[1].changed is None
    await sim.send(learner, "/mydata")
    mine = json.loads(last_file(sim, learner, "my-data.json"))
    assert mine["closing_surveys"] == [
        {
            "answered": mine["closing_surveys"][0]["answered"],
            "what_changed": "I found an apprenticeship I like.",
            "goals_reached": "Partly",
            "would_recommend": "Yes",
        }
    ]
    stats = (await sim.send("carla", "/stats"))[-1].text
    assert "Pairs closed: 1, early: 0 (0%)" in stats
    assert "Median length of a closed match: 1 months" in stats
    replies = await sim.send("carla", "/match")
    assert not any(r.text.startswith("Proposal") and learner.title() in r.text for r in replies)


async def test_both_want_to_go_on_and_a_coordinator_confirms_it(one_month: Simulation) -> None:
    sim = one_month
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    pair = await the_pair(sim, pair.id)
    assert pair.planned_end is not None
    await until(sim, pair.planned_end - timedelta(weeks=4, minutes=-5))
    await sim.press(learner, GO_ON)
    mark = sim.last_seq()
    await sim.press(mentor, GO_ON)
    assert "You both would like to go on" in sim.bot_texts(mentor)[-1]
    asked = sim.bot_texts("coordinators", mark)[-1]
    assert "both would like to go on for 6 more months" in asked
    await sim.press("carla", "^Extend$", chat="coordinators")
    extended = await the_pair(sim, pair.id)
    assert extended.planned_end is not None and extended.planned_end > pair.planned_end + timedelta(days=180)
    for who in (learner, mentor):
        assert "goes on until" in sim.bot_texts(who)[-1]
    await until(sim, pair.planned_end + timedelta(hours=1))
    assert (await the_pair(sim, pair.id)).status == "active"


async def test_a_coordinator_ends_a_pair_early_with_a_reason_in_their_languages(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    await raise_urgent_about_the_mentor(sim, learner, "He shouts at me.")
    await sim.press("carla", "^Acknowledge$", chat="coordinators")
    await sim.advance(timedelta(days=14))
    await speaks(sim, learner, "fr")
    await speaks(sim, mentor, "de")
    mark = sim.last_seq()
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^Not a good fit$")
    await sim.send("carla", "They did not get on.")
    ended = await the_pair(sim, pair.id)
    assert (ended.status, ended.end_kind, ended.early_reason) == ("ended", "early", "no_fit")
    assert ended.end_reason == "They did not get on."

    told = "\n".join(sim.bot_texts(learner, mark))
    assert "Ton mentorat avec" in told and "est terminé" in told
    assert "Une dernière rencontre" in told and "écris au programme" in told
    assert "not get on" not in told  # the note stays with the programme
    assert calendar_cancelled(sim, learner) and calendar_cancelled(sim, mentor)
    assert any("Qu’est-ce qui a changé pour toi" in text for text in sim.bot_texts(learner, mark))
    certificate = pdf_text(last_file(sim, mentor, "certificate-"))
    assert "Bescheinigung über ehrenamtliches Engagement" in certificate
    assert mentor.title() in certificate and "Tandem-Beispielprogramm" in certificate  # its German name
    assert learner.title() not in certificate  # a learner is never named on it
    assert any("Was hat sich dadurch für dich verändert?" in text for text in sim.bot_texts(mentor, mark))

    stats = (await sim.send("carla", "/stats"))[-1].text
    assert "Pairs closed: 1, early: 1 (100%)" in stats
    assert "Median length of a closed match: 0.5 months" in stats
    per_month = stats.split("Support contacts per pair per month: ")[1].split(" ")[0]
    assert float(per_month) > 0  # the acknowledgement, over the days the pair ran


async def test_one_deletes_their_data_during_the_closing_survey(cohort: Simulation) -> None:
    sim = cohort
    pair, learner, mentor = await begin_mentoring(sim)
    await agree_tuesdays(sim, learner, mentor)
    await sim.send("carla", "/pairs")
    await sim.press("carla", "^End: ")
    await sim.press("carla", "^The learner left the training$")
    await sim.send("carla", "Dropped out of school.")
    assert "What has changed for you" in sim.bot_texts(learner)[-1]
    await sim.send(learner, "My words about what changed")  # the first answer, then they leave
    await delete_my_data(sim, learner)
    await answer_survey(sim, mentor, "She grew more confident.")
    surveys = await rows(sim, ClosingSurvey)
    assert [(s.role, s.pair_id, s.changed) for s in surveys] == [("mentor", None, "She grew more confident.")]
    assert not any(p.id == pair.id for p in (await pairs(sim)).values())  # gone with the learner's data
    stats = (await sim.send("carla", "/stats"))[-1].text
    assert "Pairs closed: 0" in stats


async def test_a_mentor_with_three_learners_gets_a_certificate_per_pair(framework: str) -> None:
    sim = cohort_simulation(framework)
    sim.add_user("mia", "Mia", language_code="en")
    await sim.start()
    try:
        code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
        await sim.send("carla", f"/start {code}")
        link = (await sim.send("carla", "/invite learner multi"))[-1].text
        for learner in ("lena", "tom", "mia"):
            await onboard_learner(
                sim, learner, link.rsplit("start=", 1)[1], name=learner.title(), language="en"
            )
        await apply_as_mentor(sim, "amira", name="Amira", evenings=True, capacity=3)
        await make_ready(sim, "carla", "amira", "Amira")
        await sim.send("carla", "/match")
        for _ in range(3):
            await sim.press("carla", "^Approve$")
        began = {"Lena": START, "Tom": START + timedelta(days=40), "Mia": START + timedelta(days=90)}
        async with sim.tandem.db.unit_of_work() as uow:
            for pair in (await uow.session.execute(select(Pair))).scalars():
                learner = await uow.people.get(pair.learner_id)
                assert learner is not None
                pair.status, pair.decided_at = "active", began[learner.first_name]
        await until(sim, START + timedelta(days=120))
        for name in ("Lena", "Tom", "Mia"):
            await sim.send("carla", "/pairs")
            await sim.press("carla", f"^End: {name} & Amira$")
            await sim.press("carla", "^No time any more$")
            await sim.send("carla", "Amira has less time now.")
            await sim.advance(timedelta(days=7))
        certificates = [
            e
            for e in sim.transcript("amira")
            if e.sender == "bot" and (e.document or "").startswith("certificate-")
        ]
        assert len(certificates) == 3
        for entry, name in zip(certificates, ("Lena", "Tom", "Mia"), strict=True):
            message = sim.emulator.message(entry.chat_id, entry.message_id)
            assert message is not None
            text = pdf_text(bytes(sim.emulator.state.files[message.json["document"]["file_id"]].content))
            start = began[name]
            assert "Amira" in text and f"{start.day} {start:%B} {start.year}" in text, text
            assert name not in text
    finally:
        await sim.stop()
