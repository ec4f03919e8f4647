"""The retry policy, fed each framework's own exceptions through its classifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import aiohttp
import httpx
import pytest

from bot.messenger import ChatUnreachable, DeliveryError, DeliveryInDoubt, MessageGone
from handlers.delivery import BACKOFF_SECONDS, Classifier, Courier, RetryPolicy, Target

# PTB's own RetryAfter constructor warns about its coming switch to timedelta.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

# kind → a framework exception Telegram's answer of that kind turns into
Faults = dict[str, Callable[[], Exception]]


def caused_by(exc: Exception, cause: Exception) -> Exception:
    """As the frameworks raise it: ``raise TheirError(...) from transport_error``."""
    exc.__cause__ = cause
    return exc


def aiogram_faults() -> tuple[Classifier, Faults]:
    from aiogram import exceptions as e
    from aiogram.methods import SendMessage

    from handlers.aiogram_messenger import classify

    method = SendMessage(chat_id=1, text="x")
    return classify, {
        "429": lambda: e.TelegramRetryAfter(method, "Too Many Requests: retry after 3", 3),
        "403": lambda: e.TelegramForbiddenError(method, "Forbidden: bot was blocked by the user"),
        "500": lambda: e.TelegramServerError(method, "Internal Server Error"),
        "never sent": lambda: caused_by(
            e.TelegramNetworkError(method, "Request timeout error"), aiohttp.ConnectionTimeoutError()
        ),
        "no answer": lambda: caused_by(
            e.TelegramNetworkError(method, "Request timeout error"), aiohttp.SocketTimeoutError()
        ),
        "not modified": lambda: e.TelegramBadRequest(
            method, "Bad Request: message is not modified: specified new message content ..."
        ),
        "gone": lambda: e.TelegramBadRequest(method, "Bad Request: message to edit not found"),
        "cannot edit": lambda: e.TelegramBadRequest(method, "Bad Request: message can't be edited"),
        "400": lambda: e.TelegramBadRequest(method, "Bad Request: chat not found"),
    }


def ptb_faults() -> tuple[Classifier, Faults]:
    from telegram import error as e

    from handlers.ptb_messenger import classify

    return classify, {
        "429": lambda: e.RetryAfter(3),
        "403": lambda: e.Forbidden("Forbidden: bot was blocked by the user"),
        "500": lambda: e.NetworkError("Internal Server Error"),
        "never sent": lambda: caused_by(e.NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
        "no answer": lambda: caused_by(e.TimedOut(), httpx.ReadTimeout("timed out")),
        "not modified": lambda: e.BadRequest("Message is not modified: specified new message"),
        "gone": lambda: e.BadRequest("Message to edit not found"),
        "cannot edit": lambda: e.BadRequest("Message can't be edited"),
        "400": lambda: e.BadRequest("Chat not found"),
    }


class Script:
    """An API call that fails with the given exceptions, then returns message id 99."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> int | None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return 99


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(params=["aiogram", "ptb"])
def setup(request: pytest.FixtureRequest) -> tuple[Courier, Faults, Sleeps]:
    classify, faults = {"aiogram": aiogram_faults, "ptb": ptb_faults}[request.param]()
    sleeps = Sleeps()
    policy = RetryPolicy(max_retries_429=2, max_retries_5xx=3, sleep=sleeps)
    return Courier(classify, policy), faults, sleeps


SEND = Target("sendMessage", chat_id=5)
EDIT = Target("editMessageText", chat_id=5, unchanged=12)


async def test_429_waits_exactly_retry_after(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, sleeps = setup
    call = Script(faults["429"]())
    assert await courier.run(call, SEND) == 99
    assert sleeps == [3.0]
    assert courier.stats.waited_429 == 1
    assert courier.stats.seconds_waited_429 == 3.0


async def test_429_beyond_bound_gives_up(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, sleeps = setup
    call = Script(*(faults["429"]() for _ in range(3)))
    with pytest.raises(DeliveryError) as raised:
        await courier.run(call, SEND)
    assert type(raised.value) is DeliveryError
    assert call.calls == 3 and sleeps == [3.0, 3.0]


@pytest.mark.parametrize("fault", ["500", "never sent"])
async def test_transient_errors_retried_with_backoff(
    setup: tuple[Courier, Faults, Sleeps], fault: str
) -> None:
    courier, faults, sleeps = setup
    call = Script(faults[fault](), faults[fault]())
    assert await courier.run(call, SEND) == 99
    assert sleeps == list(BACKOFF_SECONDS[:2])
    assert courier.stats.retried == 2


async def test_a_send_without_an_answer_is_not_repeated(setup: tuple[Courier, Faults, Sleeps]) -> None:
    """It may have reached the person (there is no idempotency key): the outbox decides."""
    courier, faults, sleeps = setup
    call = Script(faults["no answer"]())
    with pytest.raises(DeliveryInDoubt):
        await courier.run(call, SEND)
    assert call.calls == 1 and sleeps == []
    assert courier.stats.in_doubt == 1


async def test_an_edit_without_an_answer_is_retried(setup: tuple[Courier, Faults, Sleeps]) -> None:
    """The same edit twice reads the same: no answer is no harm."""
    courier, faults, sleeps = setup
    call = Script(faults["no answer"]())
    assert await courier.run(call, EDIT) == 99
    assert call.calls == 2 and sleeps == [BACKOFF_SECONDS[0]]


async def test_transient_beyond_bound_gives_up(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, _ = setup
    call = Script(*(faults["500"]() for _ in range(4)))
    with pytest.raises(DeliveryError):
        await courier.run(call, SEND)
    assert call.calls == 4  # the first try and three retries
    assert courier.stats.failed == 1


async def test_403_is_unreachable_and_never_retried(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, sleeps = setup
    call = Script(faults["403"]())
    with pytest.raises(ChatUnreachable) as raised:
        await courier.run(call, SEND)
    assert raised.value.chat_id == 5
    assert call.calls == 1 and sleeps == []


async def test_unchanged_edit_is_success(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, _ = setup
    assert await courier.run(Script(faults["not modified"]()), EDIT) == 12


@pytest.mark.parametrize("fault", ["gone", "cannot edit"])
async def test_vanished_message_is_gone(setup: tuple[Courier, Faults, Sleeps], fault: str) -> None:
    courier, faults, _ = setup
    with pytest.raises(MessageGone):
        await courier.run(Script(faults[fault]()), EDIT)


async def test_other_400_fails_at_once(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, faults, sleeps = setup
    call = Script(faults["400"]())
    with pytest.raises(DeliveryError) as raised:
        await courier.run(call, SEND)
    assert not isinstance(raised.value, MessageGone | ChatUnreachable)
    assert call.calls == 1 and sleeps == []


async def test_bugs_are_not_swallowed(setup: tuple[Courier, Faults, Sleeps]) -> None:
    courier, _, _ = setup
    with pytest.raises(ZeroDivisionError):
        await courier.run(Script(ZeroDivisionError()), SEND)


def test_ptb_retry_after_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    from telegram.error import RetryAfter

    from handlers.ptb_messenger import retry_after_seconds

    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 23's behaviour, opt-in in 22
    exc = RetryAfter(dt.timedelta(seconds=2))
    assert isinstance(exc.retry_after, dt.timedelta)
    assert retry_after_seconds(exc) == 2.0
    monkeypatch.delenv("PTB_TIMEDELTA")
    assert retry_after_seconds(RetryAfter(4)) == 4.0
