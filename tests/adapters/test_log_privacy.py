"""Framework log lines that would quote an update or a request keep only ids and types."""

from __future__ import annotations

import logging

import pytest

from handlers import log_privacy

SECRET = "mein Chef schreit mich jeden Tag an"


@pytest.fixture(autouse=True)
def installed() -> None:
    log_privacy.install("aiogram")
    log_privacy.install("telegram")


def test_aiogram_fetch_failure_withholds_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    error = ValueError(f"Content: {{'text': '{SECRET}'}}")
    logging.getLogger("aiogram.dispatcher").error(
        "Failed to fetch updates - %s: %s", "ClientDecodeError", error
    )
    assert SECRET not in caplog.text
    assert "Failed to fetch updates - ClientDecodeError: ValueError" in caplog.text


@pytest.mark.parametrize("name", ["telegram.Bot", "telegram.ext.ExtBot"])
def test_ptb_parse_failure_and_debug_calls_withhold_data(caplog: pytest.LogCaptureFixture, name: str) -> None:
    logger = logging.getLogger(name)
    with caplog.at_level(logging.DEBUG, logger=name):
        try:
            raise TypeError(SECRET)
        except TypeError as exc:
            logger.critical("Error while parsing updates! Received data was %r", [SECRET], exc_info=exc)
        logger.debug("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"text": SECRET})
        logger.debug("Set Bot API URL: %s", "http://127.0.0.1:1/bot42:TEST")
    assert SECRET not in caplog.text and "42:TEST" not in caplog.text
    assert "sendMessage" in caplog.text and "(TypeError)" in caplog.text


def test_other_lines_untouched(caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("aiogram.dispatcher").error("Polling stopped for %s", "some reason here")
    assert "some reason here" in caplog.text


def test_installing_twice_adds_one_filter() -> None:
    log_privacy.install("telegram")
    filters = logging.getLogger("telegram.ext.ExtBot").filters
    assert sum(isinstance(f, log_privacy.WithholdPayloads) for f in filters) == 1


def test_ptb_updater_parse_failure_keeps_only_the_type(caplog: pytest.LogCaptureFixture) -> None:
    template = log_privacy.PAYLOAD_LINES["telegram.ext.Updater"]
    try:
        raise ValueError(SECRET)
    except ValueError as exc:
        logging.getLogger("telegram.ext.Updater").critical(next(iter(template)), exc_info=exc)
    assert SECRET not in caplog.text and "(ValueError)" in caplog.text
