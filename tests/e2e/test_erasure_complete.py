"""Erasure is complete, through both adapters: after a learner's /delete nothing in the database
names her or holds her words (the case log's signal lines, a coordinator's note and message, her
reply, her concern's text, a check-in comment copied into a concern by phrase screening, her
mentor's open conversation), while her cases stay for the programme's duty of care: that they
existed, their severity, kind, outcome and dates. Every alert in the coordinators' group is edited
to the text without her, and /case N says the case was raised by a person who has since left. A
mentor telling a concern goes on when a learner leaves; a mentor who leaves takes his words and
his name out of the case he raised about a learner who stays, and out of a concern phrase
screening raised from them. Before leaving, /mydata gives each the whole record, in their language."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.simulation import Simulation
from storage.database import sqlite_path
from storage.models import Base, Concern
from tests.journeys import (
    agree_tuesdays,
    amira_takes_both,
    answer_what_rides_along,
    begin_mentoring,
    delete_my_data,
    last_file,
    rows,
    speaks,
    until,
)

CONCERN = "My landlord Mr Krause wants 300 euros by Friday"
COMMENT = "The money is gone and sometimes I just want to end it all"
NOTE = "Called {name}, she comes to the office on Monday"
MESSAGE = "Hello {name}, can you come to the office on Monday at ten?"
REPLY = "Yes I can come, thank you so much"
WHICH = "About which of your learners?"


async def still_stored(sim: Simulation, traces: tuple[str, ...]) -> dict[str, list[str]]:
    """Each trace found in any column of any table the models declare, with the rows holding it."""
    stored = []
    async with sim.tandem.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            stored += [f"{table.name}: {tuple(row)!r}" for row in await connection.execute(select(table))]
    found = {trace: [row for row in stored if trace in row] for trace in traces}
    return {trace: where for trace, where in found.items() if where}


async def check_in_with_bad_money_and_a_phrase(sim: Simulation, learner: str) -> None:
    """After "yes, we met": money bad (an urgent signal naming her), a comment with a phrase."""
    await sim.press(learner, "^Yes, we met$")
    await sim.send(learner, "🙂")
    await sim.press(learner, "^Vocational school$")
    await sim.press(learner, "^Money$")
    await sim.press(learner, "^Done$")
    await sim.press(learner, "^Good$")
    await sim.press(learner, "^Bad$")
    assert "to know? Write it, or send a voice note." in sim.bot_texts(learner)[-1]
    await sim.send(learner, COMMENT)
    await answer_what_rides_along(sim, learner)


async def told_and_answered(sim: Simulation) -> tuple[str, str, Concern, int]:
    """A learner's week: a check-in naming her in a signal and copied by phrase screening, a
    concern in her words, a coordinator's note and message naming her, her reply; her mentor's
    note about the session left open. The learner, her mentor, her concern, a mark before it all."""
    _, learner, mentor = await begin_mentoring(sim)
    name = learner.title()
    first, *_ = await agree_tuesdays(sim, learner, mentor)
    await until(sim, first.starts_at + timedelta(hours=3))
    mark = sim.last_seq()
    await check_in_with_bad_money_and_a_phrase(sim, learner)
    group = "\n".join(sim.current_texts("coordinators", mark))
    assert f"{name} says things are bad with money" in group and COMMENT in group
    await sim.press(mentor, "^Yes, we met$")
    assert f"A short note about your session with {name}" in sim.bot_texts(mentor)[-1]

    await sim.send(learner, "/concern")
    await sim.press(learner, "^Money or housing$")
    await sim.press(learner, "^This week$")
    await sim.send(learner, CONCERN)
    (raised,) = [c for c in await rows(sim, Concern) if c.raised_by is not None]
    await sim.send("carla", f"/case {raised.id}")
    await sim.press("carla", "^Acknowledge$")
    await sim.press("carla", "^Add note$")
    await sim.send("carla", NOTE.format(name=name))
    await sim.press("carla", "^Contact the learner$")
    await sim.send("carla", MESSAGE.format(name=name))
    assert MESSAGE.format(name=name) in sim.bot_texts(learner)[-2]
    await sim.send(learner, REPLY)
    alert = sim.current_texts("coordinators", mark)
    assert any(CONCERN in t and NOTE.format(name=name) in t and REPLY in t for t in alert)
    return learner, mentor, raised, mark


async def test_my_data_is_the_whole_record_in_the_persons_language(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor, _, _ = await told_and_answered(sim)
    await speaks(sim, learner, "de")
    await sim.send(learner, "/mydata")
    data = json.loads(last_file(sim, learner, "my-data"))
    assert data["about"].startswith("Eine Kopie von allem, was Tandem über dich speichert")
    assert data["your_answers"]["Wo du wohnst"] == "–"  # her answers as /profile shows them

    (concern,) = data["concerns_you_raised"]
    assert concern["your_words"] == CONCERN
    assert (concern["what"], concern["how_urgent"], concern["status"]) == (
        "Geld oder Wohnen",
        "hoch",
        "übernommen",
    )
    sent, replied = data["messages_with_coordinators"]
    assert sent == {**sent, "from": "Carla", "words": MESSAGE.format(name=learner.title())}
    assert replied == {**replied, "from": learner.title(), "words": REPLY}

    (pair,) = data["pairs"]
    assert (pair["with"], pair["you_are"], pair["status"]) == (mentor.title(), "Lernende*r", "active")
    public = "an einem öffentlichen Ort (Bibliothek, Café)"
    assert pair["weekly"] == {"day": "dienstags", "time": "17:00", "place": public}
    first = pair["sessions"][0]
    assert (first["you_said"], first["what_became_of_it"]) == ("getroffen", "getroffen")
    assert all(s["you_said"] is None for s in pair["sessions"][1:])

    (check_in,) = data["check_ins"]
    assert check_in["areas"] == {"Berufsschule": "Gut", "Geld": "Schlecht"}
    assert (check_in["for_your_mentor"], check_in["motivation"]) == (COMMENT, 4)
    (reflection,) = data["reflections"]
    assert (reflection["question"], reflection["answer"]) == (
        "Was lief diese Woche gut?",
        "A good week at the workshop",
    )
    # The coordinators' note among themselves is theirs, not in her copy.
    assert NOTE.format(name=learner.title()) not in json.dumps(data, ensure_ascii=False)


async def test_after_delete_nothing_names_the_learner_and_her_cases_stay_without_her(
    cohort: Simulation,
) -> None:
    sim = cohort
    learner, _, raised, mark = await told_and_answered(sim)
    name = learner.title()

    await delete_my_data(sim, learner)

    words = (name, str(sim.users[learner]), "Krause", "300 euros", "end it all", "on Monday", "so much")
    assert await still_stored(sim, words) == {}
    # On SQLite not in the file's bytes either.
    path = sqlite_path(sim.tandem.db.url)
    if path is not None:
        on_disk = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        for trace in ("Krause", "end it all", "thank you so much"):
            assert trace.encode() not in on_disk, trace

    # Every alert in the group now reads without her name and her words.
    for text in sim.current_texts("coordinators", mark):
        assert not any(trace in text for trace in words), text

    # The cases stay: severity, kind, steps and dates, raised by a person who has since left.
    case = (await sim.send("carla", f"/case {raised.id}"))[-1].text
    assert case.startswith(f"🟠 Concern #{raised.id} · HIGH · acknowledged")
    assert "About: a person who has since left" in case and "What: money or housing" in case
    assert "Raised by: a person who has since left" in case
    for step in ("acknowledged by Carla", "note by Carla", "Carla wrote to the learner"):
        assert step in case
    assert "a person who has since left replied" in case
    assert "the person who raised it deleted their data" in case
    await sim.press("carla", "^Resolve$")
    await sim.press("carla", "^Talked it through$")
    case = (await sim.send("carla", f"/case {raised.id}"))[-1].text
    assert case.startswith(f"🟠 Concern #{raised.id} · HIGH · resolved")
    assert "resolved by Carla: Talked it through" in case
    phrase = next(c for c in await rows(sim, Concern) if c.kind == "phrase:self_harm")
    assert (phrase.severity, phrase.text, phrase.subject_id) == ("urgent", None, None)
    screened = (await sim.send("carla", f"/case {phrase.id}"))[-1].text
    assert "About: a person who has since left" in screened and "words about self-harm" in screened


async def test_a_leaver_is_taken_out_of_others_conversations_and_a_mentors_words_leave_with_him(
    cohort: Simulation,
) -> None:
    sim = cohort
    await amira_takes_both(sim)
    # Amira begins a concern and is asked which learner it is about; Lena leaves meanwhile.
    asked = (await sim.send("amira", "/concern"))[-1]
    assert asked.text == WHICH and asked.buttons == [["Lena"], ["Tom"]]
    await delete_my_data(sim, "lena")
    assert await still_stored(sim, ("Lena",)) == {}  # neither her pair's questions nor the choice

    # Amira's concern goes on (a concern being told is never lost), about Tom.
    await sim.press("amira", "^Tom$")
    await sim.press("amira", "^Worried about my learner's safety$")
    await sim.press("amira", "^Urgent: today$")
    mark = sim.last_seq()
    await sim.send("amira", "He told me Amira is the only one he trusts, his father hits him")
    (tom_case,) = [c for c in await rows(sim, Concern) if c.kind == "learner_safety"]
    await sim.send("carla", f"/case {tom_case.id}")
    await sim.press("carla", "^Add note$")
    await sim.send("carla", "Amira and I call Tom's school tomorrow")

    # Amira leaves: Tom's case stays about Tom, with Carla's note, but without Amira's name or words.
    await delete_my_data(sim, "amira")
    assert await still_stored(sim, ("Amira", "father hits", str(sim.users["amira"]))) == {}
    case = (await sim.send("carla", f"/case {tom_case.id}"))[-1].text
    assert case.startswith(f"🔴 Concern #{tom_case.id} · URGENT · open")
    assert "About: Tom" in case and "Raised by: a person who has since left" in case
    assert "note by Carla: – and I call Tom's school tomorrow" in case
    assert "Amira" not in "\n".join(sim.current_texts("coordinators", mark))


async def test_a_mentors_words_screened_into_a_concern_leave_with_him(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    await until(sim, sim.clock.now() + timedelta(days=14, minutes=1))
    assert "how is it going with your learner" in sim.bot_texts(mentor)[-1]
    await sim.press(mentor, "Not well$")
    words = f"{learner.title()} talks about suicide, I am scared for her"
    await sim.send(mentor, words)
    screened = [c for c in await rows(sim, Concern) if c.kind == "phrase:self_harm"]
    assert [c.text for c in screened] == [words]  # Tandem raised it, from the mentor's words
    await sim.send(mentor, "/mydata")  # his answer is in his copy, with his words
    data = json.loads(last_file(sim, mentor, "my-data"))
    (monthly,) = data["pairs"][0]["monthly_questions"]
    assert monthly["your_answer"] == "😟 Not well" and data["pairs"][0]["you_are"] == "mentor"
    (raised,) = data["concerns_you_raised"]
    assert (raised["what"], raised["your_words"]) == ("the pair's monthly check went poorly", words)

    await delete_my_data(sim, mentor)
    assert await still_stored(sim, ("talks about suicide", mentor.title())) == {}
    case = (await sim.send("carla", f"/case {screened[0].id}"))[-1].text
    assert f"About: {learner.title()}" in case and "words about self-harm" in case
