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

log = logging.getLogger("tandem")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem", description="Tandem: a Telegram companion for mentoring programmes"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the bot (long polling) against Telegram or TANDEM_API_BASE_URL"
    )
    run.add_argument("--framework", choices=("aiogram", "ptb"), help="override TANDEM_FRAMEWORK")

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

    bench = commands.add_parser("bench", help="benchmarks")
    bench.add_argument("what", choices=("updates", "matching", "dispatch"))
    bench.add_argument("--messages", type=int, default=10000, help="dispatch: reminders due at once")
    bench.add_argument("--users", type=int, default=50)
    bench.add_argument("--learners", type=int, default=5000)
    bench.add_argument("--mentors", type=int, default=2000)
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram")
    return parser


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs request URLs, which carry the bot token; alembic is chatty at INFO.
    for noisy in ("httpx", "alembic", "aiogram.event"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        return asyncio.run(_dispatch(args))
    except ConfigError as exc:
        print(f"tandem: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        from bot.simulate_command import simulate

        return await simulate(args.scenario, args.framework, args.transcript, args.db)
    if args.command == "demo":
        return await _demo(args)
    if args.command == "emulator":
        return await _serve_emulator(args.port, limits=not args.no_limits)
    if args.command == "bench" and args.what == "matching":
        from bot.bench_matching import bench_matching

        await asyncio.to_thread(bench_matching, args.learners, args.mentors, args.seed)
        return 0
    if args.command == "bench" and args.what == "dispatch":
        from bot.bench_dispatch import bench_dispatch

        return await bench_dispatch(args.messages, args.framework)
    if args.command == "bench":
        from bot.bench import bench_updates

        return await bench_updates(args.users, args.framework)
    overrides: dict[str, Any] = {}
    if getattr(args, "framework", None):
        overrides["framework"] = args.framework
    settings = load_settings(**overrides)
    if args.command == "run":
        return await _run(settings)
    if args.command == "db":
        return await _db(settings, args.action)
    if args.command == "admin":
        return await _admin(settings, args.words)
    raise AssertionError(args.command)


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

    tandem = await build(
        settings.model_copy(update={"bot_token": settings.bot_token or "0:offline"}), SystemClock()
    )
    try:
        print(await run_admin(words, tandem))
    except ValueError as exc:
        print(f"tandem admin: {exc}", file=sys.stderr)
        return 2
    finally:
        await tandem.db.dispose()
    return 0


async def _run(settings: Settings) -> int:
    from bot.app import build
    from bot.clock import SystemClock
    from bot.scheduler import RealTimeTicker
    from storage.database import Database

    if settings.bot_token is None:
        print("tandem run: TANDEM_BOT_TOKEN is not set (get a token from @BotFather)", file=sys.stderr)
        return 2
    # SQLite upgrades itself; a shared PostgreSQL is upgraded on purpose with `tandem db upgrade`.
    migrate = Database(settings.database_url).is_sqlite
    tandem = await build(settings, SystemClock(), migrate=migrate)
    await tandem.start()
    ticker = RealTimeTicker(tandem.scheduler, settings.tick_seconds)
    ticker.start()
    log.info("tandem running (%s, long polling)", settings.framework)
    try:
        await until_stopped()
    finally:
        await ticker.stop()
        await tandem.stop()
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
