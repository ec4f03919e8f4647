"""Settings and log format of the production path: webhook secret, replicas' shares, JSON lines."""

from __future__ import annotations

import json
import logging

import pytest

from bot.app import build
from bot.clock import SystemClock
from bot.config import ConfigError, load_settings
from bot.runtime.logs import json_formatter
from bot.runtime.service import Service


def test_replicas_share_the_bulk_budget_whole_and_divide_a_groups_pace() -> None:
    one = load_settings(send_per_second=24).send_rates
    three = load_settings(send_per_second=24, replicas=3).send_rates
    # The overall budget is shared through the database (bot.runtime.budget), not divided.
    assert (one.per_second, three.per_second, three.burst) == (24, 24, 24)
    assert three.group_per_minute == one.group_per_minute / 3  # each replica writes to the group
    assert three.chat_per_second == one.chat_per_second  # a chat's pace is the chat's


@pytest.mark.parametrize("secret", ["has space", "x" * 257, "ümlaut", "semi;colon"])
def test_a_webhook_secret_telegram_would_refuse_is_refused_at_start(secret: str) -> None:
    with pytest.raises(ConfigError, match=r"^TANDEM_WEBHOOK_SECRET: must be 1-256 characters"):
        load_settings(webhook_secret=secret)


def test_webhook_mode_needs_a_secret_and_a_path_starting_with_a_slash() -> None:
    settings = load_settings(bot_token="42:TEST")
    with pytest.raises(ConfigError, match=r"^TANDEM_WEBHOOK_SECRET: required in webhook mode"):
        Service(settings, SystemClock(), build, webhook=True)
    with pytest.raises(ConfigError, match=r"^TANDEM_WEBHOOK_PATH: must start with /"):
        load_settings(webhook_path="telegram")
    assert load_settings(webhook_secret="Abc_123-x").webhook_secret == "Abc_123-x"


def test_json_logs_are_one_object_a_line_with_level_logger_and_the_replica() -> None:
    record = logging.LogRecord(
        "bot.runtime.dispatcher", logging.INFO, __file__, 1, "update %s handled", (42,), None
    )
    line = json_formatter().format(record)
    assert "\n" not in line
    event = json.loads(line)
    assert event["message"] == "update 42 handled"
    assert (event["level"], event["logger"]) == ("INFO", "bot.runtime.dispatcher")
    assert {"time", "host", "pid"} <= set(event)
