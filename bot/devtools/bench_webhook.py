"""``tandem bench webhook``: updates/s through the webhook on PostgreSQL, with one replica and two.

For each replica count: a fresh database cloned on the PostgreSQL server, an emulator process
with its flood limits off (it stands in for Telegram's side of the replies), and that many
``tandem run --webhook`` processes sharing the database. The load generator plays Telegram and a
round-robin load balancer: it POSTs updates with the secret token header, at most ``IN_FLIGHT``
at a time and a person's next update only once the previous one was answered, so consecutive
updates of one conversation land on different replicas. The clock stops when every expected
reply is in the emulator; POST latency runs from sending an update to its 200 (committed).

Each person is a volunteer who applies at once (open recruitment), typing the answers they could
tap (five updates). Each update is one transaction that reads the person and their conversation
state, writes them back and puts the replies in the outbox:

1. ``/start``: creates the person, starts the welcome flow ("Hello Sam!", "Which of these...").
2. the mentor's option, typed: the requested role is stored, the welcome flow ends and the
   application flow starts with its consent question.
3. ``Yes``: the consent, kept with the application's answers; asks for a name.
4. ``Sam``: the name, checked and stored; asks for the language.
5. ``English``: the language, stored on the person; asks for fields of expertise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from asyncpg import PostgresError
from sqlalchemy.exc import ArgumentError

from bot.clock import SystemClock
from bot.devtools.bench import ADD_USERS_CHUNK, TOKEN, percentile, remote_emulator
from bot.emulator import EmulatorClient
from bot.runtime.web import SECRET_HEADER
from storage.scratch import POSTGRES_ENV, ScratchDatabase, postgres_server

Json = dict[str, Any]

# What each person types, and a piece of the reply that shows the update was handled.
CONVERSATION = (
    ("/start", "Which of these describes you?"),
    ("I would like to volunteer as a mentor", "Is that all right with you?"),  # typed, not tapped
    ("Yes", "What should I call you?"),
    ("Sam", "Which language should I use with you?"),
    ("English", "Which fields do you know from your working life?"),
)
REPLICA_COUNTS = (1, 2)
IN_FLIGHT = 32
SECRET = "bench-" + secrets.token_hex(8)
READY_SECONDS = 60.0
REPLIES_SECONDS = 60.0
STOP_SECONDS = 30.0
# Above the ids the emulator gives the bot's own messages in a chat, so the two never meet.
FIRST_MESSAGE_ID = 1_000_000


class BenchFailure(Exception):
    """The benchmark could not run to the end (a replica died, replies never came ...)."""


@dataclass
class Phase:
    """What one replica count measured."""

    replicas: int
    updates: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def figures(self, framework: str) -> Json:
        return {
            "framework": framework,
            "replicas": self.replicas,
            "updates": self.updates,
            "seconds": round(self.seconds, 2),
            "ups": round(self.rate, 1),
            "post_p50_ms": round(percentile(self.latencies, 50), 2),
            "post_p95_ms": round(percentile(self.latencies, 95), 2),
        }


async def bench_webhook(updates: int, framework: str, server: str | None) -> int:
    server = server or postgres_server()
    if server is None:
        print(
            f"tandem bench webhook: needs a PostgreSQL server (--db URL, or set {POSTGRES_ENV})",
            file=sys.stderr,
        )
        return 2
    people = max(1, math.ceil(updates / len(CONVERSATION)))
    phases = []
    try:
        for replicas in REPLICA_COUNTS:
            phase = await measure(replicas, people, framework, server)
            print(json.dumps(phase.figures(framework)), flush=True)
            phases.append(phase)
    except BenchFailure as exc:
        print(f"tandem bench webhook: {exc}", file=sys.stderr)
        return 1
    summary = {
        "framework": framework,
        "cores": os.cpu_count(),
        "in_flight": IN_FLIGHT,
        "ratio": round(phases[-1].rate / phases[0].rate, 3),
    }
    print(json.dumps(summary))
    return 0


async def measure(replicas: int, people: int, framework: str, server: str) -> Phase:
    """One replica count on a fresh database and emulator; one warm-up person per replica first."""
    async with (
        remote_emulator() as client,
        scratch_database(server) as database_url,
        running_replicas(replicas, framework, client.base_url, database_url) as urls,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as http,
        Replies(client) as replies,
    ):
        everyone = await add_people(client, people + replicas)
        warm, measured = everyone[:replicas], everyone[replicas:]
        load = Load(http, urls)
        await load.run(warm, [])
        await replies.wait(warm)
        latencies: list[float] = []
        started = time.perf_counter()
        await load.run(measured, latencies)
        await replies.wait(measured)
        seconds = time.perf_counter() - started
    return Phase(replicas, len(latencies), seconds, latencies)


@contextlib.asynccontextmanager
async def scratch_database(server: str) -> AsyncIterator[str]:
    try:
        database = await ScratchDatabase.create(server=server)
    except (OSError, ArgumentError, PostgresError) as exc:
        raise BenchFailure(f"cannot make a database on the PostgreSQL server ({exc})") from None
    try:
        yield database.url
    finally:
        await database.drop()


async def add_people(client: EmulatorClient, count: int) -> list[Json]:
    """People who have started the bot in the emulator, so the replies to them are delivered."""
    people: list[Json] = []
    for start in range(0, count, ADD_USERS_CHUNK):
        chunk = [
            {"first_name": "Sam", "language_code": "en"} for _ in range(min(ADD_USERS_CHUNK, count - start))
        ]
        people.extend(await client.add_users(chunk))
    return people


def text_update(update_id: int, person: Json, message_id: int, text: str) -> Json:
    """A private text message as Telegram posts it (a command carries its bot_command entity)."""
    chat = {key: value for key, value in person.items() if key not in ("is_bot", "language_code")}
    message: Json = {
        "message_id": message_id,
        "from": person,
        "chat": {**chat, "type": "private"},
        "date": int(SystemClock().now().timestamp()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
        ]
    return {"update_id": update_id, "message": message}


class Load:
    """Telegram behind a round-robin load balancer: each update goes to the next replica."""

    def __init__(self, http: aiohttp.ClientSession, urls: list[str]) -> None:
        self._http = http
        self._urls = urls
        self._turn = itertools.count()
        self._update_ids = itertools.count(1)

    async def run(self, people: list[Json], latencies: list[float]) -> None:
        """Every person's conversation, ``IN_FLIGHT`` people at a time."""
        waiting = iter(people)

        async def worker() -> None:
            for person in waiting:
                await self.converse(person, latencies)

        try:
            async with asyncio.TaskGroup() as workers:  # one failing stops the others
                for _ in range(min(IN_FLIGHT, len(people))):
                    workers.create_task(worker())
        except* BenchFailure as failures:
            raise failures.exceptions[0] from None

    async def converse(self, person: Json, latencies: list[float]) -> None:
        for step, (text, _) in enumerate(CONVERSATION):
            update = text_update(next(self._update_ids), person, FIRST_MESSAGE_ID + step, text)
            url = self._urls[next(self._turn) % len(self._urls)]
            started = time.perf_counter()
            async with self._http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                await response.read()
                status = response.status
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise BenchFailure(f"{url} answered update {update['update_id']} with HTTP {status}")


class Replies:
    """Follows the emulator's transcript: a person is done once every step's reply arrived."""

    def __init__(self, client: EmulatorClient) -> None:
        self._client = client
        self._seen: dict[int, set[str]] = {}
        self._done: dict[int, asyncio.Future[None]] = {}
        self._follower: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Replies:
        self._follower = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    def _future(self, chat_id: int) -> asyncio.Future[None]:
        if chat_id not in self._done:
            self._done[chat_id] = asyncio.get_running_loop().create_future()
        return self._done[chat_id]

    async def _follow(self) -> None:
        async for entry in self._client.events(since_seq=0):
            if entry.sender != "bot" or entry.edit:
                continue
            seen = self._seen.setdefault(entry.chat_id, set())
            seen.update(marker for _, marker in CONVERSATION if marker in entry.text)
            done = self._future(entry.chat_id)
            if len(seen) == len(CONVERSATION) and not done.done():
                done.set_result(None)

    async def wait(self, people: list[Json]) -> None:
        waiting = [self._future(int(person["id"])) for person in people]
        _, missing = await asyncio.wait(waiting, timeout=REPLIES_SECONDS)
        if missing:
            raise BenchFailure(
                f"{len(missing)} of {len(people)} people still lack replies after {REPLIES_SECONDS:.0f} s"
            )


@dataclass
class Replica:
    """One ``tandem run --webhook`` process; its log goes to a file, shown when it fails."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    def failure(self, what: str) -> BenchFailure:
        lines = self.log.read_text(errors="replace").splitlines()[-5:]
        return BenchFailure(f"replica on port {self.port} {what}; its log ends:\n" + "\n".join(lines))

    async def ready(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise self.failure(f"exited with {self.process.returncode} while starting")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise self.failure(f"not ready after {READY_SECONDS:.0f} s")

    async def stop(self) -> int:
        """SIGTERM, as an orchestrator stops a replica; killed if it does not finish in time."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise self.failure(f"still running {STOP_SECONDS:.0f} s after SIGTERM") from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_environment(
    count: int, framework: str, api_url: str, database_url: str, port: int
) -> dict[str, str]:
    """Only the settings named here: none of the caller's TANDEM_* variables leak in."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("TANDEM_")}
    root = str(Path(__file__).resolve().parents[2])  # the checkout this module is in
    inherited["PYTHONPATH"] = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
    return inherited | {
        "TANDEM_BOT_TOKEN": TOKEN,
        "TANDEM_API_BASE_URL": api_url,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_FRAMEWORK": framework,
        "TANDEM_REPLICAS": str(count),
        "TANDEM_SEND_LIMITS": "false",
        "TANDEM_HTTP_HOST": "127.0.0.1",
        "TANDEM_HTTP_PORT": str(port),
        "TANDEM_WEBHOOK_SECRET": SECRET,
        "TANDEM_LOG_FORMAT": "json",
    }


@contextlib.asynccontextmanager
async def running_replicas(
    count: int, framework: str, api_url: str, database_url: str
) -> AsyncIterator[list[str]]:
    """``count`` replicas on one database, ready; yields their webhook URLs. Stopped with SIGTERM."""
    replicas: list[Replica] = []
    # The folder is the replicas' working directory too, so no .env file of the caller is read.
    with tempfile.TemporaryDirectory(prefix="tandem-webhook-") as folder:
        try:
            for index in range(count):
                port = free_port()
                log = Path(folder) / f"replica-{index}.log"
                with log.open("wb") as output:
                    process = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "bot",
                        "run",
                        "--webhook",
                        env=replica_environment(count, framework, api_url, database_url, port),
                        cwd=folder,
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=output,
                        stderr=output,
                    )
                replicas.append(Replica(process, port, log))
            async with aiohttp.ClientSession() as http:
                for replica in replicas:  # they start side by side all the same
                    await replica.ready(http)
            yield [replica.webhook_url for replica in replicas]
        finally:
            codes = await asyncio.gather(*(replica.stop() for replica in replicas), return_exceptions=True)
        for replica, code in zip(replicas, codes, strict=True):
            if isinstance(code, BaseException):
                raise code
            if code != 0:
                raise replica.failure(f"exited with {code} after SIGTERM")
