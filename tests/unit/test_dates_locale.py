"""Whose customs dates and times follow: the programme's region (its file's ``region``, else the
country of its time zone), in the reader's language; numbers stay in the language's own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError
from bot.i18n import Translator, dates_locale, region_of
from bot.rules import load_rules

BERLIN = ZoneInfo("Europe/Berlin")
CHRISTMAS_EVE = dt.datetime(2026, 12, 24, 23, 3, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("language", "region", "dates"),
    [
        ("en", "DE", "en_DE"),  # CLDR's English as written in Germany
        ("en", "LU", "en_GB"),  # CLDR has no en_LU: British English, as elsewhere in Europe
        ("en", "TR", "en_GB"),
        ("en", "US", "en_US"),
        ("en", "JP", "en_JP"),
        ("en", "BR", "en"),  # no en_BR, not in Europe: the language's own
        ("en", None, "en"),
        ("de", "AT", "de_AT"),  # Jänner
        ("fr", "CH", "fr_CH"),
        ("fr", "DE", "fr"),
        ("pt_BR", "DE", "pt_BR"),  # a language with its own region keeps it
    ],
)
def test_the_locale_of_dates(language: str, region: str | None, dates: str) -> None:
    assert dates_locale(language, region) == dates


def test_an_english_reader_in_a_german_programme_reads_european_dates_and_24_hour_times() -> None:
    european, american = Translator("en", BERLIN, "DE"), Translator("en", BERLIN)
    assert european.datetime(CHRISTMAS_EVE, "short") == "24/12/2026, 23:03"
    assert american.datetime(CHRISTMAS_EVE, "short").replace("\u202f", " ") == "12/24/26, 11:03 PM"
    assert european.date(CHRISTMAS_EVE, "short") == "24/12/2026"
    assert european.date(CHRISTMAS_EVE) == "24 Dec 2026"
    assert european.time(CHRISTMAS_EVE) == "23:03"
    assert european.moment(CHRISTMAS_EVE) == "Thursday, 24 December 2026 at 23:03"
    assert european.day(CHRISTMAS_EVE.date()) == "Thu, 24 Dec"
    assert european.number(1234.5) == "1,234.5"  # as English speakers type them
    assert Translator("de", BERLIN, "AT").date(dt.date(2027, 1, 6), "long") == "6. Jänner 2027"


def test_the_region_comes_from_the_file_else_from_the_time_zone(tmp_path: Path) -> None:
    assert (region_of("Europe/Berlin"), region_of("America/Chicago"), region_of("UTC")) == ("DE", "US", None)
    shipped = load_rules()
    assert shipped.region is None and shipped.region_for("UTC") == "DE"  # its zone is Europe/Berlin
    path = tmp_path / "programme.toml"
    path.write_text('region = "IE"\n', encoding="utf-8")
    assert load_rules(path).region_for("Europe/Berlin") == "IE"
    path.write_text("", encoding="utf-8")
    assert load_rules(path).region_for("Europe/Paris") == "FR"  # TANDEM_TIMEZONE's country


@pytest.mark.parametrize("region", ["de", "XX", "GER"])
def test_an_unknown_region_stops_start_up_naming_the_key(tmp_path: Path, region: str) -> None:
    path = tmp_path / "programme.toml"
    path.write_text(f'region = "{region}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}: region: ")
