"""`tandem run` as a real process: migrates its SQLite file, polls, stops on SIGTERM, restarts; tells
a terminal what runs, the next step and what it did; says in one line what it cannot reach."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

import bot
from bot.emulator import Emulator
from storage.scratch import ScratchDatabase, postgres_server
from tests.journeys import free_port


async def start_bot(tmp_path: Path, emulator: Emulator, **settings: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        **{f"TANDEM_{name.upper()}": value for name, value in settings.items()},
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_API_BASE_URL": emulator.base_url,
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'tandem.db'}",
        "TANDEM_POLLING_TIMEOUT": "1",
        "TANDEM_HTTP_PORT": "0",
        "TANDEM_TICK_SECONDS": "0.5",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(process: asyncio.subprocess.Process) -> tuple[int, str]:
    if process.returncode is not None:
        return process.returncode, ""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def bot_says(emulator: Emulator, chat_id: int, text: str, since: int = 0) -> None:
    await emulator.wait_for(
        lambda: any(e.sender == "bot" and text in e.text for e in emulator.transcript(chat_id, since)),
        timeout=60,
    )


@pytest.mark.single_pass  # SQLite by design
async def test_run_polls_stops_on_sigterm_and_continues_after_a_restart(tmp_path: Path) -> None:
    async with Emulator() as emulator:
        ada = int(emulator.add_user("Ada", language_code="fr")["id"])
        process = await start_bot(tmp_path, emulator)
        emulator.send_text(ada, "/start")
        await bot_says(emulator, ada, "Bonjour Ada")
        await bot_says(emulator, ada, "Qu’est-ce qui te correspond")
        emulator.press_button(ada, ada, "(?i)bénévole")  # an open volunteer application
        await bot_says(emulator, ada, "Avant de commencer")
        code, stderr = await stop_bot(process)
        assert code == 0, stderr
        assert (tmp_path / "var" / "tandem.db").exists()  # migrated on start, under ./var/
        assert "Ada" not in stderr  # logs carry ids, not what people wrote or their names

        mark = emulator.transcript(ada)[-1].seq
        process = await start_bot(tmp_path, emulator)  # a new process, the same database
        emulator.press_button(ada, ada, "^Oui$")
        await bot_says(emulator, ada, "Comment je t’appelle", mark)
        code, _ = await stop_bot(process)
        assert code == 0
        commands = emulator.commands(language_code="de")
        assert [c["command"] for c in commands][:4] == ["start", "help", "back", "cancel"]
        assert {"privacy", "mydata", "delete", "language", "pause", "resume"} <= {
            c["command"] for c in commands
        }


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_webhook_mode_health_metrics_json_logs_and_a_graceful_sigterm(tmp_path: Path) -> None:
    scratch = await ScratchDatabase.create()  # SQLite, or PostgreSQL when CI provides one
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_DATABASE_URL": scratch.url,
        "TANDEM_HTTP_PORT": str(port),
        "TANDEM_WEBHOOK_SECRET": "s3cret-Token_1",
        "TANDEM_WEBHOOK_URL": f"{base}/telegram",
        "TANDEM_TICK_SECONDS": "0.5",
        "TANDEM_LOG_FORMAT": "json",
    }
    try:
        async with Emulator() as emulator, contextlib.AsyncExitStack() as stack:
            env["TANDEM_API_BASE_URL"] = emulator.base_url
            ada = int(emulator.add_user("Ada", language_code="fr")["id"])
            process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "bot", "run", "--webhook"),
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stack.push_async_callback(stop_bot, process)  # also when an assertion fails midway
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    if (await get(f"{base}/readyz"))[0] == 200:
                        break
                await asyncio.sleep(0.1)
            status, body = await get(f"{base}/readyz")
            assert status == 200 and json.loads(body) == {
                "ready": True,
                "database": True,
                "scheduler": True,
                "taking_updates": True,
                "coordinators_group": True,
                "degraded": False,
            }
            assert emulator.api.webhook.url == f"{base}/telegram"  # registered with "Telegram"

            emulator.send_text(ada, "/start")
            await bot_says(emulator, ada, "Bonjour Ada")
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{base}/telegram", json={"update_id": 1}) as response:
                    assert response.status == 403
            status, metrics = await get(f"{base}/metrics")
            assert status == 200
            assert 'tandem_updates_total{kind="Command"} 1.0' in metrics
            assert "tandem_messages_sent_total 2.0" in metrics
            assert 'tandem_webhook_rejected_total{reason="secret"} 1.0' in metrics
            assert 'tandem_open_concerns{severity="urgent"} 0.0' in metrics
            assert "tandem_handler_seconds_bucket" in metrics and "tandem_due_jobs_waiting 0.0" in metrics

            code, stderr = await stop_bot(process)
    finally:
        await scratch.drop()
    assert code == 0, stderr
    events = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    messages = [event["message"] for event in events]
    assert {"level", "logger", "time", "host", "pid"} <= set(events[0])
    dialect = make_url(scratch.url).get_dialect().name
    assert any(m.startswith("tandem ") and ": aiogram, webhook on /telegram, as @" in m for m in messages)
    assert any(
        m.startswith("database: SQLite file " if dialect == "sqlite" else "database: PostgreSQL ")
        for m in messages
    )
    assert "webhook request refused: no secret token (from 127.0.0.1)" in messages
    assert messages[-2:] == ["tandem stopping", "tandem stopped"]
    assert "Ada" not in stderr


@pytest.mark.single_pass  # SQLite by design
async def test_a_second_process_on_the_same_sqlite_file_stops_and_says_why(tmp_path: Path) -> None:
    async with Emulator() as emulator:
        first = await start_bot(tmp_path, emulator)
        ada = int(emulator.add_user("Ada", language_code="en")["id"])
        emulator.send_text(ada, "/start")
        await bot_says(emulator, ada, "Hello Ada")  # the first one runs
        second = await start_bot(tmp_path, emulator)
        _, stderr = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2
        assert "in use by another Tandem process; SQLite runs one process only" in stderr.decode()
        code, _ = await stop_bot(first)
        assert code == 0


@pytest.mark.skipif(
    postgres_server() is None,
    reason="a shared database behind the schema is PostgreSQL's case (set TANDEM_TEST_POSTGRES_URL)",
)
async def test_replicas_refuse_a_postgresql_database_behind_the_schema(tmp_path: Path) -> None:
    scratch = await ScratchDatabase.create(migrated=False)  # never upgraded
    try:
        env = {**os.environ, "TANDEM_BOT_TOKEN": "42:TEST", "TANDEM_DATABASE_URL": scratch.url}
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run"), cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await scratch.drop()
    assert process.returncode == 2
    assert "run `tandem db upgrade` first" in stderr.decode()


SUMMARY = re.compile(
    r"last 0\.02 min: (\d+) updates, (\d+) messages sent, (\d+) due jobs run; "
    r"queue: (\d+) to send, (\d+) due jobs waiting; errors: (\d+)$"
)


@pytest.mark.single_pass  # SQLite by design
async def test_a_terminal_is_told_what_runs_the_next_step_and_what_happened(tmp_path: Path) -> None:
    async with Emulator() as emulator:
        settings = {"log_format": "text", "summary_minutes": "0.02"}  # a line every 1.2 s
        process = await start_bot(tmp_path, emulator, **settings)
        carla = int(emulator.add_user("Carla", language_code="en")["id"])
        emulator.send_text(carla, "/start")
        await bot_says(emulator, carla, "Hello Carla")

        # The next step it names, taken: the operator's command on the same database.
        admin = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tandem", "admin", "invite", "coordinator"),
            cwd=tmp_path,
            env={**os.environ, "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'tandem.db'}"},
            stdout=asyncio.subprocess.PIPE,
        )
        said, _ = await asyncio.wait_for(admin.communicate(), 120)
        code = said.decode().split()[0]
        emulator.send_text(carla, f"/start {code}")
        await bot_says(emulator, carla, "You are now a coordinator")
        await asyncio.sleep(3.0)  # two summaries and more after the last update
        status, stderr = await stop_bot(process)
        assert status == 0, stderr
        lines = [line.split(": ", 1)[1] for line in stderr.splitlines() if " INFO " in line]
        assert (
            f"tandem {bot.__version__}: aiogram, long polling, as @tandem_test_bot on {emulator.base_url}"
            in lines
        )
        assert f"database: SQLite file {tmp_path / 'var' / 'tandem.db'}" in lines
        assert "programme: 'Tandem example programme' from the shipped example" in stderr
        assert (
            "next step: the programme has no coordinator yet. Run `tandem admin invite coordinator`" in stderr
        )
        summaries = [found.groups() for line in lines if (found := SUMMARY.match(line))]
        assert len(summaries) >= 2, stderr
        updates, sent, _, _, _, errors = (sum(int(row[i]) for row in summaries) for i in range(6))
        assert (updates, errors) == (2, 0)
        said = [entry for entry in emulator.transcript(carla) if entry.sender == "bot" and not entry.edit]
        assert sent == len(said), stderr

        process = await start_bot(tmp_path, emulator, log_format="text")  # a coordinator now
        emulator.send_text(carla, "/help")
        await bot_says(emulator, carla, "/invite learner", emulator.transcript(carla)[-1].seq)
        status, stderr = await stop_bot(process)
        assert status == 0 and "database: SQLite file" in stderr
        assert "next step" not in stderr


@pytest.mark.single_pass  # SQLite; and Telegram is what is missing
async def test_a_bot_api_out_of_reach_is_one_line_naming_it_and_the_stack_only_at_debug(
    tmp_path: Path, framework: str
) -> None:
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_FRAMEWORK": framework,
        "TANDEM_API_BASE_URL": f"http://127.0.0.1:{port}",
        "TANDEM_HTTP_PORT": "0",
        "TANDEM_LOG_FORMAT": "json",
        "TANDEM_LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tandem", "run"), cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1  # systemd restarts it: Telegram may be back
    events = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    errors = [event for event in events if event["level"] == "ERROR"]
    # A client may keep no socket error behind its own (PTB's at DEBUG): then its kind is named
    (error,) = [event["message"] for event in errors]
    assert re.fullmatch(
        rf"tandem run: cannot reach the Bot API at http://127\.0\.0\.1:{port} "
        r"\((connection refused|ConnectError)\): "
        r"check the network \(a proxy, a firewall\) or TANDEM_API_BASE_URL",
        error,
    ), error
    assert "exc_info" not in errors[0]
    stacks = [event for event in events if "exc_info" in event]
    assert [event["level"] for event in stacks] == ["DEBUG"]
    assert stacks[0]["message"] == "tandem run: what failed"
