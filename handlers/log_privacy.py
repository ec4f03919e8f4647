"""Keep what people wrote out of the frameworks' own log lines.

A few aiogram and PTB log lines carry whole updates or request parameters (on a parse error,
or at DEBUG level), and a learner's free text must never reach the logs. This filter keeps
those lines but withholds their payload: numbers, exception types and bare names stay.
"""

from __future__ import annotations

import logging

WITHHELD = "<withheld>"

_PTB_BOT_LINES = frozenset(
    {
        "Error while parsing updates! Received data was %r",
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "Call to Bot API endpoint `%s` finished with return value `%s`",
        "Set Bot API URL: %s",
        "Set Bot API File URL: %s",
    }
)

# Logger name → the message templates whose arguments may quote people (or the token).
# A filter only sees records of its own logger, so each logger is named exactly.
PAYLOAD_LINES: dict[str, frozenset[str]] = {
    "aiogram.dispatcher": frozenset({"Failed to fetch updates - %s: %s"}),
    "telegram.Bot": _PTB_BOT_LINES,
    "telegram.ext.ExtBot": _PTB_BOT_LINES,  # the Application's bot logs under its own name
    "telegram.ext.Application": frozenset({"Processing update %s"}),  # DEBUG: the whole update
    "telegram.ext.Updater": frozenset(
        {
            "Something went wrong processing the data received from Telegram. "
            "Received data was *not* processed!"
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


def install(prefix: str) -> None:
    """Attach the filter to the framework's loggers (``aiogram`` or ``telegram``), once however
    many bots are built."""
    for name, templates in PAYLOAD_LINES.items():
        logger = logging.getLogger(name)
        if name.startswith(prefix) and not any(isinstance(f, WithholdPayloads) for f in logger.filters):
            logger.addFilter(WithholdPayloads(templates))
