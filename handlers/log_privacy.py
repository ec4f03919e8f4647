"""Keep what people wrote out of the frameworks' own log lines.

A few aiogram and PTB log lines carry whole updates or request parameters (on a parse error,
or at DEBUG level), and a learner's free text must never reach the logs. This filter keeps
those lines but withholds their payload: numbers, exception types and bare names stay.
"""

from __future__ import annotations

import logging

WITHHELD = "<withheld>"

# logger name → the message templates whose arguments may quote people (or the token)
PAYLOAD_LINES: dict[str, frozenset[str]] = {
    "aiogram.dispatcher": frozenset({"Failed to fetch updates - %s: %s"}),
    "telegram.Bot": frozenset(
        {
            "Error while parsing updates! Received data was %r",
            "Calling Bot API endpoint `%s` with parameters `%s`",
            "Call to Bot API endpoint `%s` finished with return value `%s`",
            "Set Bot API URL: %s",
            "Set Bot API File URL: %s",
        }
    ),
}


class WithholdPayloads(logging.Filter):
    def __init__(self, templates: frozenset[str]) -> None:
        super().__init__()
        self._templates = templates

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in self._templates:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_harmless(arg) for arg in args)
            if record.exc_info and record.exc_info[0] is not None:
                # The exception's text may quote the payload too; its type is enough.
                record.msg = f"{record.msg} ({record.exc_info[0].__qualname__})"
                record.exc_info, record.exc_text = None, None
        return True


def _harmless(arg: object) -> object:
    if isinstance(arg, BaseException):
        return type(arg).__qualname__
    if isinstance(arg, int | float) or (isinstance(arg, str) and arg.isidentifier()):
        return arg
    return WITHHELD


def install(framework_logger: str) -> None:
    """Attach the filter to one framework logger (once, however many bots are built)."""
    logger = logging.getLogger(framework_logger)
    if not any(isinstance(f, WithholdPayloads) for f in logger.filters):
        logger.addFilter(WithholdPayloads(PAYLOAD_LINES[framework_logger]))
