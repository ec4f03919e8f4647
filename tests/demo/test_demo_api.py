"""The demo's page API over real HTTP: state, live events, acting as a phone, the clock, restarts."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.demo.runner import Demo
from bot.demo.server import serve
from bot.i18n import language_name, shipped_locales
from tests.journeys import free_port

WAIT_SECONDS = 20.0


class Page:
    """What the browser page does, without the browser."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def get(self, path: str) -> Any:
        async with self.http.get(self.base + path) as response:
            return await response.json()

    async def post(self, path: str, body: Any, status: int = 200) -> Any:
        async with self.http.post(self.base + path, data=json.dumps(body)) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def phone(self, key: str) -> dict[str, Any]:
        people = (await self.get("/api/state"))["people"]
        return next(p for p in people if p["key"] == key)


class Events:
    """The page's EventSource."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, kind: str, match: str = "") -> dict[str, Any]:
        async with asyncio.timeout(WAIT_SECONDS):
            event = ""
            async for raw in self.response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == kind:
                    payload: dict[str, Any] = json.loads(line[6:])
                    if match in json.dumps(payload, ensure_ascii=False):
                        return payload
        raise AssertionError(f"the stream ended before a {kind} event with {match!r}")


@pytest.fixture
async def page(seeded_demo: Path, tmp_path: Path) -> AsyncIterator[tuple[Demo, Page]]:
    shutil.copytree(seeded_demo, tmp_path / "demo")
    demo = Demo(tmp_path / "demo")
    await demo.start()
    port = free_port()
    runner: web.AppRunner = await serve(demo, "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http:
            yield demo, Page(http, f"http://127.0.0.1:{port}")
    finally:
        await demo.stop()
        await runner.cleanup()


async def test_the_page_and_its_assets_are_served_locally(page: tuple[Demo, Page]) -> None:
    _, api = page
    async with api.http.get(api.base + "/") as response:
        html = await response.text()
    assert response.status == 200 and "<html" in html.lower()
    assert "http://" not in html and "https://" not in html  # no CDN, no external assets


async def test_state_has_the_seeded_programme(page: tuple[Demo, Page]) -> None:
    demo, api = page
    async with demo.simulation.tandem.db.unit_of_work() as uow:
        jonas = await uow.people.by_telegram_id(demo.simulation.users["jonas"])
        amira = await uow.people.by_telegram_id(demo.simulation.users["amira"])
        assert jonas is not None and jonas.ready_at is not None  # screened, checked, trained
        assert amira is not None and amira.screening == "waiting"  # for the visitor, as Carla
    state = await api.get("/api/state")
    # In the guide's order: the coordinator and her group, the learner, the mentors.
    assert [p["key"] for p in state["people"]] == ["carla", "coordinators", "lea", "jonas", "amira"]
    # The role the bot gave each so far (Lea has not met it), beside their part in the story.
    roles = {p["key"]: (p["role"], p["cast_role"]) for p in state["people"] if p["kind"] == "private"}
    assert roles == {
        "carla": ("coordinator", "coordinator"),
        "lea": (None, "learner"),
        "jonas": ("mentor", "mentor"),
        "amira": ("mentor", "mentor"),
    }
    menus = {p["key"]: [c["command"] for c in p["menu"]] for p in state["people"]}
    assert "match" in menus["carla"] and "match" not in menus["jonas"] and "training" in menus["jonas"]
    assert "start" in menus["lea"] and "concern" not in menus["lea"]
    group = state["people"][1]
    assert group["kind"] == "group" and group["members"] == [group["user_id"]]
    jonas = await api.phone("jonas")
    texts = [e["text"] for e in state["entries"] if e["chat_id"] == jonas["chat_id"]]
    assert any("Danke, Jonas" in t for t in texts)  # the mentors have met the bot already
    lea = await api.phone("lea")
    assert not [e for e in state["entries"] if e["chat_id"] == lea["chat_id"]]  # Lea is yours to try
    # The coordinators' group is the bot's: what is for the coordinators goes there, not to Carla.
    news = "New volunteer application from Amira"
    assert any(news in e["text"] for e in state["entries"] if e["chat_id"] == group["chat_id"])
    carla = await api.phone("carla")
    assert not any(news in e["text"] for e in state["entries"] if e["chat_id"] == carla["chat_id"])
    # Each invite link comes with the role it gives, for the page's "Open link as".
    invites = [e["invite"] for e in state["entries"] if e.get("invite")]
    assert [i["role"] for i in invites] == ["mentor", "learner"]
    assert {p["id"] for p in state["places"]} >= {"berlin-mitte", "paris-belleville"}
    names = [lang["name"] for lang in state["languages"]]
    assert names == [language_name(code) for code in shipped_locales()]  # English first, then by code
    assert names[0] == "English" and {"Deutsch", "Français"} <= set(names)


async def test_a_phone_talks_to_the_bot_and_sees_answers_live(page: tuple[Demo, Page]) -> None:
    _, api = page
    lea = await api.phone("lea")
    me = {"user_id": lea["user_id"], "chat_id": lea["chat_id"]}
    async with api.http.get(api.base + "/api/events") as stream:
        events = Events(stream)
        await api.post("/api/send", {**me, "text": "/start"})
        greeting = await events.next("entry", "Hallo Lea")
        assert greeting["sender"] == "bot" and greeting["buttons"] == []
        question = await events.next("entry", "Was passt zu dir")
        assert len(question["buttons"]) == 3  # learner / volunteer / coordinator
        await api.post(
            "/api/press", {**me, "message_id": question["message_id"], "data": question["data"][1][0]}
        )
        edited = await events.next("entry", "→")
        assert edited["edit"] and edited["message_id"] == question["message_id"] and edited["buttons"] == []
        consent = await events.next("entry", "Bevor wir anfangen")  # the volunteer application begins
        await api.post("/api/location", {**me, "place": "berlin-mitte"})
        assert (await events.next("entry", "Berlin-Mitte"))["kind"] == "location"
        await events.next("entry", "Bitte")  # a location is not an answer to a choice
        await api.post("/api/voice", {**me, "seconds": 3})
        assert (await events.next("entry", '"voice"'))["seconds"] == 3
        await api.post("/api/photo", me)
        await api.post(
            "/api/press", {**me, "message_id": consent["message_id"], "data": consent["data"][0][0]}
        )
        await events.next("entry", "nennen")  # she agrees (else nothing of her stays a day later)
        moved = await api.post("/api/advance", {"delta": "1w"})
        nudge = await events.next("entry", "mittendrin")  # the reminder a day after the question
        assert nudge["sender"] == "bot"
        clock = await events.next("clock")  # after what the skipped time brought
        assert clock["clock"] == moved["clock"]


async def test_a_new_person_gets_a_phone_and_their_language(page: tuple[Demo, Page]) -> None:
    _, api = page
    async with api.http.get(api.base + "/api/events") as stream:
        events = Events(stream)
        person = await api.post("/api/people", {"name": "  Noor  ", "language": "fr"})
        assert (person["name"], person["language"], person["kind"]) == ("Noor", "fr", "private")
        assert (await events.next("person", "Noor"))["user_id"] == person["user_id"]
        await api.post(
            "/api/send", {"user_id": person["user_id"], "chat_id": person["chat_id"], "text": "/start"}
        )
        await events.next("entry", "Bonjour Noor")
    again = await api.post("/api/people", {"name": "Noor", "language": "fr"})
    assert again["key"] == "noor-2"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/send", {"user_id": 1, "chat_id": 1, "text": "hi"}, 404),
        ("/api/send", {"user_id": "lea", "chat_id": 1, "text": "hi"}, 400),
        ("/api/people", {"name": "   ", "language": "en"}, 400),
        ("/api/people", {"name": "Kim", "language": "xx"}, 400),
        ("/api/advance", {"delta": "1y"}, 400),
        ("/api/location", {"place": "mars"}, 400),
    ],
)
async def test_bad_requests_get_a_clear_error(
    page: tuple[Demo, Page], path: str, body: Any, status: int
) -> None:
    _, api = page
    if path == "/api/location":
        lea = await api.phone("lea")
        body = {**body, "user_id": lea["user_id"], "chat_id": lea["chat_id"]}
    answer = await api.post(path, body, status=status)
    assert answer["error"]


async def test_empty_and_overlong_messages_are_refused(page: tuple[Demo, Page]) -> None:
    _, api = page
    lea = await api.phone("lea")
    me = {"user_id": lea["user_id"], "chat_id": lea["chat_id"]}
    assert "empty" in (await api.post("/api/send", {**me, "text": "  "}, status=400))["error"]
    assert "4096" in (await api.post("/api/send", {**me, "text": "x" * 4097}, status=400))["error"]
    async with api.http.post(api.base + "/api/send", data="not json") as response:
        assert response.status == 400


async def test_restart_keeps_the_clock_people_and_conversations_and_reset_forgets(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    demo = Demo(folder)
    await demo.start()
    await demo.add_person("Noor", "en")
    sim = demo.simulation
    await sim.send("lea", "/start")
    await sim.press("lea", "(?i)ehrenamtlich")
    clock = await demo.advance("1h")
    before = (await demo.state())["entries"]
    await demo.stop()

    demo = Demo(folder)
    await demo.start()
    try:
        assert demo.simulation.clock.now().isoformat() == clock
        assert [m.key for m in demo.members][-1] == "noor"
        state = await demo.state()
        assert state["entries"] == before  # every phone shows what it showed, QR codes and all
        lea = next(p for p in state["people"] if p["key"] == "lea")
        assert lea["role"] == "newcomer" and lea["menu"]  # wrote to the bot, has no role yet
        replies = await demo.simulation.send("lea", "🙂")  # the bot still waits for her consent
        assert "Bevor wir anfangen" in replies[-1].text
        assert replies[-1].seq > before[-1]["seq"]  # the transcript numbers on
    finally:
        await demo.stop()

    (folder / "chats.json").write_text("{", encoding="utf-8")  # damaged: the phones start empty
    demo = Demo(folder)
    await demo.start()
    try:
        assert not (await demo.state())["entries"]
        replies = await demo.simulation.send("lea", "🙂")  # while the bot remembers her
        assert "Bevor wir anfangen" in replies[-1].text
    finally:
        await demo.stop()

    demo = Demo(folder, reset=True)
    await demo.start()
    try:
        assert [m.key for m in demo.members][-1] == "amira"
        lea_chat = demo.simulation.users["lea"]
        assert not demo.simulation.transcript("lea")
        replies = await demo.simulation.send("lea", "🙂")
        assert "/start" in replies[-1].text and replies[-1].chat_id == lea_chat
    finally:
        await demo.stop()


async def test_roles_and_menus_follow_the_bot_live(page: tuple[Demo, Page]) -> None:
    _, api = page
    state = await api.get("/api/state")
    invites = [e["invite"] for e in state["entries"] if e.get("invite")]
    code = next(i["code"] for i in invites if i["role"] == "learner")
    lea = await api.phone("lea")
    me = {"user_id": lea["user_id"], "chat_id": lea["chat_id"]}
    async with api.http.get(api.base + "/api/events") as stream:
        events = Events(stream)
        await api.post("/api/send", {**me, "text": f"/start {code}"})
        changed = await events.next("person", '"role": "learner"')
    assert changed["key"] == "lea"
    assert "concern" in [c["command"] for c in changed["menu"]]  # her "/" menu is a learner's, in German
    assert "Sorge" in next(c["description"] for c in changed["menu"] if c["command"] == "concern")


async def test_the_demo_never_touches_the_production_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = tmp_path / "production.db"
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{production}")
    demo = Demo(tmp_path / "demo")
    await demo.start()
    await demo.stop()
    assert not production.exists()
    assert (tmp_path / "demo" / "tandem.db").exists()


async def test_the_quick_start_command_serves_the_page_and_stops_cleanly(tmp_path: Path) -> None:
    """`tandem demo`, as the README's quick start runs it (a port and folder of the test's own)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--port",
        str(port),
        "--folder",
        str(tmp_path / "demo"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert f"http://127.0.0.1:{port}/" in line
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/api/state") as response,
        ):
            assert response.status == 200
            assert len((await response.json())["people"]) == 5
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert (tmp_path / "demo" / "tandem.db").exists()
    assert (tmp_path / "demo" / "chats.json").exists()  # what the phones show, for the next run
