"""How a guided conversation is declared: a flow is a list of steps a reader can check at a glance."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.context import Context
from bot.i18n import N_

END = "__end__"


class StepKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    LOCATION = "location"
    YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str  # a msgid, translated when shown, unless ``translate`` is false
    translate: bool = True


Options = tuple[Option, ...] | Callable[[], tuple[Option, ...]]
Next = str | Callable[[Mapping[str, Any]], str] | None
Validator = Callable[[Any], str | None]  # returns the msgid of a hint, or None when fine
Apply = Callable[[Context, Any], Awaitable[None]]
Completion = Callable[[Context, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    prompt: str  # msgid; may use {name} and earlier answers by step id
    kind: StepKind
    options: Options = ()
    validate: Validator | None = None
    max_length: int = 200
    min_value: float | None = None
    max_value: float | None = None
    optional: bool = False
    next: Next = None  # None: the following step (or the end)
    apply: Apply | None = None  # write the answer to the domain at once (e.g. the language)
    columns: int = 1

    def choices(self) -> tuple[Option, ...]:
        if self.kind is StepKind.YES_NO:
            return (Option("yes", N_("Yes")), Option("no", N_("No")))
        return self.options() if callable(self.options) else self.options


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    on_complete: Completion
    nudge_after: timedelta | None = timedelta(hours=24)

    def __post_init__(self) -> None:
        ids = [s.id for s in self.steps]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"flow {self.name!r}: step ids must be present and unique")
        for step in self.steps:
            if isinstance(step.next, str) and step.next not in (*ids, END):
                raise ValueError(f"flow {self.name!r}: step {step.id!r} goes to unknown {step.next!r}")
            needs_options = step.kind in (StepKind.CHOICE, StepKind.MULTI_CHOICE)
            if needs_options and not callable(step.options) and not step.options:
                raise ValueError(f"flow {self.name!r}: step {step.id!r} has no options")

    @property
    def first(self) -> Step:
        return self.steps[0]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"flow {self.name!r} has no step {step_id!r}")

    def after(self, step: Step, answers: Mapping[str, Any]) -> str:
        if callable(step.next):
            return step.next(answers)
        if step.next is not None:
            return step.next
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else END
