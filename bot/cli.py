"""The ``tandem`` command (also ``python -m tandem`` and ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import ConfigError, Settings, load_settings, warn_of_unknown_variables
from bot.runtime import logs
from storage.database import unreachable

log = logging.getLogger("tandem")


FRAMEWORKS = ("aiogram", "ptb")
EPILOG = (
    "`tandem COMMAND --help` explains a command. Deployment settings come from TANDEM_* "
    "environment variables or a .env file (README: Configuration); the programme's own rules "
    "from the file TANDEM_PROGRAMME_FILE names."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem", description="Tandem: a Telegram companion for mentoring programmes", epilog=EPILOG
    )
    parser.add_argument("--version", action="version", version=f"tandem {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    _run_parser(commands)
    _simulate_parser(commands)
    _db_parser(commands)
    _admin_parser(commands)
    _emulator_parser(commands)
    _demo_parser(commands)
    _command(
        commands, "routes", "every command, button prefix, due job and flow, with the feature that owns it"
    )
    _bench_parser(commands)
    return parser


Commands = Any  # argparse's subparsers action (its type is private)


def _command(commands: Commands, name: str, help: str, description: str = "") -> argparse.ArgumentParser:
    """A subcommand whose one line in its parent's --help is also its own description's start."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=f"{help[:1].upper()}{help[1:]}. {description}".strip()
    )
    return parser


def _framework(parser: argparse.ArgumentParser, default: str | None = "aiogram") -> None:
    parser.add_argument(
        "--framework",
        choices=FRAMEWORKS,
        default=default,
        help="the Telegram framework: aiogram or ptb (python-telegram-bot)"
        + (f"; default {default}" if default else "; default TANDEM_FRAMEWORK"),
    )


def _run_parser(commands: Commands) -> None:
    run = _command(
        commands,
        "run",
        "run the bot against Telegram (or TANDEM_API_BASE_URL): long polling, or --webhook",
        "Needs TANDEM_BOT_TOKEN. On SQLite (the default, ./var/tandem.db) the schema is upgraded "
        "at start; on PostgreSQL run `tandem db upgrade` first. Serves /healthz, /readyz and "
        "/metrics; SIGTERM or Ctrl-C stops it gracefully.",
    )
    _framework(run, default=None)
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates on TANDEM_WEBHOOK_PATH of the HTTP server (needs TANDEM_WEBHOOK_SECRET; "
        "TANDEM_WEBHOOK_URL, if set, is registered with Telegram)",
    )


def _simulate_parser(commands: Commands) -> None:
    sim = _command(
        commands,
        "simulate",
        "run a scenario file against the emulator on a virtual clock",
        "Exit status 0: every expectation held; 1: one failed; 2: the scenario is malformed.",
    )
    sim.add_argument("scenario", type=Path, help="the scenario (YAML), e.g. scenarios/welcome.yaml")
    _framework(sim)
    sim.add_argument("--transcript", type=Path, help="write the transcript as JSON lines to this file")
    sim.add_argument("--db", help="database URL (default: a fresh temporary SQLite file)")


def _db_parser(commands: Commands) -> None:
    db = _command(commands, "db", "the database schema: upgrade it, or see its revision")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
    _command(
        actions,
        "upgrade",
        "bring the schema to this release's",
        "PostgreSQL: once per release, before the replicas start. SQLite upgrades itself at `tandem run`.",
    )
    _command(actions, "current", "print the database's schema revision and this release's")


def _admin_parser(commands: Commands) -> None:
    admin = _command(
        commands,
        "admin",
        "operator commands on the programme's database (the bot need not run)",
        "What a command tells people waits in the outbox; the running bot sends it.",
    )
    actions = admin.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
    _command(
        actions, "stats", "counts of people, conversations, due jobs and messages waiting (no personal data)"
    )
    invite = _command(
        actions,
        "invite",
        "a one-time code (and link) for a programme's first coordinator",
        "Coordinators invite everyone else from the chat (/invite). The link needs TANDEM_BOT_USERNAME.",
    )
    invite.add_argument("role", choices=("coordinator",), help="who the code is for: coordinator")
    _command(actions, "team", "coordinators and mentors, one a line: id, role, state, name")
    _command(actions, "group", "the coordinators' group's members the bot has seen, with their roles")
    for name, help in (
        ("suspend-mentor", "take an approved mentor out of matching; their pairs end"),
        ("reinstate-mentor", "approve a suspended mentor again"),
        ("remove-coordinator", "take away a coordinator's rights (the last one's too)"),
    ):
        action = _command(actions, name, help)
        action.add_argument("id", metavar="ID", help="the person's id (see: tandem admin team)")


def _emulator_parser(commands: Commands) -> None:
    emulator = _command(
        commands,
        "emulator",
        "serve the local Bot API emulator on 127.0.0.1",
        "A bot started with TANDEM_API_BASE_URL=http://127.0.0.1:PORT (any token) talks to it.",
    )
    emulator.add_argument("--port", type=int, default=8081, help="the port to serve on; default 8081")
    emulator.add_argument("--no-limits", action="store_true", help="no flood limits (for benchmarks)")


def _demo_parser(commands: Commands) -> None:
    demo = _command(commands, "demo", "the whole programme in the browser, on the emulator")
    _framework(demo)
    demo.add_argument("--port", type=int, default=8080, help="the page's port; default 8080")
    demo.add_argument("--host", default="127.0.0.1", help="the page's address; default 127.0.0.1")
    demo.add_argument("--open", action="store_true", help="open the page in a browser")
    demo.add_argument("--reset", action="store_true", help="forget the demo's state and start from scratch")
    demo.add_argument(
        "--folder",
        type=Path,
        default=Path("var/demo"),
        help="where the demo keeps its state; default var/demo",
    )


def _bench_parser(commands: Commands) -> None:
    bench = _command(commands, "bench", "benchmarks: each prints its figures as JSON")
    kinds = bench.add_subparsers(dest="what", required=True, metavar="BENCHMARK", title="benchmarks")
    updates = _command(kinds, "updates", "throughput and latency of updates, against a bare echo bot")
    updates.add_argument(
        "--users", type=int, default=50, help="people tapping as fast as they can; default 50"
    )
    updates.add_argument("--paced", type=int, default=300, help="new people sending /start, 50 a second")
    updates.add_argument(
        "--people", type=int, default=600, help="people tapping at a human pace; default 600"
    )
    updates.add_argument("--gap", type=float, default=3.0, help="seconds between a person's taps; default 3")
    updates.add_argument(
        "--rounds", type=int, default=3, help="cost phase: rounds, echo and Tandem alternated; default 3"
    )
    _framework(updates, default=None)
    matching = _command(
        kinds, "matching", "match a random cohort (candidates, then an exact flow), against greedy"
    )
    matching.add_argument("--learners", type=int, default=5000, help="learners in the cohort; default 5000")
    matching.add_argument("--mentors", type=int, default=2000, help="mentors in the cohort; default 2000")
    matching.add_argument("--seed", type=int, default=1, help="the random cohort's seed; default 1")
    matching.add_argument(
        "--k", type=int, default=12, help="candidates kept per learner and per mentor; default 12"
    )
    matching.add_argument(
        "--compare-exact",
        action="store_true",
        help="also the dense exact assignment, where it fits in memory",
    )
    dispatch = _command(kinds, "dispatch", "reminders due at once, sent within Telegram's limits")
    dispatch.add_argument("--messages", type=int, default=10000, help="reminders due at once; default 10000")
    dispatch.add_argument("--window", default="5m", help="each reminder's window (300s, 5m, 1h); default 5m")
    dispatch.add_argument("--paid", action="store_true", help="allow paid broadcasts for what cannot fit")
    _framework(dispatch)
    webhook = _command(
        kinds, "webhook", "updates/s through the webhook on PostgreSQL, with 1 and with 2 replicas"
    )
    webhook.add_argument(
        "--updates", type=int, default=2000, help="updates to post (five a person); default 2000"
    )
    webhook.add_argument("--db", help="a PostgreSQL server URL (default: TANDEM_TEST_POSTGRES_URL)")
    _framework(webhook)
    week = _command(
        kinds,
        "week",
        "a programme's week of scheduled messages on PostgreSQL: computed whole, its busiest evening run",
        "The evening runs at --scale of the population on a clock --speed times as fast (default "
        "1/scale: the real send rate of the full population), with two replicas.",
    )
    week.add_argument("--learners", type=int, default=100_000, help="learners in the week; default 100000")
    week.add_argument("--mentors", type=int, default=50_000, help="mentors in the week; default 50000")
    week.add_argument(
        "--scale", type=float, default=0.01, help="share of the people in the evening run; default 0.01"
    )
    week.add_argument("--speed", type=float, help="how much faster the evening's clock runs; default 1/scale")
    week.add_argument(
        "--from", dest="evening_from", default="14:00", help="the evening's start; default 14:00"
    )
    week.add_argument("--hours", type=float, default=9.0, help="the evening's length; default 9")
    week.add_argument("--db", help="a PostgreSQL server URL (default: TANDEM_TEST_POSTGRES_URL)")
    _framework(week)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure()  # until the settings are read (they may say otherwise)
    try:
        return asyncio.run(_dispatch(args))
    except ConfigError as exc:
        print(f"tandem: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        from bot.devtools.simulate_command import simulate

        return await simulate(args.scenario, args.framework, args.transcript, args.db)
    if args.command == "demo":
        return await _demo(args)
    if args.command == "emulator":
        return await _serve_emulator(args.port, limits=not args.no_limits)
    if args.command == "routes":
        return _routes()
    if args.command == "bench":
        return await _bench(args)
    overrides: dict[str, Any] = {}
    if getattr(args, "framework", None):
        overrides["framework"] = args.framework
    settings = load_settings(**overrides)
    logs.configure(settings.log_level, settings.log_format)
    warn_of_unknown_variables()
    if args.command == "run":
        return await _run(settings, webhook=args.webhook)
    try:
        if args.command == "db":
            return await _db(settings, args.action)
        return await _admin(
            settings, [args.action, *(getattr(args, key) for key in ("role", "id") if key in args)]
        )
    except Exception as exc:
        problem = unreachable(exc, settings.database_url)
        if problem is None:
            raise
        log.debug("tandem %s: the database failed", args.command, exc_info=exc)
        print(f"tandem {args.command}: {problem}", file=sys.stderr)
        return 1


async def _bench(args: argparse.Namespace) -> int:
    if args.what == "matching":
        # The blocks' matrix products are thin (a few dozen columns): BLAS threads only contend
        # for the cores. Set before numpy loads, which the bench is the first to do.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from bot.devtools.bench_matching import bench_matching

        await asyncio.to_thread(
            bench_matching, args.learners, args.mentors, args.seed, args.compare_exact, args.k
        )
        return 0
    if args.what == "dispatch":
        from bot.devtools.bench_dispatch import bench_dispatch, window_of

        return await bench_dispatch(
            args.messages, args.framework or "aiogram", window_of(args.window), paid=args.paid
        )
    if args.what == "webhook":
        from bot.devtools.bench_webhook import bench_webhook

        return await bench_webhook(args.updates, args.framework, args.db)
    if args.what == "week":
        from datetime import time

        from bot.devtools.bench_week import Evening, bench_week

        return await bench_week(
            args.learners,
            args.mentors,
            scale=args.scale,
            speed=args.speed,
            framework=args.framework,
            evening=Evening(time.fromisoformat(args.evening_from), args.hours),
            server=args.db,
        )
    from bot.devtools.bench_updates import Sizes, bench_updates

    sizes = Sizes(users=args.users, paced=args.paced, people=args.people, gap=args.gap, rounds=args.rounds)
    return await bench_updates(sizes, (args.framework,) if args.framework else ("aiogram", "ptb"))


def _routes() -> int:
    from bot.app import routes

    rows = [("KIND", "KEY", "FEATURE", "IN THE MENUS OF"), *routes().table()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip())
    return 0


async def _db(settings: Settings, action: str) -> int:
    from storage.migrate import current_revision, head_revision, upgrade

    if action == "upgrade":
        await upgrade(settings.database_url)
    revision, head = await current_revision(settings.database_url), head_revision()
    print(f"database at revision {revision or 'none (no schema yet)'} (this release: {head})")
    if revision != head:
        print("`tandem db upgrade` brings it to this release's (SQLite: so does `tandem run`)")
    return 0


async def _admin(settings: Settings, words: list[str]) -> int:
    from bot.admin import run_admin
    from bot.app import build
    from bot.clock import SystemClock
    from storage.database import sqlite_path
    from storage.migrate import current_revision, head_revision

    sqlite = sqlite_path(settings.database_url) is not None
    if not sqlite:  # a shared PostgreSQL is upgraded on purpose, not by an operator's command
        revision, head = await current_revision(settings.database_url), head_revision()
        if revision != head:
            print(
                f"tandem admin: the database is at schema revision {revision}, this release needs "
                f"{head}: run `tandem db upgrade` first",
                file=sys.stderr,
            )
            return 2
    tandem = await build(settings, SystemClock(), migrate=sqlite, offline=True)
    try:
        print(await run_admin(words, tandem))
    except ValueError as exc:
        print(f"tandem admin: {exc}", file=sys.stderr)
        return 2
    finally:
        await tandem.db.dispose()
    return 0


async def _run(settings: Settings, *, webhook: bool) -> int:
    from bot import console
    from bot.app import build
    from bot.clock import SystemClock
    from bot.runtime.service import AlreadyRunning, CannotListen, SchemaBehind, Service, Unreachable

    if settings.bot_token is None:
        print("tandem run: TANDEM_BOT_TOKEN is not set (get a token from @BotFather)", file=sys.stderr)
        return 2
    service = Service(settings, SystemClock(), build, webhook=webhook, pages=console.mount)
    stop = stop_signal()  # from now on: SIGTERM while starting stops once started
    try:
        await service.start()
    except (AlreadyRunning, CannotListen, SchemaBehind) as exc:
        await service.stop()
        print(f"tandem run: {exc}", file=sys.stderr)
        return 2
    except ConfigError:
        await service.stop()
        raise
    except Unreachable as exc:  # the database or Telegram: systemd restarts us, and it may be back
        await service.stop()
        log.error("tandem run: %s", exc)
        log.debug("tandem run: what failed", exc_info=exc.__cause__)
        return 1
    except Exception as exc:  # a bug: its stack is what helps
        await service.stop()
        log.error("tandem run: could not start (%s)", type(exc).__name__, exc_info=True)
        return 1
    try:
        await stop.wait()
    finally:
        await service.stop()
    return 0


async def _serve_emulator(port: int, *, limits: bool) -> int:
    from bot.emulator import Emulator, Limits

    emulator = Emulator(limits=Limits(enabled=limits))
    await emulator.start(port=port)
    # What start-up built lives as long as the process: out of the garbage collector's full
    # passes, which otherwise stall every answer for tens of milliseconds (as Tandem does).
    gc.freeze()
    print(f"Bot API emulator on {emulator.base_url} (token: any, e.g. 42:TEST)", flush=True)
    try:
        await until_stopped()
    finally:
        await emulator.stop()
    return 0


async def _demo(args: argparse.Namespace) -> int:
    import webbrowser

    from bot.demo.runner import Demo
    from bot.demo.server import serve

    demo = Demo(args.folder, args.framework, reset=args.reset, public_url=f"http://{args.host}:{args.port}")
    await demo.start()
    try:
        runner = await serve(demo, args.host, args.port)
    except OSError as exc:
        await demo.stop()
        print(
            f"tandem demo: cannot listen on {args.host}:{args.port} ({exc.strerror}); try --port",
            file=sys.stderr,
        )
        return 2
    url = f"http://{args.host}:{args.port}/"
    print(f"Tandem demo ({args.framework}) on {url}  (state in {args.folder}/; Ctrl-C stops)", flush=True)
    if args.open:
        webbrowser.open(url)
    try:
        await until_stopped()
    finally:
        await demo.stop()
        await runner.cleanup()
    return 0


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM (graceful: the caller's finally-block shuts down)."""
    await stop_signal().wait()


def stop_signal() -> asyncio.Event:
    """An event set by Ctrl-C or SIGTERM, from now on."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
