"""A send Telegram answers after the bot stopped waiting: it went out, and the bot cannot know.

The Bot API has no idempotency key. The emulator carries such a call out at once and answers
it only after the client's timeout (``answer_late``). Repeating a send whenever its answer was
late put the same message in the person's chat once per try: five times while Telegram stayed
slow for four answers, and the messages after it too once it stayed slower. Now a send that got
no answer is tried once more, later, never again, and the chat's next messages wait behind it:
the person sees at most the one message in flight twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bot.emulator import Limits
from bot.simulation import Simulation
from tests.journeys import START

WELCOME = "Hello Ada! I am Tandem, the companion of Tandem example programme."
QUESTION = "Which of these describes you?"


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (1, {WELCOME: 2, QUESTION: 1}),  # the welcome's answer was late: it may come twice
        (2, {WELCOME: 2, QUESTION: 1}),  # its second try too: given up; the question waited
        (4, {WELCOME: 2, QUESTION: 2}),  # slow for a while: the question's turn in flight came
    ],
    ids=["one-late-answer", "two", "slow-for-a-while"],
)
async def test_a_send_answered_late_reaches_the_person_at_most_twice(
    framework: str, late: int, expected: dict[str, int]
) -> None:
    sim = Simulation(
        framework=framework,  # type: ignore[arg-type]
        start=START,
        limits=Limits(enabled=False),
        overrides={"request_timeout": 1.0},
    )
    await sim.start()
    try:
        sim.add_user("ada", "Ada", language_code="en")
        sim.emulator.answer_late("sendMessage", 1.5, count=late)  # done at once, answered late
        await sim.send("ada", "/start")
        for _ in range(3):  # the outbox's later tries
            await sim.advance(timedelta(minutes=5))
        seen = [text.split("\n")[0] for text in sim.bot_texts("ada")]
        sends = sim.emulator.stats.calls["sendMessage"]
    finally:
        await sim.stop()
    assert Counter(seen) == expected
    assert seen == sorted(seen, key=[WELCOME, QUESTION].index), "the question waited for the welcome"
    assert sends == sum(expected.values()), "no send was repeated on the spot"
