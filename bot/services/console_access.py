"""Who may open the coordinators' console, and how they prove it.

Three proofs, none of them kept in the clear: a one-time sign-in link the bot sends (only its
SHA-256 is stored; spent on first use, short-lived), Telegram's ``initData`` when the console
opens as a Mini App (signed by Telegram with a key derived from the bot token), and, after
either, a session cookie signed with a key derived from the bot token too, which also derives
each session's CSRF token. Nothing here reads a clock: the caller passes ``now``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from storage.models import ConsoleLink, Person
from storage.repositories import UnitOfWork

LINK_LIFETIME = timedelta(minutes=15)
INIT_DATA_LIFETIME = timedelta(hours=1)  # how old Telegram's signature on initData may be
SESSION_LIFETIME = timedelta(hours=8)  # a working day; then a new link or the Mini App again
CLOCK_SKEW = timedelta(minutes=5)  # initData signed a little "in the future" by Telegram's clock
MAX_INIT_DATA = 4096


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(uow: UnitOfWork, person: Person, now: datetime) -> str:
    """A new one-time sign-in token for ``person``; the database keeps its digest only."""
    await uow.console_links.forget_before(now)
    token = secrets.token_urlsafe(32)
    await uow.console_links.add(
        ConsoleLink(digest=digest(token), person_id=person.id, created_at=now, expires_at=now + LINK_LIFETIME)
    )
    return token


async def spend_link(uow: UnitOfWork, token: str, now: datetime) -> int | None:
    """The person id a live, unused token signs in (it is spent now); None for anything else."""
    if not token or len(token) > 128:
        return None
    return await uow.console_links.spend(digest(token), now)


def telegram_user(init_data: str, bot_token: str, now: datetime) -> int | None:
    """The Telegram user id in a Mini App's ``initData``, if Telegram signed it for this bot
    lately (Bot API, "Validating data received via the Mini App"); None for anything else."""
    if not init_data or len(init_data) > MAX_INIT_DATA:
        return None
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    given = fields.pop("hash", "")
    if len(fields) + 1 != len(pairs) or not given:  # a repeated key: which one was signed?
        return None
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        return None
    signed = fields.get("auth_date", "")
    if not signed.isascii() or not signed.isdigit() or len(signed) > 12:
        return None
    age = now - datetime.fromtimestamp(int(signed), UTC)
    if age > INIT_DATA_LIFETIME or age < -CLOCK_SKEW:
        return None
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        return None
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if type(user_id) is int and user_id > 0 else None


@dataclass(frozen=True)
class Session:
    person_id: int
    nonce: str


def session_key(bot_token: str) -> bytes:
    """The key that signs console sessions: a new bot token ends every session."""
    return hmac.new(b"TandemConsole", bot_token.encode(), hashlib.sha256).digest()


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def open_session(key: bytes, person_id: int, now: datetime) -> str:
    """A cookie's value: who, since when, a random nonce, and the signature of all three."""
    body = f"{person_id}.{int(now.timestamp())}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(key, body)}"


def read_session(key: bytes, cookie: str, now: datetime) -> Session | None:
    """The session a cookie carries, if this server signed it and it has not run out."""
    parts = cookie.split(".")
    if len(parts) != 4 or len(cookie) > 256:
        return None
    person, issued, nonce, signature = parts
    if not hmac.compare_digest(_sign(key, f"{person}.{issued}.{nonce}"), signature):
        return None
    if not (person.isascii() and person.isdigit() and issued.isascii() and issued.isdigit()):
        return None
    age = now - datetime.fromtimestamp(int(issued), UTC)
    if age > SESSION_LIFETIME or age < -CLOCK_SKEW:
        return None
    return Session(int(person), nonce)


def csrf_token(key: bytes, session: Session) -> str:
    """What every form of this session carries back: derived from its nonce, so another site
    cannot know it, and a new session has a new one."""
    return _sign(key, f"csrf.{session.person_id}.{session.nonce}")


def csrf_ok(key: bytes, session: Session, given: str) -> bool:
    return hmac.compare_digest(csrf_token(key, session), given or "")
