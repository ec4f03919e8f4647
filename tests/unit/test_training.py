"""The training course files: the shipped ones agree; a mistake stops start-up naming file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.i18n import LOCALE_DIR, shipped_locales
from bot.services.courses import load_courses


def copy_courses(tmp_path: Path) -> Path:
    for code in shipped_locales():
        (tmp_path / code).mkdir()
        shutil.copy(LOCALE_DIR / code / "training.toml", tmp_path / code / "training.toml")
    return tmp_path


def test_every_shipped_language_has_the_same_course() -> None:
    courses = load_courses()
    assert courses.size == 6
    assert set(courses.by_language) == set(shipped_locales())
    ids = [m.id for m in courses("en").module]
    assert ids == ["role", "trust", "goals", "safeguarding", "escalation", "practical"]
    assert all([m.id for m in courses(code).module] == ids for code in shipped_locales())
    assert courses("fi") is courses("en")  # a language without its own course reads English


def test_a_different_right_answer_in_one_language_is_refused(tmp_path: Path) -> None:
    folder = copy_courses(tmp_path)
    path = folder / "de" / "training.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("answer = 1", "answer = 0", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"de/training\.toml: module\[0\] \(role\): .* right answers"):
        load_courses(folder)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("answer = 1", "answer = 7", r"module\[0\]\.quiz\[0\]: .*answer 7 is not one of the 3 options"),
        ('id = "trust"', 'id = "Trust!"', r"module\[1\]\.id: String should match pattern"),
        ('title = "Mentor training"', "", r"title: Field required"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    folder = copy_courses(tmp_path)
    path = folder / "en" / "training.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_courses(folder)


def test_a_missing_english_course_is_named(tmp_path: Path) -> None:
    folder = copy_courses(tmp_path)
    (folder / "en" / "training.toml").unlink()
    with pytest.raises(ConfigError, match=r"en/training\.toml: missing"):
        load_courses(folder)
