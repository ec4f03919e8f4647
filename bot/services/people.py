"""How people are named to each other, and how a name is taken out of what others wrote."""

from __future__ import annotations

import re

from storage.models import Person

UNNAMED = "–"  # what stands where a person who is gone was named


def name_of(person: Person | None) -> str:
    """What people call someone: the name they gave, else their Telegram first name."""
    return (person.preferred_name or person.first_name) if person else UNNAMED


def names_of(person: Person) -> set[str]:
    """Every way Tandem knows to call someone: their names, and the words of each ("Zozo" of
    "Zozo Zauberstein"), as other people would write them."""
    names = {name.strip() for name in (person.preferred_name, person.first_name) if name and name.strip()}
    return names | {word for name in names for word in name.split() if len(word) > 1}


def without_names(text: str, person: Person) -> str:
    """``text`` with each of the person's names, as a whole word, replaced by the unnamed mark
    (case as written, so "Will" the name goes and "will" the word stays)."""
    names = sorted(names_of(person), key=len, reverse=True)  # "Zozo Zauberstein" before "Zozo"
    if not names:
        return text
    pattern = r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)"
    return re.sub(pattern, UNNAMED, text)


def gender_of(person: Person | None) -> str | None:
    """The gender texts about someone may be worded in: only what they said of themselves (a
    mentor's application asks it; a learner's does not), else None for neutral wording."""
    gender = (person.profile or {}).get("gender") if person else None
    return gender if isinstance(gender, str) else None
