"""The coordinators' console: server-rendered pages beside the bot, opened as a Telegram Mini App
from the coordinators' menu button or in a browser through a one-time link (``/console``).

``web`` signs people in and serves the pages, ``views`` reads and acts through the same services
and features as the chat, ``scope`` is where area scoping plugs in, ``texts`` holds the console's
own words. ``tandem run`` (its HTTP server) and ``tandem demo`` mount it with ``mount``.
"""

from bot.console.web import mount

__all__ = ["mount"]
