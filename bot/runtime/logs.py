"""Logging set-up: one JSON object a line for machines (journald, container runtimes, a log
shipper), or plain lines on a terminal.

What is logged is ids, kinds and counts: learners' words never reach a log record (the core
logs no message text, and library loggers that would quote updates or SQL parameters are
filtered; see ``handlers/log_privacy.py`` and ``storage/database.py``). A failure is logged with
``failure``: a database error by its kind and statement, never its parameters.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import traceback
from typing import Literal

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import DBAPIError

from storage.database import causes, failed_statement

LogFormat = Literal["auto", "json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that are too chatty at INFO, or whose INFO lines carry the bot token (httpx's URLs).
QUIET = ("httpx", "alembic", "aiogram.event", "apscheduler.executors.default")
# APScheduler warns at each tick skipped while a long one runs, which is by design (coalesced).
SILENT = ("apscheduler.scheduler",)


def configure(level: str | int = logging.INFO, fmt: LogFormat = "auto") -> None:
    handler = logging.StreamHandler(sys.stderr)
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler.setFormatter(json_formatter() if use_json else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.ERROR)


def json_formatter() -> logging.Formatter:
    """time, level, logger, message, the replica (host and process), and any ``extra`` fields."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        static_fields={"host": socket.gethostname(), "pid": os.getpid()},
    )


def failure(log: logging.Logger, exc: BaseException, message: str, *args: object) -> None:
    """Log ``message`` at ERROR with the failure's stack. A database error, or one it caused,
    is told by its kind and statement only: its text would quote the statement's parameters."""
    database = next((e for e in causes(exc) if isinstance(e, DBAPIError)), None)
    if database is None:
        log.error(message, *args, exc_info=exc)
        return
    stack = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    log.error(f"{message}: %s\n%s", *args, failed_statement(database), stack)
