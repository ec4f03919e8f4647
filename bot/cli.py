"""The ``tandem`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import logs

log = logging.getLogger("tandem")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem", description="Tandem: a Telegram companion for mentoring programmes"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the bot against Telegram (or TANDEM_API_BASE_URL): long polling, or --webhook"
    )
    run.add_argument("--framework", choices=("aiogram", "ptb"), help="override TANDEM_FRAMEWORK")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates on TANDEM_WEBHOOK_PATH of the HTTP server (needs TANDEM_WEBHOOK_SECRET; "
        "TANDEM_WEBHOOK_URL, if set, is registered with Telegram)",
    )

    sim = commands.add_parser("simulate", help="run a scenario file against the emulator on a virtual clock")
    sim.add_argument("scenario", type=Path)
    sim.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram")
    sim.add_argument("--transcript", type=Path, help="write the transcript as JSON lines")
    sim.add_argument("--db", help="database URL (default: a fresh temporary SQLite file)")

    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=("upgrade", "current"))

    admin = commands.add_parser("admin", help="operator commands (e.g. `tandem admin stats`)")
    admin.add_argument("words", nargs="+")

    emulator = commands.add_parser("emulator", help="serve the local Bot API emulator")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument("--no-limits", action="store_true", help="no flood limits (benchmarks)")

    demo = commands.add_parser("demo", help="the whole programme in the browser, on the emulator")
    demo.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--open", action="store_true", help="open the page in a browser")
    demo.add_argument("--reset", action="store_true", help="start from scratch")
    demo.add_argument("--folder", type=Path, default=Path("var/demo"), help="where the demo keeps its state")

    commands.add_parser("routes", help="every command, button prefix, due job and flow, with its feature")

    bench = commands.add_parser("bench", help="benchmarks")
    bench.add_argument("what", choices=("updates", "matching", "dispatch", "webhook"))
    bench.add_argument("--messages", type=int, default=10000, help="dispatch: reminders due at once")
    bench.add_argument("--window", default="5m", help="dispatch: each reminder's window (300s, 5m, 1h)")
    bench.add_argument("--paid", action="store_true", help="dispatch: allow paid broadcasts")
    bench.add_argument("--updates", type=int, default=2000, help="webhook: updates to post (five a person)")
    bench.add_argument("--db", help="webhook: PostgreSQL server URL (default: TANDEM_TEST_POSTGRES_URL)")
    bench.add_argument("--users", type=int, default=50, help="updates: people tapping as fast as they can")
    bench.add_argument("--paced", type=int, default=300, help="updates: new people sending /start, 50/s")
    bench.add_argument("--people", type=int, default=600, help="updates: people tapping at a human pace")
    bench.add_argument("--gap", type=float, default=3.0, help="updates: seconds between a person's taps")
    bench.add_argument("--learners", type=int, default=5000)
    bench.add_argument("--mentors", type=int, default=2000)
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--framework", choices=("aiogram", "ptb"), help="default: aiogram (updates: both)")
    return parser


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
    if args.command == "bench" and args.what == "matching":
        from bot.devtools.bench_matching import bench_matching

        await asyncio.to_thread(bench_matching, args.learners, args.mentors, args.seed)
        return 0
    if args.command == "bench" and args.what == "dispatch":
        from bot.devtools.bench_dispatch import bench_dispatch, window_of

        window = window_of(args.window)
        return await bench_dispatch(args.messages, args.framework or "aiogram", window, paid=args.paid)
    if args.command == "bench" and args.what == "webhook":
        from bot.devtools.bench_webhook import bench_webhook

        return await bench_webhook(args.updates, args.framework or "aiogram", args.db)
    if args.command == "bench":
        from bot.devtools.bench_updates import Sizes, bench_updates

        sizes = Sizes(users=args.users, paced=args.paced, people=args.people, gap=args.gap)
        return await bench_updates(sizes, (args.framework,) if args.framework else ("aiogram", "ptb"))
    overrides: dict[str, Any] = {}
    if getattr(args, "framework", None):
        overrides["framework"] = args.framework
    settings = load_settings(**overrides)
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "run":
        return await _run(settings, webhook=args.webhook)
    if args.command == "db":
        return await _db(settings, args.action)
    if args.command == "admin":
        return await _admin(settings, args.words)
    raise AssertionError(args.command)


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
    revision = await current_revision(settings.database_url)
    print(f"database at revision {revision} (head {head_revision()})")
    return 0


async def _admin(settings: Settings, words: list[str]) -> int:
    from bot.admin import run_admin
    from bot.app import build
    from bot.clock import SystemClock
    from storage.database import sqlite_path

    tandem = await build(
        settings.model_copy(update={"bot_token": settings.bot_token or "0:offline"}),
        SystemClock(),
        migrate=sqlite_path(settings.database_url) is not None,  # PostgreSQL: `tandem db upgrade`
    )
    try:
        print(await run_admin(words, tandem))
    except ValueError as exc:
        print(f"tandem admin: {exc}", file=sys.stderr)
        return 2
    finally:
        await tandem.db.dispose()
    return 0


async def _run(settings: Settings, *, webhook: bool) -> int:
    from bot.app import build
    from bot.clock import SystemClock
    from bot.runtime.service import AlreadyRunning, CannotListen, SchemaBehind, Service

    if settings.bot_token is None:
        print("tandem run: TANDEM_BOT_TOKEN is not set (get a token from @BotFather)", file=sys.stderr)
        return 2
    service = Service(settings, SystemClock(), build, webhook=webhook)
    try:
        await service.start()
    except (AlreadyRunning, CannotListen, SchemaBehind) as exc:
        await service.stop()
        print(f"tandem run: {exc}", file=sys.stderr)
        return 2
    except ConfigError:
        await service.stop()
        raise
    except Exception as exc:  # e.g. Telegram or the database unreachable: systemd restarts us
        await service.stop()
        log.error("tandem run: could not start (%s)", type(exc).__name__, exc_info=True)
        return 1
    try:
        await until_stopped()
    finally:
        await service.stop()
    return 0


async def _serve_emulator(port: int, *, limits: bool) -> int:
    from bot.emulator import Emulator, Limits

    emulator = Emulator(limits=Limits(enabled=limits))
    await emulator.start(port=port)
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

    demo = Demo(args.folder, args.framework, reset=args.reset)
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
