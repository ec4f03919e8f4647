"""Who is in the demo programme, and the preset places of its location picker."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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


# The first learner is left to the visitor; the others have already met the bot.
SEED: tuple[Member, ...] = (
    Member("lea", "Lea", "de", "learner"),
    Member("jonas", "Jonas", "de", "mentor"),
    Member("amira", "Amira", "fr", "mentor"),
    Member("carla", "Carla", "en", "coordinator"),
    Member("coordinators", "Coordinators", "en", "person", "group", ["carla"]),
)

# Coarse places (about a kilometre), as a learner would share them; no map needed.
PLACES: dict[str, tuple[str, float, float]] = {
    "berlin-mitte": ("Berlin-Mitte", 52.52, 13.40),
    "berlin-neukoelln": ("Berlin-Neukölln", 52.48, 13.44),
    "hamburg-altona": ("Hamburg-Altona", 53.55, 9.93),
    "koeln-ehrenfeld": ("Köln-Ehrenfeld", 50.95, 6.92),
    "paris-belleville": ("Paris-Belleville", 48.87, 2.38),
    "lyon-guillotiere": ("Lyon-Guillotière", 45.75, 4.84),
}
