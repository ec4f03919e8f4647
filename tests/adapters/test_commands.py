from __future__ import annotations

import pytest

from handlers.commands import ParsedCommand, parse_command


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [
        ("/start", 6, ParsedCommand("start", "", True)),
        ("/START  x  y ", 6, ParsedCommand("start", "x  y", True)),
        ("/start@Tandem_Bot abc", 17, ParsedCommand("start", "abc", True)),
        ("/start@other_bot abc", 16, ParsedCommand("start", "abc", False)),
        ("/start\nline two", 6, ParsedCommand("start", "line two", True)),
        ("/start@tandem_bot", 17, ParsedCommand("start", "", True)),
    ],
)
def test_parse_command(text: str, length: int, expected: ParsedCommand) -> None:
    assert parse_command(text, length, "tandem_bot") == expected
