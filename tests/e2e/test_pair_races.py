"""Two people deciding at once: each race runs two presses in concurrent transactions, round after
round, and asserts what each person reads and what the pair became. The people and their pair are
seeded in the database (a pair walked through the bot takes a minute); every decision goes
through the emulator and an adapter, as the people's presses."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import bot
from bot.callbacks import pack
from bot.context import Context
from bot.devtools.simulation import TEST_TOKEN, WEBHOOK_SECRET
from bot.emulator import Limits
from bot.features.matchmaking import Decision, EndPair
from bot.features.team import TeamAction
from bot.runtime.web import SECRET_HEADER
from bot.services.concerns import AlertAction
from bot.simulation import Simulation
from conversations import first_meeting, pair_end
from conversations.sessions import planning
from storage.models import Concern, OutboxMessage, Pair, Person, ProcessedUpdate, Session
from storage.scratch import postgres_server
from tests.journeys import START, free_port

needs_postgres = pytest.mark.skipif(
    postgres_server() is None,
    reason="concurrent transactions need PostgreSQL (set TANDEM_TEST_POSTGRES_URL); SQLite has one writer",
)
ROUNDS = 10
GO_ON = "^Yes, let's go on$"
LONGER = "^Go on longer$"
BOTH_YES = "You both said yes"
ENDED = "Your mentoring pair with"


@dataclass(frozen=True)
class Seeded:
    learner: str  # the simulation's keys of the two
    mentor: str
    pair: int


@pytest.fixture
async def sim(framework: str) -> AsyncIterator[Simulation]:
    """Coordinators Carla and Cleo (no group: each reads the coordinators' lines privately)."""
    async with staffed(framework) as simulation:
        yield simulation


@asynccontextmanager
async def staffed(framework: str, *, webhook: bool = False) -> AsyncIterator[Simulation]:
    simulation = Simulation(framework=framework, start=START, limits=Limits(enabled=False), webhook=webhook)  # type: ignore[arg-type]
    await simulation.start()
    try:
        for key in ("carla", "cleo"):
            await person(simulation, key, "coordinator")
        yield simulation
    finally:
        await simulation.stop()


async def person(sim: Simulation, key: str, role: str) -> int:
    """Someone the bot knows, with a role (a mentor approved, trained and taking one learner)."""
    sim.add_user(key, key.title(), language_code="en")
    now = sim.clock.now()
    async with sim.tandem.db.unit_of_work() as uow:
        row = await uow.people.add(
            Person(
                telegram_user_id=sim.users[key],
                chat_id=sim.users[key],
                first_name=key.title(),
                telegram_language="en",
                role=role,
                consent_at=now,
                screening="approved" if role == "mentor" else None,
                ready_at=now if role == "mentor" else None,
                profile={"availability": ["weekday_evening"], "capacity": 1},
                created_at=now,
                updated_at=now,
            )
        )
        return row.id


async def seed_pair(sim: Simulation, round_: int, status: str, **fields: Any) -> Seeded:
    """This round's learner and mentor, in a pair of that status."""
    learner, mentor = f"lea{round_}", f"max{round_}"
    learner_id, mentor_id = await person(sim, learner, "learner"), await person(sim, mentor, "mentor")
    return Seeded(learner, mentor, await add_pair(sim, learner_id, mentor_id, status, **fields))


async def add_pair(sim: Simulation, learner_id: int, mentor_id: int, status: str, **fields: Any) -> int:
    now = sim.clock.now()
    async with sim.tandem.db.unit_of_work() as uow:
        pair = Pair(learner_id=learner_id, mentor_id=mentor_id, status=status, score=1.0, created_at=now)
        for name, value in {"decided_at": now, **fields}.items():
            setattr(pair, name, value)
        return (await uow.pairs.add(pair)).id


async def due_now(sim: Simulation, kind: str, payloads: list[dict[str, Any]]) -> None:
    """Due jobs that fall due now, run at once (as the scheduler would)."""
    async with sim.tandem.db.unit_of_work() as uow:
        for payload in payloads:
            await uow.jobs.add(
                {
                    "kind": kind,
                    "payload": payload,
                    "due_at": sim.clock.now(),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": sim.clock.now(),
                }
            )
    await sim.advance(timedelta(minutes=1))


async def id_of(sim: Simulation, key: str) -> int:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found.id


async def pair_row(sim: Simulation, pair_id: int) -> Pair:
    async with sim.tandem.db.unit_of_work() as uow:
        pair = await uow.pairs.get(pair_id)
        assert pair is not None
        return pair


async def some_message(sim: Simulation, who: str) -> int:
    """A message of the bot's in the person's chat, to press a button's data on."""
    return (await sim.send(who, "/help"))[-1].message_id


def count(texts: list[str], words: str) -> int:
    return sum(words in text for text in texts)


async def later(round_: int, action: Awaitable[Any]) -> Any:
    """The action after a delay that grows with the round: 0 to 9 ms."""
    await asyncio.sleep(round_ % 10 / 1000)
    return await action


Race = Callable[[Simulation, int], Awaitable[str | None]]


async def rounds(sim: Simulation, race: Race, times: int = ROUNDS) -> None:
    """Run the race that many times; a round returns what went wrong in it, if anything. Before
    the locks, each race went wrong in 2 to 10 rounds of 10 (twice the rounds where it was the
    fewer)."""
    wrong = [f"round {i}: {problem}" for i in range(times) if (problem := await race(sim, i))]
    assert not wrong, f"{len(wrong)} of {times} rounds went wrong; " + "; ".join(wrong[:3])


# --- after the first meeting ---------------------------------------------------------------------


async def introduced_and_asked(sim: Simulation, round_: int, **fields: Any) -> Seeded:
    """A pair whose first meeting was three hours ago; both were just asked whether to go on."""
    met = sim.clock.now() - timedelta(hours=3)
    seeded = await seed_pair(sim, round_, "introduced", first_meeting_at=met, first_meeting_place="public")
    ids = [await id_of(sim, key) for key in (seeded.learner, seeded.mentor)]
    await due_now(sim, first_meeting.AFTER_JOB, [{"person_id": i, "pair": seeded.pair} for i in ids])
    for key in (seeded.learner, seeded.mentor):
        assert "Would you like to go on together?" in " ".join(sim.bot_texts(key)[-1:]), key
    return seeded


async def both_say_yes(sim: Simulation, round_: int) -> str | None:
    seeded = await introduced_and_asked(sim, round_)
    since = sim.last_seq()
    await asyncio.gather(sim.press(seeded.learner, GO_ON), sim.press(seeded.mentor, GO_ON))
    return await started_once(sim, seeded, since)


async def started_once(sim: Simulation, seeded: Seeded, since: int) -> str | None:
    """What is wrong after both said yes, if anything."""
    status = (await pair_row(sim, seeded.pair)).status
    learner, mentor = sim.bot_texts(seeded.learner, since), sim.bot_texts(seeded.mentor, since)
    told = (count(learner, BOTH_YES), count(mentor, BOTH_YES))
    asked = count(mentor, "please suggest a regular weekly time")
    heard = [count(sim.bot_texts(c, since), "start their mentoring") for c in ("carla", "cleo")]
    if (status, told, asked, heard) != ("active", (1, 1), 1, [1, 1]):
        return f"pair {status}, told {told}, weekly time asked {asked}, coordinators told {heard}"
    return None


@needs_postgres
async def test_both_saying_yes_at_once_start_the_mentoring_once(sim: Simulation) -> None:
    """The learner and the mentor press "Yes, let's go on" at the same moment: the pair is
    active, both read that it starts exactly once, the mentor is asked for the weekly time once,
    and each coordinator hears of it once."""
    await rounds(sim, both_say_yes)


async def ended_while_the_learner_says_yes(sim: Simulation, round_: int) -> str | None:
    seeded = await introduced_and_asked(sim, round_)
    await sim.press(seeded.mentor, GO_ON)  # the mentor said yes before
    await sim.press_data("carla", await some_message(sim, "carla"), pack(EndPair(seeded.pair)))
    await sim.press("carla", "^Moved away$")
    assert "Why does the pair of" in sim.bot_texts("carla")[-1]
    since = sim.last_seq()
    # The coordinator's text goes through the flow engine first, the press is quicker: the press
    # comes a little later each round, so that the two overlap on any machine.
    await asyncio.gather(
        sim.send("carla", "They moved away."), later(round_, sim.press(seeded.learner, GO_ON))
    )
    pair = await pair_row(sim, seeded.pair)
    learner = sim.bot_texts(seeded.learner, since)
    said_yes, ended = count(learner, BOTH_YES), count(learner, ENDED)
    decided = sim.toasts(seeded.learner, since)
    # Either the end came first (the learner's press finds it decided), or the yes came first
    # and the end after it: the pair ends either way, and nobody is told twice.
    if pair.status != "ended" or ended != 1 or said_yes + decided.count("This was already decided.") != 1:
        return f"pair {pair.status} (ended at {pair.ended_at}), learner read {learner}, toasts {decided}"
    return None


@needs_postgres
async def test_a_pair_ended_while_the_learner_says_yes_stays_ended(sim: Simulation) -> None:
    """A coordinator ends a pair (the reason sent) at the moment its learner says the second yes:
    the pair ends, whichever came first; the learner reads the end once, and the start only if
    it came first."""
    await rounds(sim, ended_while_the_learner_says_yes, times=2 * ROUNDS)


# --- a running pair: the weekly time, moving a session -------------------------------------------


async def active_and_asked_for_a_slot(sim: Simulation, round_: int) -> Seeded:
    """A pair that just said yes twice (one after the other): the mentor suggests Tuesdays at
    17:00 and the learner is asked."""
    seeded = await introduced_and_asked(sim, round_)
    await sim.press(seeded.learner, GO_ON)
    await sim.press(seeded.mentor, GO_ON)
    for answer in ("^Tuesdays$", "^17:00$", "^a public place"):
        await sim.press(seeded.mentor, answer)
    assert "suggests meeting every week" in sim.bot_texts(seeded.learner)[-1]
    return seeded


async def slot_agreed_while_the_mentor_leaves(sim: Simulation, round_: int) -> str | None:
    seeded = await active_and_asked_for_a_slot(sim, round_)
    await sim.send(seeded.mentor, "/delete")
    await sim.press(seeded.mentor, "^Yes$")
    assert "really sure" in sim.bot_texts(seeded.mentor)[-1]
    since = sim.last_seq()
    await asyncio.gather(sim.press(seeded.mentor, "^Yes$"), sim.press(seeded.learner, "^Yes$"))
    learner = sim.bot_texts(seeded.learner, since)
    async with sim.tandem.db.unit_of_work() as uow:
        sessions = (await uow.session.execute(select(Session))).scalars().all()
        left = [s for s in sessions if s.pair_id == seeded.pair]
    agreed = count(learner, "Agreed: Tuesdays")
    gone = count(learner, "This pair no longer exists.") + count(learner, "from an earlier conversation")
    # The learner's answer is answered: agreed before the mentor left, or, the mentor gone first,
    # told the pair is gone (or that the question went with it).
    if agreed + gone != 1 or count(learner, ENDED) != 1 or left:
        return f"learner read {learner}; sessions left {len(left)}"
    return None


@needs_postgres
async def test_a_weekly_time_agreed_while_the_mentor_deletes_their_data(sim: Simulation) -> None:
    """The learner agrees the weekly time as the mentor confirms /delete: the learner reads the
    agreement or that the pair is gone (never nothing, never an apology), and the pair's end
    once."""
    await rounds(sim, slot_agreed_while_the_mentor_leaves, times=2 * ROUNDS)


async def both_asked_to_move(sim: Simulation, round_: int) -> tuple[Seeded, int]:
    """A running pair with a session in three days; each asked to move it to another day, so
    each now answers the other's request."""
    seeded = await seed_pair(sim, round_, "active", slot_weekday=3, slot_time="17:00", slot_place="public")
    starts = sim.clock.now() + timedelta(days=3)
    async with sim.tandem.db.unit_of_work() as uow:
        session = await uow.sessions.add(
            Session(pair_id=seeded.pair, starts_at=starts, place="public", created_at=sim.clock.now())
        )
    ids = [await id_of(sim, key) for key in (seeded.learner, seeded.mentor)]
    await due_now(
        sim, planning.JOB, [{"person_id": i, "session": session.id, "kind": "confirm"} for i in ids]
    )
    await sim.press(seeded.learner, "^Move it$")
    await sim.press(seeded.mentor, "^Move it$")
    for who, option in ((seeded.learner, 0), (seeded.mentor, 1)):
        await sim.press_option(who, option)  # a day
        await sim.press_option(who, option)  # a time
    for key in (seeded.learner, seeded.mentor):
        assert "asks to move your session" in sim.bot_texts(key)[-1], sim.bot_texts(key)[-3:]
    return seeded, session.id


async def both_moves_agreed(sim: Simulation, round_: int) -> str | None:
    seeded, session_id = await both_asked_to_move(sim, round_)
    since = sim.last_seq()
    await asyncio.gather(sim.press(seeded.learner, "^Yes$"), sim.press(seeded.mentor, "^Yes$"))
    async with sim.tandem.db.unit_of_work() as uow:
        session = await uow.sessions.get(session_id)
        assert session is not None
    told = [
        count(sim.bot_texts(key, since), "Moved: your session is now")
        for key in (seeded.learner, seeded.mentor)
    ]
    # Both moves were agreed: the session moved twice, and each read both.
    if session.moves != 2 or told != [2, 2]:
        return f"moves counted {session.moves}, each told {told}"
    return None


@needs_postgres
async def test_two_moves_of_one_session_agreed_at_once_both_count(sim: Simulation) -> None:
    """Learner and mentor each asked to move the same session, and each agrees to the other's
    request at the same moment: both moves count, and both people read both."""
    await rounds(sim, both_moves_agreed)


# --- matching ------------------------------------------------------------------------------------


async def approved_while_the_learner_pauses(sim: Simulation, round_: int) -> str | None:
    seeded = await seed_pair(sim, round_, "proposed", decided_at=None)
    message = await some_message(sim, "carla")
    since = sim.last_seq()
    await asyncio.gather(
        sim.press_data("carla", message, pack(Decision(seeded.pair, "ok"))),
        sim.send(seeded.learner, "/pause"),
    )
    status = (await pair_row(sim, seeded.pair)).status
    mentor = sim.bot_texts(seeded.mentor, since)
    # Approved first: the mentor then hears of the pause. Paused first: no introduction.
    if not (status == "introduced" and count(mentor, "paused Tandem") == 1) and not (
        status == "skipped" and not mentor
    ):
        return f"pair {status}, mentor read {mentor}"
    return None


@needs_postgres
async def test_a_match_approved_while_the_learner_pauses(sim: Simulation) -> None:
    """A coordinator approves a proposal as its learner sends /pause: either the pause came
    first and the pair is skipped, or the introduction came first and the mentor hears of the
    pause; never a paused learner introduced without their mentor knowing."""
    await rounds(sim, approved_while_the_learner_pauses)


async def approved_while_the_mentor_is_suspended(sim: Simulation, round_: int) -> str | None:
    seeded = await seed_pair(sim, round_, "proposed", decided_at=None)
    mentor_id = await id_of(sim, seeded.mentor)
    await sim.press_data("cleo", await some_message(sim, "cleo"), pack(TeamAction(mentor_id, "sus")))
    await sim.send("cleo", "Checks expired.")
    assert f"Suspend {seeded.mentor.title()} now?" in sim.bot_texts("cleo")[-1]
    message = await some_message(sim, "carla")
    since = sim.last_seq()
    await asyncio.gather(
        sim.press_data("carla", message, pack(Decision(seeded.pair, "ok"))), sim.press("cleo", "^Yes$")
    )
    status = (await pair_row(sim, seeded.pair)).status
    learner = sim.bot_texts(seeded.learner, since)
    # Suspended first: the proposal is skipped. Approved first: the suspension ends the pair.
    if (status, count(learner, ENDED)) not in (("skipped", 0), ("ended", 1)):
        return f"pair {status}, learner read {learner}"
    return None


@needs_postgres
async def test_a_match_approved_while_its_mentor_is_suspended(sim: Simulation) -> None:
    """One coordinator approves a proposal while another suspends its mentor: the learner never
    stays with a suspended mentor."""
    await rounds(sim, approved_while_the_mentor_is_suspended)


async def two_proposals_approved_for_one_learner(sim: Simulation, round_: int) -> str | None:
    seeded = await seed_pair(sim, round_, "proposed", decided_at=None)
    learner_id = await id_of(sim, seeded.learner)
    other = await add_pair(
        sim, learner_id, await person(sim, f"mia{round_}", "mentor"), "proposed", decided_at=None
    )
    messages = [await some_message(sim, key) for key in ("carla", "cleo")]
    since = sim.last_seq()
    await asyncio.gather(
        sim.press_data("carla", messages[0], pack(Decision(seeded.pair, "ok"))),
        sim.press_data("cleo", messages[1], pack(Decision(other, "ok"))),
    )
    statuses = sorted([(await pair_row(sim, p)).status for p in (seeded.pair, other)])
    mentors = count(sim.bot_texts(seeded.learner, since), "Your mentor is")
    if statuses != ["introduced", "skipped"] or mentors != 1:
        return f"pairs {statuses}, learner told of {mentors} mentors"
    return None


@needs_postgres
async def test_two_proposals_for_one_learner_approved_at_once_give_one_mentor(sim: Simulation) -> None:
    """Two coordinators approve two proposals for the same learner at the same moment: one is
    introduced, the other skipped; the learner hears of one mentor."""
    await rounds(sim, two_proposals_approved_for_one_learner)


# --- coordinators: one case, two copies of its alert ---------------------------------------------


async def taken_by_two_at_once(sim: Simulation, round_: int) -> str | None:
    key = f"lea{round_}"
    learner_id = await person(sim, key, "learner")
    now = sim.clock.now()
    async with sim.tandem.db.unit_of_work() as uow:
        concern = await uow.concerns.add(
            Concern(
                raised_by=learner_id,
                subject_id=learner_id,
                kind="work_school",
                severity="high",
                text="Trouble at work",
                created_at=now,
                updated_at=now,
            )
        )
    messages = [await some_message(sim, coordinator) for coordinator in ("carla", "cleo")]
    since = sim.last_seq()
    await asyncio.gather(
        *(
            sim.press_data(c, m, pack(AlertAction(concern.id, "ack")))
            for c, m in zip(("carla", "cleo"), messages, strict=True)
        )
    )
    took = [count(sim.toasts(c, since), "You took concern") for c in ("carla", "cleo")]
    told = count(sim.bot_texts(key, since), "has picked up what you told us")
    async with sim.tandem.db.unit_of_work() as uow:
        entries = [e.action for e in await uow.concerns.entries(concern.id)]
    if sorted(took) != [0, 1] or told != 1 or entries.count("acknowledged") != 1:
        return f"took {took}, learner told {told} times, case log {entries}"
    return None


@needs_postgres
async def test_two_coordinators_taking_one_case_at_once_take_it_once(sim: Simulation) -> None:
    """Without a coordinators' group each coordinator has a copy of the alert: both press "take
    it" at the same moment; one takes it, the other reads it was decided, the learner hears once."""
    await rounds(sim, taken_by_two_at_once)


# --- two processes on one database ---------------------------------------------------------------


@pytest.fixture
async def replicas(framework: str, tmp_path: Path) -> AsyncIterator[tuple[Simulation, list[str]]]:
    """Two replicas on one database: the simulation's bot, and `tandem run --webhook` in a process
    of its own; the webhook URL of each. The emulator pushes nothing: each update goes to the
    replica a test posts it to, as a load balancer would send it."""
    async with staffed(framework, webhook=True) as sim:
        sim.emulator.api.webhook.url = ""
        assert sim.server is not None and sim.settings is not None
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(bot.__file__).parents[1]),  # this checkout's code, as the test's
            "TANDEM_BOT_TOKEN": TEST_TOKEN,
            "TANDEM_FRAMEWORK": framework,
            "TANDEM_DATABASE_URL": sim.settings.database_url,
            "TANDEM_API_BASE_URL": sim.emulator.base_url,
            "TANDEM_HTTP_PORT": str(port),
            "TANDEM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TANDEM_TICK_SECONDS": "3600",  # its clock is the wall's: no due job of the simulation's
        }
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--webhook"),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await ready(f"http://127.0.0.1:{port}/readyz", process)
            here = f"http://127.0.0.1:{sim.server.port}{sim.settings.webhook_path}"
            yield sim, [here, f"http://127.0.0.1:{port}{sim.settings.webhook_path}"]
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0, stderr.decode()[-3000:]


async def ready(url: str, process: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if process.returncode is not None:
            break
        with suppress(aiohttp.ClientError):
            async with aiohttp.ClientSession() as http, http.get(url) as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise AssertionError("the second replica did not become ready (its log follows the test)")


async def post(http: aiohttp.ClientSession, url: str, update: dict[str, Any], after: float = 0.0) -> int:
    await asyncio.sleep(after)
    async with http.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as response:
        return response.status


async def settled(sim: Simulation, update_ids: list[int]) -> None:
    """Both updates handled (by either replica) and everything they wrote delivered."""
    for _ in range(300):
        async with sim.tandem.db.unit_of_work() as uow:
            handled = await uow.session.scalar(
                select(func.count()).where(ProcessedUpdate.update_id.in_(update_ids))
            )
            waiting = await uow.session.scalar(select(func.count()).select_from(OutboxMessage))
        if handled == len(update_ids) and not waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not settled: {handled} of {len(update_ids)} updates handled, {waiting} to send")


@needs_postgres
async def test_both_saying_yes_to_two_replicas_in_two_processes_start_the_mentoring_once(
    replicas: tuple[Simulation, list[str]],
) -> None:
    """The same race with each "yes" taken by another process on the same database: the chat
    locks of one process cannot order them, only the pair's row lock."""
    sim, urls = replicas
    http = aiohttp.ClientSession()

    async def race(sim: Simulation, round_: int) -> str | None:
        seeded = await introduced_and_asked(sim, round_)
        since = sim.last_seq()
        presses = [
            sim.emulator.press_button(sim.users[k], sim.users[k], GO_ON).update_id
            for k in (seeded.learner, seeded.mentor)
        ]
        bodies = [sim.emulator.state.history[update_id] for update_id in presses]
        # Which process is quicker varies: one of the two posts waits up to 4 ms, by the round.
        wait = (round_ % 9 - 4) / 1000
        statuses = await asyncio.gather(
            post(http, urls[0], bodies[0], max(wait, 0)), post(http, urls[1], bodies[1], max(-wait, 0))
        )
        assert statuses == [200, 200]
        await settled(sim, presses)
        return await started_once(sim, seeded, since)

    try:
        await rounds(sim, race, times=2 * ROUNDS)
    finally:
        await http.close()


# --- in any database: the serial outcomes, and a transaction aborted by the database --------------


async def test_a_proposal_approved_after_its_learner_paused_is_skipped(sim: Simulation) -> None:
    """Matching leaves paused people out: a proposal made before the learner paused is skipped
    when approved, and nobody is introduced."""
    seeded = await seed_pair(sim, 0, "proposed", decided_at=None)
    await sim.send(seeded.learner, "/pause")
    since = sim.last_seq()
    replies = await sim.press_data(
        "carla", await some_message(sim, "carla"), pack(Decision(seeded.pair, "ok"))
    )
    assert "That pair is no longer possible (Lea0 has paused Tandem); skipped." in replies[0].text
    assert (await pair_row(sim, seeded.pair)).status == "skipped"
    assert not sim.bot_texts(seeded.learner, since) and not sim.bot_texts(seeded.mentor, since)


class UniqueViolation(Exception):
    """What the driver raises when a concurrent transaction inserted the same key first."""

    sqlstate = "23505"


async def test_a_job_the_database_aborts_for_a_concurrent_one_runs_again(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A due job's transaction that lost to a concurrent one (here a unique key another inserted
    first) runs again at once, and the person is asked: not a failure retried minutes later."""
    core = sim.tandem.dispatcher
    real = core._job_in_transaction
    aborted: list[int] = []

    async def once_aborted(job_id: int) -> Context | None:
        if not aborted:
            aborted.append(job_id)
            raise IntegrityError("INSERT ...", None, UniqueViolation())
        return await real(job_id)

    monkeypatch.setattr(core, "_job_in_transaction", once_aborted)
    await introduced_and_asked(sim, 0)  # the question to both comes from due jobs
    assert aborted


# --- a planned end: going on longer ----------------------------------------------------------------


async def asked_about_the_end(sim: Simulation, round_: int) -> Seeded:
    """A running pair four weeks before its planned end, both just asked: close, or go on longer?"""
    end = sim.clock.now() + timedelta(weeks=4)
    seeded = await seed_pair(sim, round_, "active", planned_end=end)
    await due_now(sim, pair_end.ASK_JOB, [{"pair": seeded.pair}])
    for key in (seeded.learner, seeded.mentor):
        assert "is planned to end on" in sim.bot_texts(key)[-1], key
    return seeded


async def both_want_to_go_on(sim: Simulation, round_: int) -> str | None:
    seeded = await asked_about_the_end(sim, round_)
    since = sim.last_seq()
    await asyncio.gather(sim.press(seeded.learner, LONGER), sim.press(seeded.mentor, LONGER))
    pair = await pair_row(sim, seeded.pair)
    texts = sim.bot_texts(seeded.learner, since) + sim.bot_texts(seeded.mentor, since)
    both = count(texts, "You both would like to go on")
    asked = [count(sim.bot_texts(c, since), "both would like to go on for") for c in ("carla", "cleo")]
    if (pair.learner_extends, pair.mentor_extends, both, asked) != ("yes", "yes", 1, [1, 1]):
        return f"answers {pair.learner_extends}/{pair.mentor_extends}, told both {both}, asked {asked}"
    return None


@needs_postgres
async def test_both_asking_to_go_on_at_once_asks_the_coordinators_once(sim: Simulation) -> None:
    """Both of a pair press "Go on longer" at the same moment: one of them reads that both want
    to, and each coordinator is asked once."""
    await rounds(sim, both_want_to_go_on)


async def two_coordinators_extend(sim: Simulation, round_: int) -> str | None:
    seeded = await asked_about_the_end(sim, round_)
    before = (await pair_row(sim, seeded.pair)).planned_end
    await sim.press(seeded.learner, LONGER)
    await sim.press(seeded.mentor, LONGER)
    since = sim.last_seq()
    await asyncio.gather(sim.press("carla", "^Extend$"), later(round_, sim.press("cleo", "^Extend$")))
    after = (await pair_row(sim, seeded.pair)).planned_end
    told = [count(sim.bot_texts(key, since), "goes on until") for key in (seeded.learner, seeded.mentor)]
    assert before is not None and after is not None
    if told != [1, 1] or not timedelta(days=150) < after - before < timedelta(days=200):
        return f"told {told}, the end moved by {after - before}"
    return None


@needs_postgres
async def test_two_coordinators_confirming_an_extension_extend_it_once(sim: Simulation) -> None:
    """Two coordinators confirm the same request at once: the end moves by one extension, and
    both of the pair are told once."""
    await rounds(sim, two_coordinators_extend)
