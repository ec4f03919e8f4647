"""The programme file: the shipped example loads; mistakes stop start-up naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.rules import distance_km, load_rules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_is_valid_and_finds_places_as_people_type_them() -> None:
    rules = load_rules()
    assert rules.digital_consent_age == 16 and rules.timezone == "Europe/Berlin"
    place = rules.place("  berlin-NEUKOLLN ")  # case, accents and spaces forgiven
    assert place is not None and place.name == "Berlin-Neukölln"
    assert rules.place("Atlantis") is None
    near = rules.nearest_place(52.49, 13.43)
    assert near is not None and near.name == "Berlin-Neukölln"
    assert rules.nearest_place(40.4, -3.7) is None  # Madrid is near none of them
    assert rules.zone_choices("UTC")[0] == "Europe/Berlin"


def test_an_empty_file_means_every_default(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, ""))
    assert (rules.name, rules.places, rules.timezone, rules.digital_consent_age) == ("Tandem", (), None, 16)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "digital_consent_age = 12",
            "programme.toml: digital_consent_age: Input should be greater than or equal to 13",
        ),
        ('timezone = "Mars/Olympus"', "programme.toml: timezone: unknown time zone 'Mars/Olympus'"),
        (
            '[[places]]\nname = "A"\nlat = 95\nlon = 1',
            "programme.toml: places[0].lat: Input should be less than or equal to 90",
        ),
        (
            '[[places]]\nname = "Köln"\nlat = 1\nlon = 1\n[[places]]\nname = "koln"\nlat = 2\nlon = 2',
            "places: 'koln' is listed twice",
        ),
        ("colour = 'blue'", "programme.toml: colour: Extra inputs are not permitted"),
        ("name = ", "programme.toml: not valid TOML"),
        ('name = { de = "Nur Deutsch" }', "programme.toml: name: needs at least an English name"),
        ('name = "  "', "programme.toml: name: a name has 1 to 80 characters"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_name_is_one_for_every_language_or_one_per_language(tmp_path: Path) -> None:
    plain = load_rules(write(tmp_path, 'name = "Tandem Berlin"'))
    assert plain.name_in("de") == plain.name_in("fr") == "Tandem Berlin"
    per_language = load_rules(write(tmp_path, 'name = { en = "Tandem Vienna", de = "Tandem Wien" }'))
    assert per_language.name_in("de_AT") == "Tandem Wien"  # the language of a regional locale
    assert per_language.name_in("fr") == "Tandem Vienna"  # a language left out reads English
    assert load_rules().name_in("de") == "Tandem-Beispielprogramm"  # the shipped example has the table


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml: cannot be read"):
        load_rules(tmp_path / "nowhere.toml")


def test_great_circle_distance() -> None:
    assert distance_km(52.52, 13.40, 48.86, 2.35) == pytest.approx(878, abs=5)  # Berlin-Paris
    assert distance_km(1, 1, 1, 1) == 0
