"""A local Telegram Bot API for tests, benchmarks, `tandem simulate` and `tandem demo`.

It speaks plain HTTP and imports no bot framework; it keeps Telegram's limits and errors,
records every chat's transcript and lets a harness inject updates and faults.
"""

from bot.emulator.client import EmulatorClient, EmulatorError
from bot.emulator.controls import Injected
from bot.emulator.limits import Limits
from bot.emulator.rules import Button
from bot.emulator.server import Emulator
from bot.emulator.state import Entry, Stats, StoredMessage

__all__ = [
    "Button",
    "Emulator",
    "EmulatorClient",
    "EmulatorError",
    "Entry",
    "Injected",
    "Limits",
    "Stats",
    "StoredMessage",
]
