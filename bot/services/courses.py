"""The mentor training course: data files per language, checked at start-up.

``locales/<lang>/training.toml`` holds the course a programme may adapt: modules of a few
messages, each ending in one or two quiz questions. Every shipped language must have the same
modules in the same order with the same questions and right answers, so progress (module and
question numbers) means the same whichever language a mentor switches to.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.config import ConfigError, read_model
from bot.i18n import LOCALE_DIR, shipped_locales

FILE = "training.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    question: str = Field(min_length=1, max_length=300)
    options: tuple[str, ...] = Field(min_length=2, max_length=4)
    answer: int = Field(ge=0)
    why: str = Field(min_length=1, max_length=400)

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> Question:
        if self.answer >= len(self.options):
            raise ValueError(f"answer {self.answer} is not one of the {len(self.options)} options")
        if any(not option or len(option) > 60 for option in self.options):
            raise ValueError("options must be 1 to 60 characters (they are buttons)")
        return self


class Module(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    title: str = Field(min_length=1, max_length=100)
    messages: tuple[str, ...] = Field(min_length=1, max_length=6)
    quiz: tuple[Question, ...] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _short_messages(self) -> Module:
        if any(not text.strip() or len(text) > 3500 for text in self.messages):
            raise ValueError("messages must be 1 to 3500 characters (Telegram's limit is 4096)")
        return self


class Course(_Strict):
    title: str = Field(min_length=1, max_length=100)
    intro: str = Field(min_length=1, max_length=1000)
    done: str = Field(min_length=1, max_length=1000)
    module: tuple[Module, ...] = Field(min_length=1, max_length=12)


class Courses:
    """The course in every shipped language; a reader's language, else English."""

    def __init__(self, by_language: dict[str, Course]) -> None:
        self.by_language = by_language
        self.size = len(by_language["en"].module)

    def __call__(self, locale: str) -> Course:
        return self.by_language.get(locale) or self.by_language["en"]


def load_courses(folder: Path = LOCALE_DIR) -> Courses:
    """Read and cross-check every language's course; a mistake names the file and the key."""
    courses: dict[str, Course] = {}
    for code in shipped_locales():
        path = folder / code / FILE
        if not path.exists():
            if code == "en":
                raise ConfigError(f"{path}: missing (the English course is required)")
            continue  # a language without its own course reads the English one
        courses[code] = _read(path)
    reference = courses["en"]
    for code, course in courses.items():
        _same_shape(folder / code / FILE, reference, course)
    return Courses(courses)


@cache
def shipped_courses() -> Courses:
    """The shipped course, read once per process (``load_courses`` checks it at start-up)."""
    return load_courses()


def _read(path: Path) -> Course:
    return read_model(str(path), path.read_text(encoding="utf-8"), Course)


def _same_shape(path: Path, reference: Course, course: Course) -> None:
    if [m.id for m in course.module] != [m.id for m in reference.module]:
        raise ConfigError(f"{path}: the modules differ from the English course's (ids and order)")
    for index, (theirs, ours) in enumerate(zip(course.module, reference.module, strict=True)):
        shape = [(len(q.options), q.answer) for q in theirs.quiz]
        if shape != [(len(q.options), q.answer) for q in ours.quiz]:
            raise ConfigError(
                f"{path}: module[{index}] ({theirs.id}): its questions, options or right answers "
                "differ from the English course's"
            )
