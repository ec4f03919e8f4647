import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_FRAMEWORK", raising=False)
    settings = load_settings()
    assert settings.framework == "aiogram"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("var/tandem.db")


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TANDEM_FRAMEWORK", "telethon", "TANDEM_FRAMEWORK"),
        ("TANDEM_BOT_TOKEN", "not-a-token", "TANDEM_BOT_TOKEN"),
        ("TANDEM_TIMEZONE", "Mars/Olympus", "TANDEM_TIMEZONE"),
        ("TANDEM_DEFAULT_LOCALE", "xx_YY_ZZ", "TANDEM_DEFAULT_LOCALE"),
        ("TANDEM_COORDINATOR_CHAT_ID", "coordinators", "TANDEM_COORDINATOR_CHAT_ID"),
        ("TANDEM_API_BASE_URL", "localhost:8081", "TANDEM_API_BASE_URL"),
        ("TANDEM_DATABASE_URL", "var/tandem.db", "TANDEM_DATABASE_URL"),
    ],
)
def test_a_malformed_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(named + ":")
    assert "\n" not in message


def test_plain_database_urls_get_async_drivers() -> None:
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    assert load_settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_start_up_stops_with_one_line_not_a_traceback(tmp_path: pytest.TempPathFactory) -> None:
    env = {"PATH": "/usr/bin:/bin", "TANDEM_TIMEZONE": "Nowhere/Town", "HOME": str(tmp_path)}
    result = run_cli("run", env=env)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "tandem: configuration error: TANDEM_TIMEZONE: unknown time zone 'Nowhere/Town'"
    )


def test_run_refuses_to_start_without_a_token(tmp_path: pytest.TempPathFactory) -> None:
    result = run_cli("run", env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "TANDEM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_programme_file_stops_start_up_before_the_database(tmp_path: Path) -> None:
    programme = tmp_path / "programme.toml"
    programme.write_text('name = "Nord"\ndigital_consent_age = 40\n', encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TANDEM_BOT_TOKEN": "123:abc",
        "TANDEM_PROGRAMME_FILE": str(programme),
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
    }
    result = run_cli("run", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"tandem: configuration error: {programme}: digital_consent_age: "
        "Input should be less than or equal to 18"
    )
    assert not (tmp_path / "never.db").exists()
