"""Webhook mode, through both adapters: the emulator pushes updates to the bot's HTTP server the
way Telegram does, with the secret token header; replicas on one database share the work, and a
transaction the database aborts to break a deadlock between them runs again.

Run on SQLite by default and on PostgreSQL when TANDEM_TEST_POSTGRES_URL is set (as CI does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
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
