"""Invites: the only way into a role. A code behind a t.me deep link, with a QR code to print.

Codes are 16 letters and digits from the system's CSPRNG (about 95 bits), so they cannot be
guessed; they fit Telegram's start payload (up to 64 of ``A-Za-z0-9_-``).
"""

from __future__ import annotations

import io
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import segno

from storage.models import Invite, Person
from storage.repositories import UnitOfWork

ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 16
CODE_SHAPE = re.compile(rf"^[A-Za-z0-9]{{{CODE_LENGTH}}}$")
ROLES = ("learner", "mentor", "coordinator")
DEFAULT_VALIDITY = timedelta(days=30)
COORDINATOR_VALIDITY = timedelta(days=7)


class Redemption(StrEnum):
    OK = "ok"
    FORGED = "forged"  # not a code we could have made, or one we never made
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    HAS_ROLE = "has_role"


@dataclass(frozen=True, slots=True)
class InviteRequest:
    role: str
    multi_use: bool = False
    school: str | None = None
    cohort: str | None = None
    area: str | None = None  # as typed (``area=lyon``); bot/services/areas.py says if it may be given


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def qr_png(url: str) -> bytes:
    """A QR code of the link, big enough to scan from a printed flyer."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


async def create(
    uow: UnitOfWork, request: InviteRequest, *, by: Person | None, now: datetime, area: str = "*"
) -> Invite:
    """A new invite into ``area`` (checked by the caller: ``areas.invite_area``): single use
    unless asked otherwise; coordinator codes always single use."""
    if request.role not in ROLES:
        raise ValueError(f"unknown role {request.role!r}")
    single = request.role == "coordinator" or not request.multi_use
    validity = COORDINATOR_VALIDITY if request.role == "coordinator" else DEFAULT_VALIDITY
    invite = Invite(
        code=new_code(),
        role=request.role,
        school=request.school,
        cohort=request.cohort,
        area=area,
        max_uses=1 if single else None,
        uses=0,
        expires_at=now + validity,
        created_by=by.id if by else None,
        created_at=now,
    )
    return await uow.invites.add(invite)


async def redeem(
    uow: UnitOfWork, code: str, person: Person, now: datetime
) -> tuple[Redemption, Invite | None]:
    """Check a code and, when it is good, give the person its role (in the caller's transaction)."""
    if not CODE_SHAPE.match(code):
        return Redemption.FORGED, None
    invite = await uow.invites.by_code(code)
    if invite is None:
        return Redemption.FORGED, None
    if invite.revoked_at is not None:
        return Redemption.REVOKED, invite
    if invite.expires_at is not None and invite.expires_at <= now:
        return Redemption.EXPIRED, invite
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return Redemption.USED, invite
    if person.role is not None:
        return Redemption.HAS_ROLE, invite
    if not await uow.invites.take_use(invite):  # someone else took the last use meanwhile
        return Redemption.USED, invite
    person.role, person.invite_id = invite.role, invite.id
    person.school, person.cohort, person.area = invite.school, invite.cohort, invite.area
    person.updated_at = now
    return Redemption.OK, invite


async def revoke(uow: UnitOfWork, invite_id: int, now: datetime) -> Invite | None:
    invite = await uow.invites.get(invite_id)
    if invite is not None and invite.revoked_at is None:
        invite.revoked_at = now
    return invite


def parse_request(args: str) -> InviteRequest | None:
    """``learner|mentor|coordinator [multi] [area=ID] [school=NAME] [cohort=NAME]``; None if
    unreadable."""
    match = re.match(r"^\s*(\w+)\s*(.*)$", args, re.S)
    if match is None or match[1].lower() not in ROLES:
        return None
    area = re.search(r"\barea\s*[=:]\s*([\w*,-]+)", match[2], re.I)
    rest = match[2] if area is None else match[2][: area.start()] + match[2][area.end() :]
    school = re.search(r"school\s*[=:]\s*(.+?)\s*(?=cohort\s*[=:]|multi\b|$)", rest, re.I | re.S)
    cohort = re.search(r"cohort\s*[=:]\s*(.+?)\s*(?=school\s*[=:]|multi\b|$)", rest, re.I | re.S)
    return InviteRequest(
        role=match[1].lower(),
        multi_use=bool(re.search(r"\bmulti\b", rest, re.I)),
        school=school[1][:120] if school else None,
        cohort=cohort[1][:60] if cohort else None,
        area=area[1][:200] if area else None,
    )
