"""The coordinators' console over HTTP (aiohttp's test client), on a real bot and the emulator, through
both frameworks: the one-time link /console sends, Telegram's initData, the session cookie, CSRF, and
the role checked again on every page and action. In a browser: tests/browser/test_console_browser.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot import console
from bot.emulator import Limits
from bot.simulation import Simulation
from storage.models import ConsoleLink, Person
from tests.journeys import START, add_coordinator, onboard_learner, telegram_init_data

PUBLIC = "http://console.example.org"  # plain HTTP: the cookie is not Secure, so the test client sends it
TOKEN = "42:TEST"  # the simulation's bot token
ONLY_COORDINATORS = "Only coordinators can use this command."


@pytest.fixture
async def sim(framework: str) -> AsyncIterator[Simulation]:
    # Telegram's limits off: a learner's onboarding is thirty messages, paced a second each with them.
    simulation = Simulation(framework=framework, start=START, limits=Limits(enabled=False))  # type: ignore[arg-type]
    simulation.configure(public_url=PUBLIC)
    for key, name, language in (("carla", "Carla", "en"), ("nina", "Nina", "de")):
        simulation.add_user(key, name, language_code=language)
    await simulation.start()
    await add_coordinator(simulation, "carla")
    await simulation.send("nina", "/start")
    try:
        yield simulation
    finally:
        await simulation.stop()


@pytest.fixture
async def client(sim: Simulation) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    console.mount(app, sim.tandem)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def sign_in_link(sim: Simulation, who: str = "carla") -> str:
    """The path of the link the bot sends for /console."""
    said = (await sim.send(who, "/console"))[-1].text
    found = re.search(re.escape(PUBLIC) + r"(/console/signin/[A-Za-z0-9_-]+)", said)
    assert found is not None, said
    return found.group(1)


async def links(sim: Simulation) -> list[ConsoleLink]:
    async with sim.tandem.db.unit_of_work() as uow:
        return list((await uow.session.execute(select(ConsoleLink))).scalars().all())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


async def test_the_link_signs_in_once_with_a_strict_http_only_cookie(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    path = await sign_in_link(sim)
    (link,) = await links(sim)
    assert path.rsplit("/", 1)[1] not in link.digest  # only its digest is kept
    page = await client.get(path)  # a link preview fetching it spends nothing
    assert page.status == 200 and "Sign in" in await page.text()
    signed = await client.post(path, allow_redirects=False)
    assert signed.status == 303 and signed.headers["Location"] == "/console/overview"
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    overview = await client.get("/console/overview")
    html = await overview.text()
    assert overview.status == 200 and "Pairs by health" in html and "Learners waiting for a mentor: 0" in html
    assert overview.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert overview.headers["Referrer-Policy"] == "no-referrer"

    client.session.cookie_jar.clear()
    again = await client.post(path, allow_redirects=False)
    assert again.status == 403 and "used already" in await again.text()
    assert (await client.get("/console/overview", allow_redirects=False)).status == 303  # no session


async def test_a_link_runs_out_and_a_non_coordinator_gets_none(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    path = await sign_in_link(sim)
    await sim.advance(timedelta(minutes=16))
    late = await client.post(path, allow_redirects=False)
    assert late.status == 403 and "run out" in await late.text()
    refused = await sim.send("nina", "/console")
    assert refused[-1].text == "Diesen Befehl können nur Koordinator*innen benutzen."
    carla = await person(sim, "carla")
    assert [link.person_id for link in await links(sim)] == [carla.id]  # nothing issued to Nina


async def person(sim: Simulation, key: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[key])
        assert found is not None
        return found


async def test_telegram_init_data_signs_in_a_coordinator_only_when_genuine_and_fresh(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    now = sim.tandem.clock.now()
    carla, nina = sim.users["carla"], sim.users["nina"]
    forged = telegram_init_data("43:OTHER", carla, now)  # signed with another bot's token
    tampered = telegram_init_data(TOKEN, carla, now).replace("Carla", "Karla")
    stale = telegram_init_data(TOKEN, carla, now - timedelta(hours=2))
    for init_data in (forged, tampered, stale, "", "hash=00&user=%7B%7D"):
        refused = await client.post("/console/telegram", data={"init_data": init_data}, allow_redirects=False)
        assert refused.status == 403 and "could not be checked" in await refused.text()
        assert "Set-Cookie" not in refused.headers
    learner = await client.post(
        "/console/telegram", data={"init_data": telegram_init_data(TOKEN, nina, now)}, allow_redirects=False
    )
    assert learner.status == 403 and "nur Koordinator*innen" in await learner.text()  # in her language
    genuine = await client.post(
        "/console/telegram", data={"init_data": telegram_init_data(TOKEN, carla, now)}, allow_redirects=False
    )
    assert genuine.status == 303 and "tandem_console=" in genuine.headers["Set-Cookie"]
    assert (await client.get("/console/cases")).status == 200


async def test_every_post_needs_the_sessions_csrf_token_and_the_role_is_checked_again(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    await client.post(await sign_in_link(sim))
    html = await (await client.get("/console/matching")).text()
    token = csrf_of(html)
    for data in ({"action": "propose"}, {"action": "propose", "csrf": "0" * 64}):
        refused = await client.post("/console/matching", data=data)
        assert refused.status == 403 and "This form has run out" in await refused.text()
    done = await client.post("/console/matching", data={"action": "propose", "csrf": token})
    assert done.status == 200 and "No learner is waiting for a mentor." in await done.text()

    carla = await person(sim, "carla")
    async with sim.tandem.db.unit_of_work() as uow:  # Carla is no longer a coordinator
        await uow.session.execute(update(Person).where(Person.id == carla.id).values(role=None))
    for response in (
        await client.get("/console/overview"),
        await client.post("/console/matching", data={"action": "propose", "csrf": token}),
    ):
        assert response.status == 403 and ONLY_COORDINATORS in await response.text()


async def test_a_forged_cookie_is_no_session(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    await client.post(await sign_in_link(sim))
    cookie = next(c for c in client.session.cookie_jar if c.key == "tandem_console")
    who, issued, nonce, signature = cookie.value.split(".")
    nina = await person(sim, "nina")
    for forged in (f"{nina.id}.{issued}.{nonce}.{signature}", f"{who}.{issued}.{nonce}.{'0' * 64}"):
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({"tandem_console": forged}, client.make_url("/console"))
        assert (await client.get("/console/overview", allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()  # and the genuine one still works
    client.session.cookie_jar.update_cookies({"tandem_console": cookie.value}, client.make_url("/console"))
    assert (await client.get("/console/overview", allow_redirects=False)).status == 200


async def test_the_console_says_why_a_learner_waits_as_the_last_match_found_it(
    sim: Simulation, client: TestClient[web.Request, web.Application]
) -> None:
    sim.add_user("lena", "Lena", language_code="en")
    link = (await sim.send("carla", "/invite learner"))[-1].text
    await onboard_learner(sim, "lena", link.rsplit("start=", 1)[1], name="Lena", language="en")
    await client.post(await sign_in_link(sim))

    before = await (await client.get("/console/overview")).text()
    assert "Learners waiting for a mentor: 1" in before and "waiting for the next /match" in before
    said = " ".join(m.text for m in await sim.send("carla", "/match"))
    assert "no ready mentor has room" in said
    for page in ("/console/overview", "/console/matching"):  # read from what /match kept
        html = await (await client.get(page)).text()
        assert "Lena" in html and "no ready mentor has room" in html and "next /match" not in html
