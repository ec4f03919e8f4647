"""Contact details in what one of a pair writes to the other: phone numbers, e-mail addresses,
social-media handles and links. Between a minor and an adult they are held for a coordinator,
since safeguarding practice keeps such contact inside the programme.

The patterns err on the side of holding: a coordinator passes a harmless message on in a second.
A date ("24.12.2026") or a time ("17:30") is not a phone number; a run of at least seven digits
with spaces, dots, dashes, slashes or brackets between them is.
"""

from __future__ import annotations

import re
from typing import Literal

Found = Literal["phone", "email", "handle", "link"]

_EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_LINK = re.compile(
    r"(?:https?://|www\.|\b(?:t\.me|wa\.me|discord\.gg)/"
    r"|\b[\w-]+\.(?:com|net|org|de|fr|at|ch|lu|be|eu|uk|io|me|ly|gg|app|info|link)\b)",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,}")
_NETWORKS = re.compile(
    r"\b(?:instagram|insta|snapchat|snap|tiktok|whatsapp|discord|facebook|threema|signal app)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\+?\(?\d[\d\s().\/-]{4,}\d")
_DATE_OR_TIME = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|\b\d{1,2}[:h]\d{2}\b")


def contact_details(text: str | None) -> Found | None:
    """The first kind of contact detail in ``text``, or None."""
    if not text:
        return None
    if _EMAIL.search(text):
        return "email"
    if _LINK.search(text):
        return "link"
    if _HANDLE.search(text) or _NETWORKS.search(text):
        return "handle"
    for run in _DIGITS.finditer(_DATE_OR_TIME.sub(" ; ", text)):
        if sum(ch.isdigit() for ch in run.group()) >= 7:
            return "phone"
    return None
