"""The flow engine with every kind of step, driven through the core with a recording messenger."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from bot.clock import VirtualClock
from bot.config import load_settings
from bot.events import (
    Attachment,
    BotCommand,
    ButtonPress,
    Command,
    EditKeyboard,
    EditText,
    Inbound,
    Location,
    Outbound,
    Sender,
    SendText,
    Text,
)
from bot.feature import Feature
from bot.features import basics, joining
from bot.rules import load_rules
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.postman import Postman
from bot.runtime.routes import Routes
from bot.runtime.scheduler import Scheduler
from conversations.flow import END, Flow, Option, Step, StepKind
from storage.database import Database
from storage.migrate import upgrade

ALICE = Sender(user_id=7, first_name="Alice", language_code="en")
RESULTS: list[dict[str, Any]] = []


async def remember(ctx: Any, answers: dict[str, Any]) -> None:
    RESULTS.append(answers)
    await ctx.say("done")


def after_pets(answers: Any) -> str:
    return "pet_name" if answers["pets"] == "yes" else "when"


SURVEY = Flow(
    name="welcome",  # the core's /start starts "welcome"
    steps=(
        Step("age", "How old are you?", StepKind.NUMBER, min_value=10, max_value=99),
        Step("pets", "Do you have pets?", StepKind.YES_NO, next=after_pets),
        Step("pet_name", "Its name?", StepKind.TEXT, max_length=10),
        Step("when", "Since when?", StepKind.DATE, optional=True),
        Step("time", "Best time?", StepKind.TIME),
        Step("where", "Where do you live?", StepKind.LOCATION),
        Step(
            "likes",
            "What do you like?",
            StepKind.MULTI_CHOICE,
            options=(Option("music", "Music"), Option("sport", "Sport"), Option("games", "Games")),
        ),
        Step(
            "colour", "Colour?", StepKind.CHOICE, options=(Option("r", "Red"), Option("b", "Blue")), next=END
        ),
    ),
    on_complete=remember,
)


@dataclass
class Recorder:
    sent: list[Outbound] = field(default_factory=list)
    ids: count[int] = field(default_factory=lambda: count(1))

    async def deliver(self, action: Outbound) -> int | None:
        self.sent.append(action)
        return next(self.ids) if isinstance(action, SendText) else getattr(action, "message_id", None)

    async def set_commands(self, commands: Sequence[BotCommand], **_: Any) -> None:
        return None


@dataclass
class Rig:
    core: Dispatcher
    messenger: Recorder
    clock: VirtualClock
    scheduler: Scheduler
    updates: count[int] = field(default_factory=lambda: count(1))

    async def send(self, make: Any, **fields: Any) -> list[Outbound]:
        mark = len(self.messenger.sent)
        event: Inbound = make(update_id=next(self.updates), chat_id=ALICE.user_id, sender=ALICE, **fields)
        await self.core.handle(event)
        return self.messenger.sent[mark:]

    async def text(self, text: str) -> list[Outbound]:
        return await self.send(Text, text=text)

    async def press(self, data: str, message_id: int = 1) -> list[Outbound]:
        return await self.send(ButtonPress, callback_id="cb", data=data, message_id=message_id)

    def last_prompt(self) -> SendText:
        prompts = [a for a in self.messenger.sent if isinstance(a, SendText)]
        return prompts[-1]

    def button(self, label: str) -> str:
        for row in self.last_prompt().keyboard or ():
            for button in row:
                if button.text.endswith(label):
                    assert button.data is not None
                    return button.data
        raise LookupError(label)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    await upgrade(url)
    db = Database(url)
    clock = VirtualClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    messenger = Recorder()
    postman = Postman(db, messenger, clock)
    # /start of the joining feature starts "welcome": here the survey stands in for that conversation
    joining_without_flows = dataclasses.replace(joining.FEATURE, flows=())
    routes = Routes.merge([joining_without_flows, basics.FEATURE, Feature("survey", flows=(SURVEY,))])
    core = Dispatcher(db, clock, load_settings(database_url=url), load_rules(), postman, routes)
    RESULTS.clear()
    yield Rig(core, messenger, clock, Scheduler(db, clock.now, core.run_job, postman))
    await db.dispose()


def texts(actions: list[Outbound]) -> str:
    return "\n".join(a.text for a in actions if isinstance(a, SendText | EditText))


async def test_every_kind_of_step_with_mistakes_on_the_way(rig: Rig) -> None:
    assert "How old" in texts(await rig.send(Command, name="start"))
    assert "number" in texts(await rig.text("old"))
    assert "from 10 to 99" in texts(await rig.text("120"))
    assert "Do you have pets?" in texts(await rig.text("16"))
    assert "Its name?" in texts(await rig.press(rig.button("Yes")))
    assert "at most 10" in texts(await rig.text("x" * 11))
    assert "Since when?" in texts(await rig.text("  Rex  "))
    assert "date like" in texts(await rig.text("31.02.2026"))
    assert "Best time?" in texts(await rig.press(rig.button("Skip")))
    assert "time like" in texts(await rig.text("25:00"))
    assert "Where do you live?" in texts(await rig.text("17.30"))
    assert "Location" in texts(await rig.text("Berlin"))
    assert "What do you like?" in texts(await rig.send(Location, latitude=52.520008, longitude=13.404954))
    music, games = rig.button("Music"), rig.button("Games")
    toggled = [a for a in await rig.press(music) if isinstance(a, EditKeyboard)]
    assert toggled[0].keyboard is not None and toggled[0].keyboard[0][0].text == "✓ Music"
    await rig.press(games)
    await rig.press(music)  # and off again
    assert "Please tap the buttons" in texts(await rig.text("Cats"))  # not an option, no own words here
    assert "Noted" in texts(await rig.text("music"))  # a typed option counts like a press
    assert "Colour?" in texts(await rig.press(rig.button("Done")))
    assert "done" in texts(await rig.text("blue"))  # a typed label counts like a press
    assert RESULTS == [
        {
            "age": 16,
            "pets": "yes",
            "pet_name": "Rex",
            "when": None,
            "time": "17:30",
            "where": {"lat": 52.52, "lon": 13.4},
            "likes": ["games", "music"],
            "colour": "b",
        }
    ]


async def test_old_and_forged_buttons_are_answered_not_acted_on(rig: Rig) -> None:
    await rig.send(Command, name="start")
    await rig.text("30")
    old_yes = rig.button("Yes")
    await rig.press(old_yes)  # now at "Its name?"
    replay = await rig.press(old_yes)
    assert "earlier question" in texts(replay) and "Its name?" in texts(replay)
    forged = await rig.press("f1:zzzz:0")
    assert "earlier question" in texts(forged)
    unknown = await rig.press("x9:whatever")
    assert texts(unknown) == ""  # only a toast
    assert not RESULTS


async def test_wrong_kinds_of_message_get_a_hint_and_the_question_again(rig: Rig) -> None:
    await rig.send(Command, name="start")
    sticker = texts(await rig.send(Attachment, kind="sticker", emoji="🐱"))
    assert "sticker" in sticker and "How old" in sticker
    photo = texts(await rig.send(Attachment, kind="photo", file_id="p"))
    assert "file" in photo and "How old" in photo
    assert "How old" in texts(await rig.send(Location, latitude=1.0, longitude=2.0))


async def test_back_at_first_question_and_nudge_only_once(rig: Rig) -> None:
    await rig.send(Command, name="start")
    assert "first question" in texts(await rig.send(Command, name="back"))
    mark = len(rig.messenger.sent)
    await rig.scheduler.advance(rig.clock, rig.clock.now() + timedelta(days=3))
    nudges = texts(rig.messenger.sent[mark:])
    assert nudges.count("How old") == 1


def after_confirm(answers: Any) -> str:
    return END if answers["confirm"] == "yes" else "name"  # not right: the name again


def test_a_flow_begun_at_a_later_step_goes_on_from_there() -> None:
    """Its answers from that step on are on its path (a coordinator's welcome from the language)."""
    flow = Flow(
        "side",
        (
            Step("role", "Who?", StepKind.CHOICE, options=(Option("c", "Coordinator"),), next=END),
            Step("name", "Name?", StepKind.TEXT),
            Step("confirm", "Right?", StepKind.YES_NO, next=after_confirm),
        ),
        on_complete=remember,
    )
    answers = {"role": "c", "name": "Carla", "confirm": "no"}
    assert [step.id for step in flow.path(answers)] == ["role"]
    assert [step.id for step in flow.path(answers, "name")] == ["role", "name", "confirm"]  # no loop
    assert [step.id for step in flow.path({"role": "c"}, "name")] == ["role"]
    assert [step.id for step in flow.path(answers, "role")] == ["role"]


def test_flows_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="unknown"):
        Flow("bad", (Step("a", "?", StepKind.TEXT, next="nowhere"),), on_complete=remember)
    with pytest.raises(ValueError, match="no options"):
        Flow("bad", (Step("a", "?", StepKind.CHOICE),), on_complete=remember)
    with pytest.raises(ValueError, match="unique"):
        Flow("bad", (Step("a", "?", StepKind.TEXT), Step("a", "?", StepKind.TEXT)), on_complete=remember)


async def test_the_real_time_ticker_runs_due_jobs(rig: Rig) -> None:
    from bot.runtime.scheduler import RealTimeTicker

    await rig.send(Command, name="start")
    rig.clock.advance(timedelta(hours=25))  # the nudge is due; only a tick can send it
    mark = len(rig.messenger.sent)
    ticker = RealTimeTicker(rig.scheduler, seconds=0.05)
    ticker.start()
    try:
        for _ in range(100):
            if texts(rig.messenger.sent[mark:]):
                break
            await asyncio.sleep(0.05)
    finally:
        await ticker.stop()
    assert "How old" in texts(rig.messenger.sent[mark:])
