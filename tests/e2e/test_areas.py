"""Areas, through the emulator and both frameworks. A programme with two areas, North and South:
Lara leads the programme (all areas), Nina coordinates North, Samira South. Each area has its
learners, mentors, a pair, a concern; South also an applicant, a learner waiting for her
guardian's consent (who then blocks Tandem) and open invites.

The enumeration: Nina tries every command the bot knows (read from its routes, so a command added
later is tried too) with South's ids as arguments, and presses every family of buttons the bot
routes (read from the declared families) with South's ids in every id field and every word in
the others, in her chat and in North's group. She never reads anything of South, and nothing of
South changes. Lara, who sees every area, reads South's people where Nina does not: the words
looked for are there to be found."""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from inspect import isawaitable
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

import bot.app
from bot import console
from bot.admin import run_admin
from bot.callbacks import Callback, Pattern, Tag
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import Concern, ExpenseClaim, Invite, Pair, Person
from tests.conftest import START
from tests.journeys import apply_as_mentor, last_file, make_ready, onboard_learner

AREAS = """
[[areas]]
id = "north"
name = { en = "Northshire" }

[[areas]]
id = "south"
name = { en = "Southshire" }
"""
CONSOLE = "http://console.example.org"  # plain HTTP: the test client sends the session cookie
# What only someone who sees South could read: its people's names, its concern's words, its name.
SOUTH = ("Zoltan", "Zelda", "Zack", "Zuzana", "Zeno", "Samira", "zanzibar", "Southshire")


def link_code(replies: list[Any]) -> str:
    return str(replies[-1].text).rsplit("start=", 1)[1].strip()


async def invite(sim: Simulation, who: str, what: str) -> str:
    """The code of a new invite ``who`` makes with ``/invite WHAT``."""
    return link_code(await sim.send(who, f"/invite {what}"))


@pytest.fixture
async def areas_world(framework: str, tmp_path: Path) -> AsyncIterator[Simulation]:
    programme = tmp_path / "programme.toml"
    shipped = (Path(bot.app.__file__).parent / "programme.toml").read_text(encoding="utf-8")
    programme.write_text(shipped + AREAS, encoding="utf-8")
    sim = Simulation(
        framework=framework,  # type: ignore[arg-type]
        start=START,
        limits=Limits(enabled=False),
        overrides={"programme_file": programme, "public_url": CONSOLE},
    )
    for key, name in [
        ("lara", "Lara"), ("nina", "Nina"), ("samira", "Samira"),
        ("nora", "Nora"), ("ned", "Ned"), ("zoltan", "Zoltan"), ("zelda", "Zelda"),
        ("zack", "Zack"), ("zuzana", "Zuzana"),
    ]:  # fmt: skip
        sim.add_user(key, name, language_code="en")
    sim.add_group("north", "North coordinators", ["nina"])
    await sim.start()
    try:
        await build(sim)
        yield sim
    finally:
        await sim.stop()


async def build(sim: Simulation) -> None:
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("lara", f"/start {code}")
    for coordinator, area in (("nina", "north"), ("samira", "south")):
        await sim.send(coordinator, "/start " + await invite(sim, "lara", f"coordinator area={area}"))
    await sim.send("nina", "/setup", chat="north")  # North's own group
    for coordinator, learner, mentor, name, mentor_name in (
        ("nina", "nora", "ned", "Nora", "Ned"),
        ("samira", "zoltan", "zelda", "Zoltan", "Zelda"),
    ):
        await onboard_learner(
            sim, learner, await invite(sim, coordinator, "learner"), name=name, language="en"
        )
        await apply_as_mentor(
            sim, mentor, name=mentor_name, code=await invite(sim, coordinator, "mentor"), evenings=True
        )
        await make_ready(sim, coordinator, mentor, mentor_name)
        await sim.send(coordinator, "/match")
        await sim.press(coordinator, "^Approve$")
    await apply_as_mentor(sim, "zack", name="Zack", code=await invite(sim, "samira", "mentor"))
    guardian = ("Zeno Guardian", "+49 30 555")
    await onboard_learner(
        sim,
        "zuzana",
        await invite(sim, "samira", "learner multi"),
        name="Zuzana",
        language="en",
        guardian=guardian,
    )
    await sim.block("zuzana")
    await sim.send("zelda", "/expenses")  # a South mentor's expense claim, waiting for a decision
    await sim.send("zelda", "12,50")
    await sim.press("zelda", "^Transport$")
    await sim.press("zelda", "^Today$")
    await sim.photo("zelda", "receipt.jpg")
    await invite(sim, "samira", "coordinator")  # open
    for learner, words in (("zoltan", "zanzibar is worrying me"), ("nora", "north is worrying me")):
        await sim.send(learner, "/concern")
        await sim.press(learner, "^A problem with my mentor$")
        await sim.press(learner, "^Urgent: today$")
        await sim.send(learner, words)


async def south_ids(sim: Simulation) -> set[int]:
    """The ids of South's people, pairs, cases and invites (whatever table they are in)."""
    async with sim.tandem.db.unit_of_work() as uow:
        people = (await uow.session.execute(select(Person))).scalars().all()
        south = {p.id for p in people if p.area == "south"}
        pairs = {p.id for p in (await uow.session.execute(select(Pair))).scalars() if p.learner_id in south}
        concerns = {
            c.id
            for c in (await uow.session.execute(select(Concern))).scalars()
            if c.pair_id in pairs or c.raised_by in south
        }
        invites = {i.id for i in (await uow.session.execute(select(Invite))).scalars() if i.area == "south"}
        claims = {
            c.id for c in (await uow.session.execute(select(ExpenseClaim))).scalars() if c.mentor_id in south
        }
    assert south and pairs and concerns and invites and claims
    return south | pairs | concerns | invites | claims


async def south_state(sim: Simulation) -> list[tuple[Any, ...]]:
    """What any decision on South's people, pairs, cases or invites would change."""
    async with sim.tandem.db.unit_of_work() as uow:
        people = (await uow.session.execute(select(Person).order_by(Person.id))).scalars().all()
        south = [p for p in people if p.area == "south"]
        ids = {p.id for p in south}
        state: list[tuple[Any, ...]] = [
            (p.id, p.role, p.screening, p.suspended_at, p.guardian_status, p.paused_at) for p in south
        ]
        for pair in (await uow.session.execute(select(Pair).order_by(Pair.id))).scalars():
            if pair.learner_id in ids:
                state.append((pair.id, pair.status, pair.mentor_id, pair.ended_at))
        for concern in (await uow.session.execute(select(Concern).order_by(Concern.id))).scalars():
            if concern.raised_by in ids:
                state.append((concern.id, concern.status, concern.acknowledged_by, concern.outcome))
                state.extend((e.id, e.action) for e in await uow.concerns.entries(concern.id))
        for row in (await uow.session.execute(select(Invite).order_by(Invite.id))).scalars():
            if row.area == "south":
                state.append((row.id, row.revoked_at, row.uses))
        for claim in (await uow.session.execute(select(ExpenseClaim).order_by(ExpenseClaim.id))).scalars():
            if claim.mentor_id in ids:
                state.append((claim.id, claim.status, claim.decided_at))
    return state


def seen(sim: Simulation, chat: str) -> str:
    """Everything the bot showed in a chat: texts, button labels, toasts, file names."""
    parts = []
    for entry in sim.transcript(chat):
        if entry.sender == "bot" or entry.callback is not None:
            parts += [entry.text or "", entry.document or "", *itertools.chain(*entry.buttons)]
    return "\n".join(parts + sim.toasts(chat))


def leaks(text: str) -> list[str]:
    return [word for word in SOUTH if word in text]


def values_of(hint: Any, id_: int) -> list[str]:
    """A field's texts to try: a South id in an id field, every word of a word field, a token of
    its shape."""
    args = get_args(hint)
    if hint is int:
        return [str(id_)]
    if get_origin(hint) is Annotated and isinstance(args[1], Tag):
        return [f"{args[1].letter}{id_}"]
    if get_origin(hint) is Literal:
        return list(args)
    assert get_origin(hint) is Annotated and isinstance(args[1], Pattern), hint
    token = next((t for t in ("AbCd1234", "abc", "a", "0", "1") if re.fullmatch(args[1].regex, t)), None)
    return [token] if token is not None else []


def forged(families: list[type[Callback]], ids: list[int]) -> list[str]:
    """Every press of every family with each of South's ids (in all its id fields at once)."""
    presses = []
    for family, id_ in itertools.product(families, ids):
        hints = get_type_hints(family, include_extras=True)
        choices = [values_of(hints[f.name], id_) for f in family.fields]
        presses += [":".join((family.prefix, *combo)) for combo in itertools.product(*choices)]
    return list(dict.fromkeys(presses))


async def press_in_group(sim: Simulation, who: str, group: str, data: str) -> None:
    injected = sim.emulator.press(sim.users[who], sim.groups[group], 999, data)
    if isawaitable(injected):
        injected = await injected
    await sim.wait_handled(int(injected.update_id))


async def test_a_coordinator_of_one_area_never_sees_another_area(
    areas_world: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = areas_world
    caplog.set_level(logging.ERROR)
    # The lead sees South (so the words looked for are there to find), and South's alert reached
    # South's coordinator and the lead, privately (South has no group).
    for command in ("/pairs", "/cases", "/screening", "/invites", "/guardians", "/unreachable", "/team"):
        await sim.send("lara", command)
    assert {"Zoltan", "Zelda", "Zack", "Zuzana", "zanzibar", "Southshire"} <= set(leaks(seen(sim, "lara")))
    assert "zanzibar" in seen(sim, "samira")
    assert "north is worrying me" not in seen(sim, "samira")
    # North's alert reached North's group, by its number, and Nina through /case.
    assert any(re.search(r"Concern #\d+", text) for text in sim.bot_texts("north"))

    routes = sim.tandem.dispatcher.routes
    ids = sorted(await south_ids(sim))
    before = await south_state(sim)
    arguments = [
        "",
        "all",
        "south",
        "learner area=south",
        "coordinator area=south",
        "mentor area=south,north",
    ]
    arguments += [str(i) for i in ids]
    for command in sorted(routes.commands):
        for args in arguments:
            await sim.send("nina", f"/{command} {args}".strip())
        await sim.send("nina", "/cancel")
    families = sorted(
        (
            f
            for f in Callback.__subclasses__()
            if f.prefix in routes.buttons or f.prefix in routes.group_buttons
        ),
        key=lambda f: (f.prefix, f.__name__),
    )
    assert len(families) >= 15, [f.prefix for f in families]
    for data in forged(families, ids):
        await sim.press_data("nina", 999, data)
        if data.partition(":")[0] in routes.group_buttons:
            await press_in_group(sim, "nina", "north", data)
    await sim.send("nina", "/cancel")

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert leaks(seen(sim, "nina")) == []
    assert leaks(seen(sim, "north")) == []
    assert await south_state(sim) == before
    # Her own area she does see: North's pair.
    assert "Nora" in seen(sim, "nina") and "Ned" in seen(sim, "nina")


async def test_exports_and_figures_are_the_coordinators_areas(areas_world: Simulation) -> None:
    sim = areas_world
    for who, pairs in (("nina", 1), ("samira", 1), ("lara", 2)):
        await sim.send(who, "/export")
        rows = list(csv.reader(io.StringIO(last_file(sim, who, "pairs").decode("utf-8"))))
        assert len(rows) - 1 == pairs, (who, rows)
        concerns = list(csv.reader(io.StringIO(last_file(sim, who, "concerns").decode("utf-8"))))
        assert len(concerns) - 1 == pairs, (who, concerns)


async def test_invites_stay_within_the_coordinators_areas(areas_world: Simulation) -> None:
    sim = areas_world
    refused = await sim.send("nina", "/invite learner area=south")
    assert "these areas only: north" in refused[-1].text
    refused = await sim.send("nina", "/invite coordinator area=*")
    assert "these areas only" in refused[-1].text
    sim.add_user("otto", "Otto", language_code="en")
    await sim.send("otto", "/start " + await invite(sim, "nina", "learner"))
    async with sim.tandem.db.unit_of_work() as uow:
        otto = await uow.people.by_telegram_id(sim.users["otto"])
        assert otto is not None and otto.area == "north"
    # The lead invites into any area, or all of them.
    sim.add_user("paula", "Paula", language_code="en")
    await sim.send("paula", "/start " + await invite(sim, "lara", "coordinator area=north,south"))
    await sim.send("paula", "/pairs")
    assert "Zoltan" in seen(sim, "paula") and "Nora" in seen(sim, "paula")


async def test_announcements_reach_the_coordinators_areas_or_one_area(areas_world: Simulation) -> None:
    sim = areas_world
    # Nina's "everyone" is everyone in North; she is offered no other area.
    mark = sim.last_seq()
    await sim.send("nina", "/announce")
    assert sim.transcript("nina")[-1].buttons[-1] == ["Northshire"]
    await sim.press("nina", "^Everyone$")
    await sim.send("nina", "Northern lights tonight")
    await sim.press("nina", "^Yes$")
    # The lead writes to South only, chosen by its name.
    await sim.send("lara", "/announce")
    await sim.press("lara", "^Southshire$")
    preview = (await sim.send("lara", "Southern news"))[-1].text
    assert "(everyone in the area south)" in preview
    await sim.press("lara", "^Yes$")
    await sim.advance(timedelta(hours=7))
    for who in ("nora", "ned"):
        assert any("Northern lights" in t for t in sim.bot_texts(who, mark)), who
        assert not any("Southern news" in t for t in sim.bot_texts(who, mark)), who
    for who in ("zoltan", "zelda", "zack", "samira"):
        assert any("Southern news" in t for t in sim.bot_texts(who, mark)), who
        assert not any("Northern lights" in t for t in sim.bot_texts(who, mark)), who


async def test_roundtables_invite_the_mentors_of_one_area(areas_world: Simulation) -> None:
    sim = areas_world
    mark = sim.last_seq()
    day = sim.clock.now() + timedelta(days=10)
    await sim.send("lara", "/roundtable")
    for answer in ("Swapping experience", f"{day:%d.%m.%Y}", "18:30", "Youth centre"):
        await sim.send("lara", answer)
    preview = (await sim.press("lara", "^Southshire$"))[-1].text
    assert "This invites 2 mentors." in preview  # Zelda and Zack, not Ned
    await sim.press("lara", "^Yes$")
    await sim.advance(timedelta(hours=14))
    assert sim.find("zelda", "Roundtable for mentors", mark) is not None
    assert sim.find("ned", "Roundtable for mentors", mark) is None
    # Nina's roundtables: none of South's, in the chat or the console; the lead's console has it.
    assert "No roundtable is planned" in (await sim.send("nina", "/roundtables"))[-1].text
    assert "No roundtable is planned" in (await console_pages(sim, "nina"))["/console/roundtables"]
    assert "Swapping experience: 0 coming" in (await console_pages(sim, "lara"))["/console/roundtables"]


async def console_pages(sim: Simulation, who: str) -> dict[str, str]:
    """Every page of the coordinators' console ``who`` can ask for, signed in by the link
    ``/console`` sends: the lists, and every person's and every case's own page by id (South's
    too), each with what it says."""
    app = web.Application()
    console.mount(app, sim.tandem)
    async with sim.tandem.db.unit_of_work() as uow:
        people = (await uow.session.execute(select(Person.id))).scalars().all()
        cases = (await uow.session.execute(select(Concern.id))).scalars().all()
    paths = ["/console/overview", "/console/people", "/console/people?q=Z", "/console/matching"]
    paths += ["/console/cases", "/console/screening", "/console/roundtables", "/console/exports"]
    paths += [f"/console/people/{i}" for i in people] + [f"/console/cases/{i}" for i in cases]
    paths += [f"/console/exports/{name}" for name in ("pairs.csv", "concerns.csv", "checkins.csv")]
    said = str((await sim.send(who, "/console"))[-1].text)
    found = re.search(r"(/console/signin/[A-Za-z0-9_-]+)", said)
    assert found is not None, said
    async with TestClient(TestServer(app)) as client:
        assert (await client.post(found.group(1), allow_redirects=False)).status == 303
        return {path: await (await client.get(path)).text() for path in paths}


async def test_the_console_shows_a_coordinator_nothing_of_another_area(areas_world: Simulation) -> None:
    sim = areas_world
    nina = await console_pages(sim, "nina")
    for path, text in nina.items():
        assert not [word for word in SOUTH if word in text], (path, text[:2000])
    assert "Nora" in nina["/console/people"]  # her own area's people are there
    lara = await console_pages(sim, "lara")  # the lead sees South: the words are findable
    assert "Zoltan" in lara["/console/people"] and "zanzibar" in " ".join(lara.values())
