"""Who is in the demo programme, and the preset places of its location picker."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.i18n import shipped_locales

Role = Literal["learner", "mentor", "coordinator", "person"]


@dataclass
class Member:
    """A simulated person (a phone) or group (a shared phone) of the demo."""

    key: str
    name: str
    language: str = "en"
    role: Role = "person"
    kind: Literal["private", "group"] = "private"
    members: list[str] = field(default_factory=list)  # keys, for a group

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# The first learner is left to the visitor; the others have already met the bot. The page shows
# them in this order, the guide's: the coordinator and her group, the learner, her mentor-to-be,
# and last Amira, whose application waits for screening. ``role`` is their part in the story;
# the phones show the role the bot has given them so far.
SEED: tuple[Member, ...] = (
    Member("carla", "Carla", "en", "coordinator"),
    Member("coordinators", "Coordinators", "en", "person", "group", ["carla"]),
    Member("lea", "Lea", "de", "learner"),
    Member("jonas", "Jonas", "de", "mentor"),
    Member("amira", "Amira", "fr", "mentor"),
)
COORDINATORS_GROUP = "coordinators"  # the group the bot is configured to send alerts to

# Coarse places (about a kilometre), as a learner would share them; no map needed.
PLACES: dict[str, tuple[str, float, float]] = {
    "berlin-mitte": ("Berlin-Mitte", 52.52, 13.40),
    "berlin-neukoelln": ("Berlin-Neukölln", 52.48, 13.44),
    "hamburg-altona": ("Hamburg-Altona", 53.55, 9.93),
    "koeln-ehrenfeld": ("Köln-Ehrenfeld", 50.95, 6.92),
    "paris-belleville": ("Paris-Belleville", 48.87, 2.38),
    "lyon-guillotiere": ("Lyon-Guillotière", 45.75, 4.84),
}

# How the demo's mentors answered their application, by button position or typed text
# (positions follow conversations/mentor.py and the shipped programme file).
Answer = tuple[Literal["press", "send"], int | str]


def _language(code: str) -> Answer:
    """The button of the language question: one per shipped language, so found by its code."""
    return ("press", shipped_locales().index(code))


MENTOR_ANSWERS: dict[str, tuple[Answer, ...]] = {
    "jonas": (
        ("press", 0),  # consent
        ("send", "Jonas"),
        _language("de"),
        ("press", 0),  # electrical and electronics
        ("send", "Photovoltaik"),
        ("press", -1),  # Done
        ("send", "34"),  # years of experience
        ("press", 0),  # can help with exams
        ("press", 3),  # and career orientation
        ("press", -1),
        ("press", 4),  # likes making and fixing things
        ("press", -2),  # Done (Skip is last)
        ("press", 0),  # Deutsch
        ("press", -1),
        ("press", 1),  # Berlin-Neukölln
        ("press", 2),  # up to 10 km
        ("press", 0),  # one learner
        ("press", 1),  # a man
        ("press", -1),  # background: skipped
        ("press", 2),  # weekday evenings
        ("press", 3),  # Saturdays
        ("press", -1),
        ("send", "Ich war dreißig Jahre Elektromeister und habe viele Azubis durch die Prüfung gebracht."),
        ("press", 2),  # in a mentoring programme before
        ("press", 0),  # the review: that's right
    ),
    "amira": (
        ("press", 0),
        ("send", "Amira"),
        _language("fr"),
        ("press", 8),  # health and care
        ("press", -1),
        ("send", "12"),
        ("press", 1),  # can help with motivation
        ("press", 4),  # and language
        ("press", 5),  # and personal matters
        ("press", -1),
        ("press", 3),  # likes cooking
        ("press", -2),
        ("press", 2),  # Français
        ("press", 3),  # Arabic
        ("press", 0),  # Deutsch
        ("press", -1),
        ("press", 0),  # Berlin-Mitte
        ("press", 3),  # up to 25 km
        ("press", 1),  # two learners
        ("press", 0),  # a woman
        ("press", 0),  # grew up with another language: yes
        ("press", 1),  # weekday afternoons
        ("press", 2),  # weekday evenings
        ("press", -1),
        ("send", "Je suis infirmière ; j’ai appris l’allemand en arrivant ici et je sais ce que c’est."),
        ("press", 1),  # informally
        ("press", 0),
    ),
}
