"""Reading a command out of message text, the same way in both adapters.

Telegram marks a command with a ``bot_command`` entity at offset 0; the text itself is
``/name``, ``/name@botname`` or either followed by arguments.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    args: str
    addressed_to_us: bool


def parse_command(text: str, entity_length: int, bot_username: str | None) -> ParsedCommand:
    """Split ``/Name@bot  args`` into a lower-cased name and the stripped arguments.

    ``entity_length`` counts UTF-16 units, but a command's own characters are ASCII
    (Telegram allows only ``[A-Za-z0-9_]`` and a bot username), so it is a valid index.
    """
    head, args = text[1:entity_length], text[entity_length:]
    name, _, addressee = head.partition("@")
    # Without a known username of ours we cannot tell, so accept rather than drop it.
    ours = not addressee or bot_username is None or addressee.lower() == bot_username.lower()
    return ParsedCommand(name=name.lower(), args=args.strip(), addressed_to_us=ours)
