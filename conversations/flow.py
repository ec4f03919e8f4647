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
REVIEW = "__review__"  # the summary at the end of a flow that has one, with "edit a field" buttons


class StepKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    LOCATION = "location"
    YES_NO = "yes_no"
    FILE = "file"  # a photo or a document (a receipt), kept by its Telegram file id


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str  # a msgid, translated when shown, unless ``translate`` is false
    translate: bool = True


Options = tuple[Option, ...] | Callable[[Context], tuple[Option, ...]]
Next = str | Callable[[Mapping[str, Any]], str] | None
Validator = Callable[[Any], str | None]  # returns the msgid of a hint, or None when fine
Apply = Callable[[Context, Any], Awaitable[None]]
Completion = Callable[[Context, dict[str, Any]], Awaitable[str | None]]  # a flow to go on with
Fields = Callable[[Context, Mapping[str, Any]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    prompt: str  # msgid; may use {name} and earlier answers by step id
    kind: StepKind
    options: Options = ()
    validate: Validator | None = None
    check: Callable[[Context, Any], str | None] | None = None  # a validator that needs the context
    max_length: int = 200
    min_value: float | None = None
    max_value: float | None = None
    optional: bool = False
    next: Next = None  # None: the following step (or the end)
    apply: Apply | None = None  # write the answer to the domain at once (e.g. the language)
    columns: int = 1
    free_text: bool = False  # a multi-choice step also takes typed words of one's own
    typed: Callable[[Context, str], Any] | None = None  # a choice step also reads typed words (or a Refusal)
    voice: bool = False  # a text step also takes a voice note: {"voice": file id, "seconds": n}
    # A text step also takes a photo, voice note or document: {"media": kind, "file_id", "caption"}.
    media: bool = False
    lines: bool = False  # a text step keeps the writer's line breaks (a message to pass on)
    label: str | None = None  # msgid naming the answer in the review; None: not shown there
    # The label as others read it (a coordinator's card), where ``label`` speaks to the person:
    # "Fields", not "Your fields". None: ``label`` reads right for everyone.
    others_label: str | None = None
    ask: bool = True  # False: not asked on the way, only shown (and changeable) in the review
    default: Callable[[Context], Any] | None = None  # what the review shows before an answer

    def choices(self, ctx: Context) -> tuple[Option, ...]:
        if self.kind is StepKind.YES_NO:
            return (Option("yes", N_("Yes")), Option("no", N_("No")))
        return self.options(ctx) if callable(self.options) else self.options


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    on_complete: Completion
    nudge_after: timedelta | None = timedelta(hours=24)
    review: bool = False  # end with a summary of the answers and "edit a field" buttons
    # What it is about (a msgid, e.g. "the weekly check-in"), named when it waits on the agenda.
    title: str | None = None
    protected: bool = False  # never set aside for another conversation (a concern being told)
    # Someone waits for the answer (a partner, the coordinators): unanswered after this long, the
    # question is asked again; after as long again, or at /cancel, ``on_unanswered`` tells them.
    answer_within: timedelta | None = None
    on_unanswered: Completion | None = None
    # What the prompts show of the answers, worded each time they are asked (a date or a place in
    # the reader's language of the moment, not of the day the question was started).
    fields: Fields | None = None

    def __post_init__(self) -> None:
        ids = [s.id for s in self.steps]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"flow {self.name!r}: step ids must be present and unique")
        for step in self.steps:
            if isinstance(step.next, str) and step.next not in (*ids, END, REVIEW):
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
        for following in self.steps[self.steps.index(step) + 1 :]:
            if following.ask:
                return following.id
        return END

    def path(self, answers: Mapping[str, Any], entry: str | None = None) -> list[Step]:
        """The steps the answers lead through, then those only shown in the review.

        A flow begun at a later step (``entry``) that its earlier answers do not lead to, as a
        coordinator's welcome begun at the language step, also goes on from there.
        """
        steps = self._walk(self.first.id, answers)
        if entry is not None and self.step(entry) not in steps:
            steps += [step for step in self._walk(entry, answers) if step not in steps]
        return steps + [step for step in self.steps if not step.ask]

    def _walk(self, step_id: str, answers: Mapping[str, Any]) -> list[Step]:
        """From ``step_id`` through the answered steps, to the first unanswered one or a loop."""
        steps: list[Step] = []
        while step_id not in (END, REVIEW) and step_id in answers:
            step = self.step(step_id)
            if step in steps:  # "no, not right" leads back round: each step once
                break
            steps.append(step)
            step_id = self.after(step, answers)
        return steps
