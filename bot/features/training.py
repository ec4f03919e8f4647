"""The mentor training in the chat: /training shows the module in progress and its quiz question.

Buttons carry ``tr1:<module>:<question>:<option>`` (an answer) or ``tr1:<module>:go`` (start
the module). A press counts only for the module and question the mentor is at, so an old or
forged press is answered and changes nothing. Progress is two numbers on the person: a restart,
or a language switch, continues where they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import Callback, pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound
from bot.feature import MENTORS, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from bot.services import readiness
from bot.services.courses import Course, Question, shipped_courses

PREFIX = "tr1"


@dataclass(frozen=True)
class CarryOn(Callback, prefix=PREFIX):
    module: int
    go: Literal["go"]


@dataclass(frozen=True)
class Answer(Callback, prefix=PREFIX):
    module: int
    question: int
    option: int


def course_of(ctx: Context) -> Course:
    """The course in the reader's language."""
    return shipped_courses()(ctx.t.locale)


async def command(ctx: Context, event: Inbound) -> None:
    person = ctx.person
    if person.role != "mentor" or person.screening in (None, "rejected"):
        await ctx.say(ctx.t(N_("The training is for volunteer mentors who have applied.")))
        return
    if person.training_done_at is not None:
        done = ctx.t.date(person.training_done_at)
        await ctx.say(ctx.t(N_("You finished the training on {date}. Thank you!"), date=done))
        return
    course = course_of(ctx)
    if person.training_module == 0 and person.training_question == 0:
        await ctx.say(f"{course.title}\n\n{course.intro}")
    await _module(ctx)


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    person = ctx.person
    press = unpack(event.data, CarryOn, Answer)
    if (
        press is None
        or person.role != "mentor"
        or person.training_done_at is not None
        or press.module != person.training_module
    ):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    module = person.training_module
    if isinstance(press, CarryOn):
        ctx.answer_button(event.callback_id)
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        await _module(ctx)
        return
    if press.question != person.training_question:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    question = course_of(ctx).module[module].quiz[person.training_question]
    if press.option >= len(question.options):
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    await _answered(ctx, event, question, press.option)


async def _answered(ctx: Context, event: ButtonPress, question: Question, choice: int) -> None:
    person = ctx.person
    right = choice == question.answer
    mark = "✓" if right else "✗"
    ctx.answer_button(event.callback_id, ctx.t(N_("Right!")) if right else ctx.t(N_("Not quite.")))
    if event.message_id is not None:
        await ctx.edit(event.message_id, f"{question.question}\n\n→ {question.options[choice]} {mark}")
    if not right:
        await ctx.say(ctx.t(N_("Not quite. {why}"), why=question.why))
        await _question(ctx)
        return
    course = course_of(ctx)
    module = course.module[person.training_module]
    if person.training_question + 1 < len(module.quiz):
        person.training_question += 1
        await _question(ctx)
        return
    person.training_module += 1
    person.training_question = 0
    if person.training_module < len(course.module):
        following = course.module[person.training_module]
        text = ctx.t(
            N_("Module {done} of {total} done. Next: “{title}”. Carry on now, or later with /training."),
            done=person.training_module,
            total=len(course.module),
            title=following.title,
        )
        keyboard = ((Button(ctx.t(N_("Carry on")), data=pack(CarryOn(person.training_module, "go"))),),)
        await ctx.say(text, keyboard)
        return
    person.training_done_at = ctx.now
    await ctx.uow.audit.record(ctx.now, None, "training.done", person)
    await ctx.say(course.done)
    name = person.preferred_name or person.first_name
    await ctx.tell_coordinators(N_("{name} finished the mentor training."), name=name)
    await readiness.update(ctx, person)


async def _module(ctx: Context) -> None:
    """The module in progress: its title and messages, then the question the mentor is at."""
    course = course_of(ctx)
    index = ctx.person.training_module
    module = course.module[index]
    if ctx.person.training_question == 0:
        heading = ctx.t(
            N_("Module {number} of {total}: {title}"),
            number=index + 1,
            total=len(course.module),
            title=module.title,
        )
        await ctx.say(heading + "\n\n" + module.messages[0])
        for text in module.messages[1:]:
            await ctx.say(text)
    await _question(ctx)


async def _question(ctx: Context) -> None:
    person = ctx.person
    question = course_of(ctx).module[person.training_module].quiz[person.training_question]
    module, number = person.training_module, person.training_question
    keyboard = tuple(
        (Button(text, data=pack(Answer(module, number, i))),) for i, text in enumerate(question.options)
    )
    await ctx.say(question.question, keyboard)


FEATURE = Feature(
    "training",
    commands=(CommandEntry("training", command, N_("The mentor training, from where you stopped"), MENTORS),),
    buttons={PREFIX: pressed},
    help=(HelpLine(N_("/training – the short mentor training, from where you stopped"), MENTORS),),
)
