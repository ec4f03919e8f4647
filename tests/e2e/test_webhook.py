"""Webhook mode, through both adapters: the emulator pushes updates to the bot's HTTP server the
way Telegram does, with the secret token header; replicas on one database share the work, and a
transaction the database aborts to break a deadlock between them runs again.

Run on SQLite by default and on PostgreSQL when TANDEM_TEST_POSTGRES_URL is set (as CI does).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError

from bot.context import Context
from bot.devtools.simulation import WEBHOOK_SECRET
from bot.events import Inbound
from bot.runtime.web import SECRET_HEADER, OpsServer
from bot.simulation import Simulation
from storage.models import Concern
from tests.journeys import START


@pytest.fixture
async def hooked(framework: str) -> AsyncIterator[Simulation]:
    simulation = Simulation(framework=framework, start=START, webhook=True)  # type: ignore[arg-type]
    await simulation.start()
    try:
        yield simulation
    finally:
        await simulation.stop()


def url_of(server: OpsServer, path: str = "/telegram") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def post(server: OpsServer, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as http, http.post(url_of(server), json=update, headers=headers) as r:
        return r.status


async def test_a_conversation_runs_over_the_webhook(hooked: Simulation) -> None:
    hooked.add_user("bob", "Bob", language_code="en")
    replies = await hooked.send("bob", "/start")
    assert "Hello Bob" in replies[0].text
    replies = await hooked.press("bob", "volunteer")
    replies = await hooked.press("bob", "^Yes$")
    assert "What should I call you?" in replies[-1].text
    assert hooked.emulator.stats.webhook_posts >= 3
    info = hooked.emulator.api.webhook
    assert info.url.endswith("/telegram") and info.secret_token == WEBHOOK_SECRET


async def test_the_same_update_posted_three_times_to_two_replicas_has_one_effect(hooked: Simulation) -> None:
    hooked.add_user("eve", "Eve", language_code="en")
    injected = hooked.emulator.send_text(hooked.users["eve"], "/start")
    await hooked.wait_handled(injected.update_id)  # pushed by the emulator to the first replica
    update = hooked.emulator.state.history[injected.update_id]
    assert hooked.server is not None
    _, second = await hooked.add_replica()

    # Telegram re-sends what it got no answer for, and the load balancer picks any replica.
    statuses = await asyncio.gather(post(second, update), post(hooked.server, update), post(second, update))
    assert statuses == [200, 200, 200]
    greetings = [text for text in hooked.bot_texts("eve") if "Hello Eve" in text]
    assert len(greetings) == 1
    async with hooked.tandem.db.unit_of_work() as uow:
        assert await uow.updates.seen(injected.update_id)


async def test_a_replica_takes_the_next_message_of_a_conversation_begun_on_another(
    hooked: Simulation,
) -> None:
    hooked.add_user("ida", "Ida", language_code="en")
    await hooked.send("ida", "/start")
    await hooked.press("ida", "volunteer")
    await hooked.press("ida", "^Yes$")  # "What should I call you?" asked by the first replica
    _, second = await hooked.add_replica()
    hooked.emulator.api.webhook.url = url_of(second)  # the load balancer now sends here
    mark = hooked.last_seq()
    hooked.emulator.send_text(hooked.users["ida"], "Ida")
    await hooked.emulator.wait_for(
        lambda: any("Which language" in text for text in hooked.bot_texts("ida", mark)), timeout=15
    )


async def test_a_request_without_the_secret_gets_403_and_is_logged(
    hooked: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    hooked.add_user("mal", "Mal", language_code="en")
    injected = hooked.emulator.send_text(hooked.users["mal"], "/start")
    await hooked.wait_handled(injected.update_id)
    forged = {**hooked.emulator.state.history[injected.update_id], "update_id": injected.update_id + 100}
    assert hooked.server is not None
    before = hooked.last_seq()
    with caplog.at_level(logging.WARNING, logger="bot.runtime.web"):
        assert await post(hooked.server, forged, secret=None) == 403
        assert await post(hooked.server, forged, secret="guessed") == 403
    assert [r.getMessage() for r in caplog.records if r.name == "bot.runtime.web"] == [
        "webhook request refused: no secret token (from 127.0.0.1)",
        "webhook request refused: wrong secret token (from 127.0.0.1)",
    ]
    await asyncio.sleep(0.2)
    assert hooked.transcript("mal", before) == []  # nothing happened
    async with hooked.tandem.db.unit_of_work() as uow:
        assert not await uow.updates.seen(injected.update_id + 100)


async def test_what_is_not_an_update_gets_400_and_a_draining_replica_503(hooked: Simulation) -> None:
    assert hooked.server is not None
    async with aiohttp.ClientSession() as http:
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        async with http.post(url_of(hooked.server), data=b"{not json", headers=headers) as r:
            assert r.status == 400
        async with http.post(url_of(hooked.server), json={"message": {}}, headers=headers) as r:
            assert r.status == 400
        async with http.post(
            url_of(hooked.server), json={"update_id": 5, "message": 7}, headers=headers
        ) as r:
            assert r.status == 400  # the framework cannot read it: told 5xx, Telegram would retry
        async with http.get(url_of(hooked.server, "/readyz")) as r:
            assert r.status == 200 and (await r.json())["ready"] is True
        hooked.server.ops.draining = True  # SIGTERM: stop taking updates
        async with http.post(url_of(hooked.server), json={"update_id": 6}, headers=headers) as r:
            assert r.status == 503
        async with http.get(url_of(hooked.server, "/readyz")) as r:
            body = await r.json()
            assert r.status == 503 and body["taking_updates"] is False and body["database"] is True
        async with http.get(url_of(hooked.server, "/healthz")) as r:
            assert r.status == 200


async def post_body(server: OpsServer, body: bytes) -> int:
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(url_of(server), data=body, headers=headers) as r:
        return r.status


async def test_deeply_nested_json_with_the_right_secret_gets_400_not_500(hooked: Simulation) -> None:
    """A 5xx makes Telegram send the same body again and again; a body that is no update is a 400."""
    assert hooked.server is not None
    deep = 100_000
    bodies = [
        b"[" * deep + b"]" * deep,
        b'{"update_id": 7, "message": ' + b'{"a": ' * deep + b"1" + b"}" * deep + b"}",
        b'{"update_id": 8, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},'
        + b' "reply_to_message": '
        + b"[" * deep
        + b"]" * deep
        + b"}}",
    ]
    # Nested less deeply than json.loads gives up on, but more than a framework reads:
    replies = b'{"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "reply_to_message": ' * 900
    bodies.append(b'{"update_id": 9, "message": ' + replies + b"null" + b"}" * 901)
    for body in bodies:
        assert await post_body(hooked.server, body) == 400
    hooked.add_user("una", "Una", language_code="en")
    assert "Hello Una" in (await hooked.send("una", "/start"))[0].text  # still serving


async def test_metrics_report_the_coordinators_backlog_from_the_database(hooked: Simulation) -> None:
    assert hooked.server is not None
    now = hooked.clock.now()
    async with hooked.tandem.db.unit_of_work() as uow:
        for severity, status, age in (("urgent", "open", 45), ("normal", "acknowledged", 90)):
            created = now - timedelta(minutes=age)
            concern = Concern(
                kind="other", severity=severity, status=status, created_at=created, updated_at=created
            )
            await uow.concerns.add(concern)
    async with aiohttp.ClientSession() as http, http.get(url_of(hooked.server, "/metrics")) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        text = await r.text()
    assert 'tandem_open_concerns{severity="urgent"} 1.0' in text
    assert 'tandem_open_concerns{severity="normal"} 1.0' in text  # acknowledged, not resolved
    assert 'tandem_open_concerns{severity="high"} 0.0' in text
    # The urgent one waits for acknowledgement since 45 minutes; the other was acknowledged.
    assert 'tandem_oldest_unacknowledged_alert_seconds{severity="urgent"} 2700.0' in text
    assert 'tandem_oldest_unacknowledged_alert_seconds{severity="normal"} 0.0' in text


async def test_telegram_is_answered_at_commit_and_a_stop_waits_for_the_replies(hooked: Simulation) -> None:
    assert hooked.server is not None
    hooked.add_user("gus", "Gus", language_code="en")
    hooked.emulator.fail_next("sendMessage", status=None, delay=3.0)  # Telegram is slow today
    injected = hooked.emulator.send_text(hooked.users["gus"], "/start")
    await hooked.emulator.wait_for(lambda: injected.update_id in hooked.emulator.delivered_update_ids)
    # Answered (the update and its outbox rows are committed) while the greeting is still on its way.
    assert not any("Hello Gus" in text for text in hooked.bot_texts("gus"))
    async with hooked.tandem.db.unit_of_work() as uow:
        assert await uow.updates.seen(injected.update_id)

    await hooked.server.drain()  # SIGTERM: no more updates; what is in progress finishes
    assert any("Hello Gus" in text for text in hooked.bot_texts("gus"))
    assert await post(hooked.server, {"update_id": injected.update_id + 1}) == 503


class DeadlockDetected(Exception):
    """What the driver raises when PostgreSQL breaks a deadlock by aborting this transaction."""

    sqlstate = "40P01"


async def test_a_transaction_the_database_aborts_to_break_a_deadlock_runs_again(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = sim.tandem.dispatcher
    real = core._in_transaction
    aborted: list[int] = []

    async def once_aborted(event: Inbound) -> Context | None:
        if not aborted:  # the other replica's transaction won; ours was rolled back
            aborted.append(event.update_id)
            raise DBAPIError("UPDATE ...", None, DeadlockDetected())
        return await real(event)

    monkeypatch.setattr(core, "_in_transaction", once_aborted)
    sim.add_user("hal", "Hal", language_code="en")
    replies = await sim.send("hal", "/start")
    assert aborted and "Hello Hal" in replies[0].text  # not "Sorry, something went wrong"
    assert not any("Sorry" in text for text in sim.bot_texts("hal"))


# --- fuzzing: any body Telegram's address may receive ------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["private", "group", "bot_command", "/start", "gd1:²:yes", "٣", "x" * 5000]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)


def sample_updates(user: int) -> list[dict[str, Any]]:
    """One update of each kind the bot acts on, from a person the emulator knows."""
    person = {"id": user, "is_bot": False, "first_name": "Fay", "language_code": "en"}
    chat = {"id": user, "type": "private", "first_name": "Fay"}
    message = {"message_id": 1, "date": 1_700_000_000, "chat": chat, "from": person}
    command = [{"type": "bot_command", "offset": 0, "length": 6}]
    photo = [{"file_id": "F", "file_unique_id": "U", "width": 1, "height": 1}]
    press = {"id": "77", "from": person, "chat_instance": "1", "data": "iv1:3", "message": message}
    blocked = {
        "chat": chat,
        "from": person,
        "date": 1,
        "old_chat_member": {"status": "member", "user": person},
        "new_chat_member": {"status": "kicked", "user": person, "until_date": 0},
    }
    return [
        {"message": {**message, "text": "hello"}},
        {"message": {**message, "text": "/start x", "entities": command}},
        {"callback_query": press},
        {"message": {**message, "photo": photo}},
        {"my_chat_member": blocked},
    ]


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    found = [path]
    if isinstance(value, dict):
        found += [p for key, item in value.items() for p in places(item, (*path, key))]
    elif isinstance(value, list):
        found += [p for index, item in enumerate(value) for p in places(item, (*path, index))]
    return found


def changed(update: dict[str, Any], path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    if not path:
        return value
    copy: Any = dict(update) if isinstance(update, dict) else list(update)
    head, rest = path[0], path[1:]
    if drop and not rest and isinstance(copy, dict):
        del copy[head]
    else:
        copy[head] = changed(copy[head], rest, value, drop)
    return copy


class Fuzzer:
    """Posts bodies to a running webhook and keeps the ERROR lines they caused."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sim: Simulation) -> None:
        self.loop, self.sim, self.next_id = loop, sim, 1_000_000
        self.errors: list[str] = []

    def post(self, body: bytes) -> int:
        server = self.sim.server
        assert server is not None
        self.errors.clear()

        async def posted() -> int:
            status = await post_body(server, body)
            if server.ops.in_flight:  # answered at commit; what it sends goes on
                await asyncio.wait(set(server.ops.in_flight))
            return status

        return self.loop.run_until_complete(posted())


@pytest.fixture(scope="module", params=["aiogram", "ptb"])
def fuzzer(request: pytest.FixtureRequest) -> Any:
    loop = asyncio.new_event_loop()
    sim = Simulation(framework=request.param, start=START, webhook=True)
    loop.run_until_complete(sim.start())
    fuzz = Fuzzer(loop, sim)
    sim.add_user("fay", "Fay", language_code="en")

    class Errors(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            fuzz.errors.append(f"{record.name}: {record.getMessage()}")

    catcher = Errors(logging.ERROR)
    logging.getLogger().addHandler(catcher)
    try:
        yield fuzz
    finally:
        logging.getLogger().removeHandler(catcher)
        loop.run_until_complete(sim.stop())
        loop.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON_VALUES)
def test_any_json_is_answered_200_or_400_never_500(fuzzer: Fuzzer, body: Any) -> None:
    status = fuzzer.post(json.dumps(body).encode())
    assert status in (200, 400)
    if not (isinstance(body, dict) and isinstance(body.get("update_id"), int)):
        assert status == 400
    assert fuzzer.errors == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_real_update_with_fields_changed_is_answered_200_or_400_and_breaks_nothing(
    fuzzer: Fuzzer, data: st.DataObject
) -> None:
    """Whatever a field of an update says, the bot answers Telegram with 200 (it took the update)
    or 400 (it is no update), and logs no error: a value it cannot keep is refused or cut at the edge."""
    fuzzer.next_id += 1
    sample = data.draw(st.sampled_from(sample_updates(fuzzer.sim.users["fay"])))
    update: Any = {"update_id": fuzzer.next_id, **sample}
    for _ in range(data.draw(st.integers(1, 3))):
        if not isinstance(update, dict) or not update:
            break
        path = data.draw(st.sampled_from(places(update)[1:]))
        update = changed(update, path, data.draw(JSON_VALUES), data.draw(st.booleans()))
    status = fuzzer.post(json.dumps(update).encode())
    assert status in (200, 400)
    assert fuzzer.errors == []
