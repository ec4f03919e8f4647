"""Deployment settings, read once from ``TANDEM_*`` environment variables (and ``.env``).

A missing or malformed setting stops start-up with one line that names the variable.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

ENV_PREFIX = "TANDEM_"
# TANDEM_* variables that are not settings: read where they are used (the phrase lists), or by
# the tests and their tools. Anything else with the prefix is a typo worth a warning.
OTHER_VARIABLES = frozenset(
    {"TANDEM_PHRASES_DIR", "TANDEM_TEST_POSTGRES_URL", "TANDEM_TEST_WORKERS", "TANDEM_CHROMIUM"}
)
DATABASE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "postgresql", "postgres", "postgresql+asyncpg")
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{1,}$")
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True, slots=True)
class SendRates:
    """How fast Tandem sends; the defaults stay below Telegram's published limits."""

    enabled: bool = True
    per_second: float = 25.0
    burst: float = 25.0
    chat_per_second: float = 1.0
    chat_burst: float = 3.0
    group_per_minute: float = 18.0
    group_burst: float = 5.0
    paid_per_second: float = 1000.0  # paid broadcasts (allow_paid_broadcast), Telegram's rate


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: str | None = None
    bot_username: str | None = None  # for deep links printed offline (tandem admin); else getMe
    framework: Literal["aiogram", "ptb"] = "aiogram"
    database_url: str = Field(default_factory=lambda: f"sqlite+aiosqlite:///{Path('var/tandem.db')}")
    default_locale: str = "en"
    timezone: str = "Europe/Berlin"  # when the programme file names none
    programme_file: Path | None = None  # the programme's rules (TOML); the shipped example if unset
    coordinator_chat_id: int | None = None
    api_base_url: str | None = None
    polling_timeout: int = Field(default=10, ge=0, le=50)
    # How long a Bot API call may take. A send that gets no answer by then may still have reached
    # the person: it is sent once more later, never more (see docs/operations.md).
    request_timeout: float = Field(default=30.0, gt=0, le=300)
    tick_seconds: float = Field(default=5.0, gt=0, le=3600)
    # The outbox's pace, below Telegram's limits (about 30/s of bulk for the whole bot, shared by
    # the replicas; 1/s a chat; 20/min a group).
    send_limits: bool = True
    send_per_second: float = Field(default=25.0, gt=0, le=1000)
    send_per_chat_per_second: float = Field(default=1.0, gt=0, le=100)
    send_chat_burst: float = Field(default=3.0, ge=1, le=100)
    send_per_group_per_minute: float = Field(default=18.0, gt=0, le=1000)
    # Scheduled messages that cannot fit their windows at send_per_second go as Telegram's paid
    # broadcasts (up to 1,000 a second, a fee per message beyond the free rate) instead of late.
    allow_paid_broadcast: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # json: one JSON object a line (journald, containers); text: for a terminal; auto: json
    # unless standard error is a terminal.
    log_format: Literal["auto", "json", "text"] = "auto"
    # How many replicas run: each takes its share of the per-group limit (a coordinators' group
    # hears from every replica). The overall bulk budget is not divided: replicas share it
    # through the database. A chat's own pace stays whole: one person's messages come from the
    # replica handling their conversation.
    replicas: int = Field(default=1, ge=1, le=64)
    # The HTTP server of `tandem run`: /healthz, /readyz, /metrics, and the webhook (0: any free port).
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Webhook mode: Telegram posts updates to webhook_url (this server's webhook_path behind a
    # proxy), with webhook_secret in its X-Telegram-Bot-Api-Secret-Token header.
    webhook_url: str | None = None
    webhook_path: str = "/telegram"
    webhook_secret: str | None = None
    # The coordinators' console (/console on this server): the address people open it at, as the
    # sign-in links the bot sends and the Mini App's menu button name it (https:// in production).
    public_url: str | None = None
    # `tandem run` logs one line of what it did (updates, messages sent, queue, errors) this often
    # (minutes; 0: never).
    summary_minutes: float = Field(default=5.0, ge=0, le=24 * 60)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and value != "" and not TOKEN_PATTERN.match(value):
            raise ValueError("does not look like a bot token (expected 123456:ABC...)")
        return value or None

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        try:
            Locale.parse(value.replace("-", "_"))
        except (ValueError, UnknownLocaleError) as exc:
            raise ValueError(f"unknown locale {value!r}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("is not a database URL (e.g. sqlite:///var/tandem.db)")
        scheme, rest = value.split("://", 1)
        if scheme not in DATABASE_SCHEMES:  # the rest may hold a password: never repeated
            raise ValueError(
                f"unsupported database URL {scheme}://…: use sqlite:/// (one process) "
                "or postgresql:// (several replicas)"
            )
        if scheme == "sqlite":
            return "sqlite+aiosqlite://" + rest
        if scheme in ("postgresql", "postgres"):
            return "postgresql+asyncpg://" + rest
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None) -> str | None:
        if value and not SECRET_PATTERN.fullmatch(value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value or None

    @field_validator("webhook_path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_https(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the https:// URL of the webhook (http:// for a local Bot API server)")
        return value or None

    @field_validator("public_url")
    @classmethod
    def _public_url_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the https:// address the console is reached at")
        return value.rstrip("/") if value else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def send_rates(self) -> SendRates:
        return SendRates(
            enabled=self.send_limits,
            per_second=self.send_per_second,
            burst=max(1.0, self.send_per_second),
            chat_per_second=self.send_per_chat_per_second,
            chat_burst=self.send_chat_burst,
            group_per_minute=self.send_per_group_per_minute / self.replicas,
            paid_per_second=1000.0 / self.replicas,
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment, turning validation errors into one line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {message}") from None


def warn_of_unknown_variables() -> None:
    """A ``TANDEM_*`` variable that is no setting is most likely a typo (``TANDEM_TOKEN``), which
    would otherwise be ignored without a word: one warning each, at start-up."""
    for warning in unknown_variables(_variables_seen()):
        log.warning("%s", warning)


def unknown_variables(names: Iterable[str]) -> list[str]:
    """A warning for each ``TANDEM_*`` name that is no setting, with the nearest one if any."""
    known = [ENV_PREFIX + field.upper() for field in Settings.model_fields]
    warnings = []
    for name in sorted(set(names)):
        if not name.startswith(ENV_PREFIX) or name in known or name in OTHER_VARIABLES:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else " (README: Configuration lists them)"
        warnings.append(f"{name} is not a Tandem setting and is ignored{hint}")
    return warnings


def _variables_seen(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The environment's names and the ``.env`` file's, as pydantic-settings reads them."""
    names = [name.upper() for name in environ]
    dotenv = Path(".env")
    if dotenv.is_file():
        from dotenv import dotenv_values

        names += [name.upper() for name in dotenv_values(dotenv)]
    return names


# --- programme data in TOML files (the programme's rules, the training course), read into checked
# models: a mistake is one line naming the file and the key, the way the file reads it.

Model = TypeVar("Model", bound=BaseModel)


def read_model(name: str, text: str, model: type[Model]) -> Model:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = dotted(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {key}: {message}" if key else f"{name}: {message}") from None


def dotted(location: tuple[int | str, ...]) -> str:
    """``("places", 2, "lat")`` as ``places[2].lat``."""
    key = ""
    for part in location:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key
