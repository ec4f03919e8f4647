"""The console's proofs of who someone is: Telegram's initData, the session cookie and its CSRF token
(bot/services/console_access.py). The sign-in link's journey is in tests/e2e/test_console.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from bot.services import console_access
from tests.journeys import telegram_init_data

TOKEN = "123456:ABC-DEF"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_genuine_init_data_names_its_user() -> None:
    assert console_access.telegram_user(telegram_init_data(TOKEN, 77, NOW), TOKEN, NOW) == 77
    a_minute_old = telegram_init_data(TOKEN, 77, NOW - timedelta(minutes=1))
    assert console_access.telegram_user(a_minute_old, TOKEN, NOW) == 77


def test_init_data_signed_for_another_bot_or_changed_is_refused() -> None:
    assert console_access.telegram_user(telegram_init_data("999:OTHER", 77, NOW), TOKEN, NOW) is None
    fields = dict(parse_qsl(telegram_init_data(TOKEN, 77, NOW)))
    for key, value in (
        ("user", '{"id": 78, "first_name": "Carla"}'),
        ("auth_date", str(int(NOW.timestamp()) + 1)),
    ):
        assert console_access.telegram_user(urlencode({**fields, key: value}), TOKEN, NOW) is None
    no_hash = urlencode({k: v for k, v in fields.items() if k != "hash"})
    assert console_access.telegram_user(no_hash, TOKEN, NOW) is None
    repeated = telegram_init_data(TOKEN, 77, NOW) + "&user=%7B%22id%22%3A78%7D"  # which user was signed?
    assert console_access.telegram_user(repeated, TOKEN, NOW) is None


def test_init_data_too_old_or_from_the_future_is_refused() -> None:
    for signed in (NOW - timedelta(hours=1, seconds=1), NOW + timedelta(minutes=6)):
        assert console_access.telegram_user(telegram_init_data(TOKEN, 77, signed), TOKEN, NOW) is None


def test_malformed_init_data_is_refused_without_an_exception() -> None:
    for junk in ("", "hash", "a=1&&b", "%zz", "x" * 5000, "user=[]&auth_date=1&hash=00"):
        assert console_access.telegram_user(junk, TOKEN, NOW) is None


def test_a_session_reads_back_until_it_runs_out_and_not_with_another_key() -> None:
    key = console_access.session_key(TOKEN)
    cookie = console_access.open_session(key, 5, NOW)
    session = console_access.read_session(key, cookie, NOW + timedelta(hours=1))
    assert session is not None and session.person_id == 5
    assert (
        console_access.read_session(key, cookie, NOW + console_access.SESSION_LIFETIME + timedelta(1)) is None
    )
    assert console_access.read_session(console_access.session_key("999:OTHER"), cookie, NOW) is None
    _, issued, nonce, signature = cookie.split(".")
    assert console_access.read_session(key, f"6.{issued}.{nonce}.{signature}", NOW) is None
    for junk in ("", "a.b.c.d", cookie + ".x", "5." * 200):
        assert console_access.read_session(key, junk, NOW) is None


def test_the_csrf_token_belongs_to_one_session() -> None:
    key = console_access.session_key(TOKEN)
    one = console_access.read_session(key, console_access.open_session(key, 5, NOW), NOW)
    two = console_access.read_session(key, console_access.open_session(key, 5, NOW), NOW)
    assert one is not None and two is not None
    token = console_access.csrf_token(key, one)
    assert console_access.csrf_ok(key, one, token)
    assert not console_access.csrf_ok(key, two, token)
    assert not console_access.csrf_ok(key, one, "")
