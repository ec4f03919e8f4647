"""`tandem simulate`: exit 0 when expectations hold, 1 with a report when not, 2 for a bad scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devtools.simulate_command import simulate

ROOT = Path(__file__).resolve().parents[2]


def scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
def test_the_shipped_scenario_runs_through_the_real_command(tmp_path: Path, framework: str) -> None:
    out = tmp_path / "transcript.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "simulate",
            str(ROOT / "scenarios" / "welcome.yaml"),
            "--framework",
            framework,
            "--transcript",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"ok: 17 steps held ({framework})" in result.stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(lines[0]) == {"t", "chat", "from", "text", "buttons", "document", "edit"}
    assert lines[0] == {
        "t": "2026-03-02T07:00:00+00:00",
        "chat": "alice",
        "from": "alice",
        "text": "/start",
        "buttons": [],
        "document": None,
        "edit": False,
    }
    assert any(line["edit"] and line["from"] == "bot" for line in lines)
    # The reminder a day after the unanswered question, on the virtual clock.
    nudge = [line for line in lines if line["t"] == "2026-03-03T07:00:00+00:00"]
    assert [line["from"] for line in nudge] == ["bot"]


async def test_a_failed_expectation_exits_1_and_shows_what_arrived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(
        tmp_path,
        """
users: {bob: {first_name: Bob, language_code: en}}
steps:
  - {as: bob, send: "/start"}
  - {expect: {chat: bob, text: "(?i)goodbye"}}
""",
    )
    assert await simulate(path, "aiogram", None, None) == 1
    err = capsys.readouterr().err
    assert "step 2" in err and "goodbye" in err
    assert "bot: 'Hello Bob!" in err


async def test_expect_none_fails_when_a_message_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(
        tmp_path,
        """
users: {bob: {first_name: Bob}}
steps:
  - {as: bob, send: "/start"}
  - {expect_none: {chat: bob, text: "Hello"}}
""",
    )
    assert await simulate(path, "aiogram", None, None) == 1
    assert "expected no message" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("steps:\n  - {as: nobody, send: hi}\n", "unknown user 'nobody'"),
        ("users: {bob: {}}\nsteps:\n  - {expect: {chat: bob, text: '(unclosed'}}\n", "bad regex"),
        ("users: {bob: {}}\nsteps:\n  - {as: bob, shout: hi}\n", "unknown key(s) ['shout']"),
        ("users: {bob: {}}\nwhatever: 1\nsteps: []\n", "unknown key(s) ['whatever']"),
        ("users: {bob: {}}\nsteps:\n  - {advance: soon}\n", "bad duration"),
        ("users: {bob: {}}\nsteps:\n  - {as: bob, send: '${never}'}\n", "was never captured"),
        ("users: {bob: {}}\nsteps:\n  - {admin: 'launch rockets'}\n", "unknown admin command"),
        ("start: yesterday\nsteps: []\n", "start"),
        ("users: {bob: {}}\nsettings: {framework: telethon}\nsteps: []\n", "TANDEM_FRAMEWORK"),
    ],
)
async def test_a_malformed_scenario_exits_2_with_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    assert await simulate(scenario(tmp_path, body), "aiogram", None, None) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1
