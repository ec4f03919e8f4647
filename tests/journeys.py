"""The journeys people walk through the emulator in tests, by button position: the same in every
language. Plain functions and constants; the fixtures built from them live in the conftest modules."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy import select, update

from bot.admin import run_admin
from bot.emulator import Entry, Limits
from bot.i18n import shipped_locales
from bot.services.courses import shipped_courses
from bot.simulation import Simulation
from conversations import reflection
from storage.models import Pair, Person, Session

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
YES, SKIP, LAST = 0, -1, -1

# What a person may send where the bot expects words or a button: each must be re-asked, not taken.
BAD_INPUTS = [
    ("sticker", "😀"),
    ("photo", "selfie.jpg"),
    ("document", "cv.pdf"),
    ("voice", (4,)),
    ("location", (52.5, 13.4)),
    ("contact", "+49 30 1234567"),
    ("send", ""),
    ("send", "   "),
    ("send", "x" * 5000),
    ("send", "😀🎉😀"),
]


async def onboard_learner(
    sim: Simulation,
    who: str,
    code: str,
    *,
    name: str,
    language: str,
    guardian: tuple[str, str] | None = None,
) -> None:
    """Invite to review, first options where asked; with a guardian (name, contact) under age, else 16-17."""
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
    course = shipped_courses()("en")
    await sim.send(mentor, "/training")
    for index, module in enumerate(course.module):
        for question in module.quiz:
            await sim.press_option(mentor, question.answer)
        if index + 1 < len(course.module):
            await sim.press_option(mentor, 0)  # carry on
    for check in range(len(sim.tandem.dispatcher.rules.mentor_checks)):
        card = await on_pages(sim, coordinator, "/screening", name)
        await sim.press_data(
            coordinator, card.message_id, next(d for r in card.data for d in r if d and d.endswith(":chk"))
        )
        await sim.press_option(coordinator, check)
        await sim.send(coordinator, "02.02.2026")
        await sim.press_option(coordinator, -1)  # the usual validity
    card = await on_pages(sim, coordinator, "/screening", name)
    await sim.press_data(
        coordinator, card.message_id, next(d for r in card.data for d in r if d and d.endswith(":ok"))
    )


async def on_pages(sim: Simulation, who: str, command: str, needle: str) -> Entry:
    """The page of a coordinator's list that shows ``needle`` (``Simulation.on_pages``)."""
    return await sim.on_pages(who, command, needle)


def cohort_simulation(
    framework: str, *, start: datetime = START, database_url: str | None = None
) -> Simulation:
    """Carla coordinates, learners Lena and Tom, mentors Peter and Amira, a coordinators' group; unstarted.
    ``database_url``: a database the cohort already joined (the same people, added in the same
    order, have the same Telegram ids), with ``start`` the time it got to."""
    sim = Simulation(
        framework=framework,  # type: ignore[arg-type]
        start=start,
        database_url=database_url,
        limits=Limits(enabled=False),
    )
    for key in ("carla", "lena", "tom", "peter", "amira"):
        sim.add_user(key, key.title(), language_code="en")
    group = sim.add_group("coordinators", "Coordinators", ["carla"])
    sim.configure(coordinator_chat_id=group)
    return sim


async def onboard_cohort(sim: Simulation) -> None:
    """Carla, Lena and Tom join by invite; Peter (1 learner) and Amira (2), evenings, trained and approved."""
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    link = (await sim.send("carla", "/invite learner multi"))[-1].text
    for learner in ("lena", "tom"):
        await onboard_learner(sim, learner, link.rsplit("start=", 1)[1], name=learner.title(), language="en")
    await apply_as_mentor(sim, "peter", name="Peter", evenings=True)
    await apply_as_mentor(sim, "amira", name="Amira", evenings=True, capacity=2)
    for mentor in ("peter", "amira"):
        await make_ready(sim, "carla", mentor, mentor.title())


async def pairs(sim: Simulation) -> dict[str, Pair]:
    """Every pair by "Learner+Mentor:status" (first names), oldest first."""
    async with sim.tandem.db.unit_of_work() as uow:
        names = {p.id: p.first_name for p in (await uow.session.execute(select(Person))).scalars()}
        rows = (await uow.session.execute(select(Pair).order_by(Pair.id))).scalars().all()
        return {f"{names[p.learner_id]}+{names[p.mentor_id]}:{p.status}": p for p in rows}


async def amira_takes_both(sim: Simulation) -> dict[str, Pair]:
    """Peter is not matchable for now, so /match gives Amira (two seats) Lena and Tom."""
    async with sim.tandem.db.unit_of_work() as uow:
        await uow.session.execute(
            update(Person).where(Person.telegram_user_id == sim.users["peter"]).values(ready_at=None)
        )
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    await sim.press("carla", "^Approve$")
    found = await pairs(sim)
    assert set(found) == {"Lena+Amira:introduced", "Tom+Amira:introduced"}
    return {key.split("+")[0].lower(): pair for key, pair in found.items()}


async def keys_of(sim: Simulation, pair: Pair) -> tuple[str, str]:
    """The cohort's keys of a pair's learner and mentor (e.g. "lena", "peter")."""
    found = {}
    async with sim.tandem.db.unit_of_work() as uow:
        for key in ("lena", "tom", "peter", "amira"):
            person = await uow.people.by_telegram_id(sim.users[key])
            assert person is not None
            found[person.id] = key
    return found[pair.learner_id], found[pair.mentor_id]


async def speaks(sim: Simulation, who: str, locale: str) -> None:
    """The person chose another language for Tandem (as /language would store it)."""
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[who])
        assert person is not None
        person.locale = locale


async def until(sim: Simulation, moment: datetime) -> None:
    """The simulated clock moves on to ``moment``, running whatever falls due on the way."""
    await sim.advance(moment - sim.clock.now())


async def begin_mentoring(sim: Simulation) -> tuple[Pair, str, str]:
    """/match, approve, the first meeting agreed and held, both say yes: the mentor is asked for a slot."""
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    learner, mentor = await keys_of(sim, pair)
    for _ in range(3):  # the first meeting: first day, first time, a public place
        await sim.press_option(mentor, 0)
    await sim.press(learner, "^Yes$")
    pair = (await pairs(sim))[next(k for k in await pairs(sim) if k.endswith(":introduced"))]
    assert pair.first_meeting_at is not None
    await until(sim, pair.first_meeting_at + timedelta(hours=3))
    await sim.press(learner, "^Yes, let's go on$")
    await sim.press(mentor, "^Yes, let's go on$")
    assert "starts now" in sim.bot_texts(learner)[-1]
    return pair, learner, mentor


async def agree_tuesdays(sim: Simulation, learner: str, mentor: str) -> list[Session]:
    """The mentor offers Tuesdays at 17:00 in a public place, the learner agrees: the planned sessions."""
    await sim.press(mentor, "^Tuesdays$")
    await sim.press(mentor, "^17:00$")
    await sim.press(mentor, "^a public place")
    await sim.press(learner, "^Yes$")
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(Session).order_by(Session.starts_at))).scalars().all())


def last_file(sim: Simulation, who: str, prefix: str) -> bytes:
    """The content of the newest document named ``prefix...`` the bot sent the person."""
    entry = [e for e in sim.transcript(who) if e.sender == "bot" and (e.document or "").startswith(prefix)][
        -1
    ]
    message = sim.emulator.message(entry.chat_id, entry.message_id)
    assert message is not None
    return bytes(sim.emulator.state.files[message.json["document"]["file_id"]].content)


async def answer_check_in(sim: Simulation, who: str) -> None:
    """The learner answers the check-in on screen: a fair week (🙂, vocational school good, when
    asked which areas matter), no goals, no comment."""
    await sim.send(who, "🙂")
    if "Which of these matter" in sim.bot_texts(who)[-1]:
        await sim.press(who, "^Vocational school$")
        await sim.press(who, "^Done$")
    while "going?" in sim.bot_texts(who)[-1]:
        await sim.press(who, "^Good$")
    assert "Anything you want" in sim.bot_texts(who)[-1] and "to know?" in sim.bot_texts(who)[-1]
    await sim.press(who, "^Skip$")


async def answer_relationship_check(sim: Simulation, who: str, scores: Sequence[int]) -> list[str]:
    """The person answers the items of the relationship check still open with ``scores``; the
    bot's last messages."""
    replies = []
    for score in scores:
        replies = await sim.press(who, f"^{score} · ")
    return [r.text for r in replies]


async def answer_what_rides_along(sim: Simulation, who: str) -> list[str]:
    """After a check-in, the learner answers what came with it (the monthly question or the
    relationship check: good; a reflection: a few words, kept private); which ones came, in order:
    "monthly", "reflection"."""
    came = []
    for _ in range(2):
        last = sim.bot_texts(who)[-1]
        if "how is it going with your mentor" in last:
            came.append("monthly")
            await sim.press(who, "Good$")
        elif "A short check from" in last:
            came.append("monthly")
            await answer_relationship_check(sim, who, [4] * 5)
        elif "A question just for you" in last:
            came.append("reflection")
            await sim.send(who, "A good week at the workshop")
            await sim.press(who, "^Keep it private$")
    return came


async def ask_now(sim: Simulation, key: str) -> None:
    """A reflection question due in a minute (one postponed from an evening with no room)."""
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[key])
        assert person is not None
        await uow.jobs.add(
            {
                "kind": reflection.JOB,
                "payload": {"person_id": person.id},
                "due_at": sim.clock.now() + timedelta(minutes=1),
                "dedupe_key": reflection.job_key(person.id),
                "status": "pending",
                "attempts": 0,
                "created_at": sim.clock.now(),
            }
        )
    await sim.advance(timedelta(minutes=2))


async def rows(sim: Simulation, model: type) -> list:  # type: ignore[type-arg]
    """Every row of a model's table, by id."""
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(model).order_by(model.id))).scalars().all())


async def raise_urgent_about_the_mentor(sim: Simulation, learner: str, words: str) -> None:
    """The learner's /concern: a problem with the mentor, urgent, in their words."""
    await sim.send(learner, "/concern")
    await sim.press(learner, "^A problem with my mentor$")
    await sim.press(learner, "^Urgent: today$")
    await sim.send(learner, words)


async def delete_my_data(sim: Simulation, who: str) -> None:
    """/delete, confirmed twice."""
    await sim.send(who, "/delete")
    await sim.press(who, "^Yes$")
    replies = await sim.press(who, "^Yes$")
    assert "Everything Tandem stored about you is deleted" in replies[-1].text


async def add_coordinator(sim: Simulation, key: str) -> None:
    """Another coordinator joins with a code from `tandem admin` (the user ``key`` exists)."""
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send(key, f"/start {code}")


async def introduced(sim: Simulation) -> tuple[str, str]:
    """/match and approve: the cohort's first pair is introduced (it may write through /msg);
    the keys of its learner and mentor."""
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    pair = next(p for k, p in (await pairs(sim)).items() if k.endswith(":introduced"))
    return await keys_of(sim, pair)


async def write_to_partner(sim: Simulation, who: str, words: str) -> list[str]:
    """/msg, then the words: what the writer reads."""
    await sim.send(who, "/msg")
    return [entry.text for entry in await sim.send(who, words)]


def telegram_init_data(bot_token: str, user_id: int, signed_at: datetime, first_name: str = "Carla") -> str:
    """A Mini App's initData as Telegram signs it for this bot (the Bot API's "Validating data
    received via the Mini App"), written here independently of the code under test."""
    import hashlib
    import hmac
    import json
    from urllib.parse import urlencode

    fields = {
        "auth_date": str(int(signed_at.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": first_name, "language_code": "en"}),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def free_port() -> int:
    """A loopback port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """``app`` on a free loopback port until the block ends (a stand-in Bot API); yields its
    address, ``http://127.0.0.1:PORT``."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
