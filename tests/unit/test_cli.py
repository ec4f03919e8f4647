"""The `tandem` command as a newcomer meets it: in a fresh directory, as `python -m tandem`, with
--help on every command and option, --version, and one line naming the cause and the fix when
something cannot work (a database out of reach, an unsupported URL, a misspelled variable)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from bot.admin import COMMANDS
from bot.cli import build_parser
from tests.journeys import free_port

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[A-Za-z0-9]{16}$")

pytestmark = pytest.mark.single_pass  # each test has its own SQLite file, or none


def tandem(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m tandem ARGS` in ``cwd`` with only the given TANDEM_* settings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",  # --help on one line a command, as a wide terminal shows it
        **{f"TANDEM_{name.upper()}": value for name, value in settings.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "tandem", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error a command stopped with: one line, no traceback."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_version_and_python_m_tandem(tmp_path: Path) -> None:
    result = tandem(tmp_path, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"tandem {bot.__version__}")
    assert re.fullmatch(r"\d+\.\d+\.\d+", bot.__version__)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found |= dict(action.choices)
    return found


def walk(parser: argparse.ArgumentParser, path: str = "tandem") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for name, child in subcommands(parser).items():
        found += walk(child, f"{path} {name}")
    return found


def test_every_command_and_option_says_in_one_line_what_it_does() -> None:
    unexplained = []
    for path, parser in walk(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                listed = {choice.dest for choice in action._choices_actions}
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                unexplained += [f"{path} {name}" for name in sorted(set(action.choices) - helped)]
                assert listed == set(action.choices)
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                unexplained.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
            elif action.help and "\n" in action.help:
                unexplained.append(f"{path} {action.dest}: more than one line")
    assert unexplained == []


def test_admin_offers_exactly_the_operator_commands() -> None:
    assert set(subcommands(subcommands(build_parser())["admin"])) == set(COMMANDS)


def test_help_lists_each_subcommand_with_its_line(tmp_path: Path) -> None:
    admin = tandem(tmp_path, "admin", "--help")
    assert admin.returncode == 0
    assert re.search(r"invite\s+a one-time code .* first coordinator", admin.stdout)
    assert re.search(r"suspend-mentor\s+take an approved mentor out of matching", admin.stdout)
    assert "words" not in admin.stdout
    db = tandem(tmp_path, "db", "--help").stdout
    assert re.search(r"upgrade\s+bring the schema", db) and re.search(r"current\s+print", db)
    bench = tandem(tmp_path, "bench", "--help").stdout
    for name in ("updates", "matching", "dispatch", "webhook"):
        assert re.search(rf"\n\s+{name}\s+\w", bench), name
    webhook = tandem(tmp_path, "bench", "webhook", "--help").stdout
    assert "--updates" in webhook and "--learners" not in webhook and "--messages" not in webhook


def test_admin_and_db_work_in_a_fresh_directory(tmp_path: Path) -> None:
    invite = tandem(tmp_path, "admin", "invite", "coordinator")
    assert invite.returncode == 0, invite.stderr
    code, *rest = invite.stdout.splitlines()
    assert CODE.match(code)
    said = "\n".join(rest)
    assert f"sends the bot: /start {code}" in said
    assert "needs the bot's username: set TANDEM_BOT_USERNAME" in said
    assert "your_bot" not in said
    assert (tmp_path / "var" / "tandem.db").exists()

    stats = tandem(tmp_path, "admin", "stats")
    assert (stats.returncode, stats.stdout.strip()) == (
        0,
        "people=0 unreachable=0 in_conversation=0 jobs_pending=0 outbox_pending=0",
    )
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    current = tandem(fresh, "db", "current")
    assert current.returncode == 0, current.stderr
    assert current.stdout.startswith("database at revision none (no schema yet)")
    assert "`tandem db upgrade`" in current.stdout
    upgraded = tandem(fresh, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    head = re.search(r"this release: (\w+)", upgraded.stdout)
    assert head and upgraded.stdout.startswith(f"database at revision {head[1]} ")


def test_the_invite_link_with_the_bots_username(tmp_path: Path) -> None:
    result = tandem(tmp_path, "admin", "invite", "coordinator", bot_username="nord_mentoring_bot")
    code = result.stdout.split()[0]
    assert (
        f"opens https://t.me/nord_mentoring_bot?start={code}\nor sends the bot: /start {code}"
        in result.stdout
    )


def test_operator_commands_load_no_telegram_framework(tmp_path: Path) -> None:
    """What made `tandem admin` take 4.5 s: it built the whole bot, aiogram's 600 models included."""
    program = (
        "import sys\nfrom bot.cli import main\n"
        "assert main(['admin', 'invite', 'coordinator']) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiogram', 'telegram'}))"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", [("db", "current"), ("db", "upgrade"), ("admin", "stats")])
def test_an_unreachable_database_is_one_line_with_host_port_and_the_setting(
    tmp_path: Path, command: tuple[str, str]
) -> None:
    port = free_port()  # nothing listens there
    result = tandem(tmp_path, *command, database_url=f"postgresql://tandem:s3cret@127.0.0.1:{port}/tandem")
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(
        f"tandem {command[0]}: cannot reach the database at 127.0.0.1:{port} (connection refused)"
    )
    assert "TANDEM_DATABASE_URL" in line
    assert "s3cret" not in line and "tandem:***@" in line


def test_a_sqlite_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    result = tandem(tmp_path, "admin", "stats", database_url=f"sqlite:///{tmp_path / 'taken' / 'tandem.db'}")
    assert result.returncode == 1
    assert one_line(result).startswith(f"tandem admin: cannot open the SQLite database {tmp_path / 'taken'}")


def test_an_unsupported_database_url_says_which_to_use(tmp_path: Path) -> None:
    result = tandem(tmp_path, "db", "current", database_url="mysql://tandem:s3cret@db/tandem")
    assert result.returncode == 2
    assert one_line(result) == (
        "tandem: configuration error: TANDEM_DATABASE_URL: unsupported database URL mysql://…: "
        "use sqlite:/// (one process) or postgresql:// (several replicas)"
    )


def test_a_misspelled_variable_is_warned_about_with_the_nearest_setting(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TANDEM_TIMEZONE_NAME=Europe/Paris\n", encoding="utf-8")
    result = tandem(tmp_path, "admin", "stats", token="123:abc", log_format="text", phrases_dir=str(tmp_path))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 2, result.stderr
    assert warnings[0].endswith(
        "TANDEM_TIMEZONE_NAME is not a Tandem setting and is ignored (did you mean TANDEM_TIMEZONE?)"
    )
    assert warnings[1].endswith(
        "TANDEM_TOKEN is not a Tandem setting and is ignored (did you mean TANDEM_BOT_TOKEN?)"
    )
    assert "123:abc" not in result.stderr


def test_every_tandem_variable_the_code_reads_is_a_setting_or_listed() -> None:
    """So that the warning above never cries wolf about a variable Tandem does read."""
    from bot.config import OTHER_VARIABLES, unknown_variables

    named = set()
    for folder in ("bot", "conversations", "storage", "handlers", "tools", "tests", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".sh", "") and path.is_file():
                named |= set(
                    re.findall(r"\bTANDEM_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text(errors="ignore"))
                )
    typos_in_tests = {"TANDEM_TOKEN", "TANDEM_TIMEZONE_NAME"}
    assert unknown_variables(named - typos_in_tests) == []
    assert OTHER_VARIABLES <= named


def test_a_bot_api_that_refuses_the_token_is_named_without_repeating_the_token() -> None:
    from bot.runtime.service import bot_api_problem

    class InvalidToken(Exception):  # as PTB's: its message quotes the token
        pass

    said = bot_api_problem(InvalidToken("The token `42:SECRET` was rejected by the server."), None)
    assert said == (
        "the Bot API at https://api.telegram.org refused to start the bot (InvalidToken): "
        "check TANDEM_BOT_TOKEN (and TANDEM_WEBHOOK_URL with --webhook)"
    )


def test_a_failing_query_is_no_connection_problem_and_keeps_its_traceback() -> None:
    from sqlalchemy.exc import OperationalError

    from storage.database import unreachable

    query = OperationalError("UPDATE people SET first_name=?", {}, Exception("disk I/O error"))
    assert unreachable(query, "sqlite+aiosqlite:///var/tandem.db") is None
    assert unreachable(ValueError("a bug"), "postgresql+asyncpg://tandem@db/tandem") is None
    connecting = OperationalError(None, None, Exception("unable to open database file"))
    assert unreachable(connecting, "sqlite+aiosqlite:///var/tandem.db") == (
        "cannot open the SQLite database var/tandem.db (unable to open database file): "
        "check TANDEM_DATABASE_URL and that its folder can be written to"
    )
