"""How people are named to each other."""

from __future__ import annotations

from storage.models import Person


def name_of(person: Person | None) -> str:
    """What people call someone: the name they gave, else their Telegram first name."""
    return (person.preferred_name or person.first_name) if person else "–"
