"""The features' records merged into the dispatcher's tables, once, at start-up.

Two features claiming the same command, button prefix, job kind or flow name is a wiring
mistake: it stops start-up with a message naming both, rather than one silently winning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bot.feature import Action, CommandEntry, Feature, JobAction, Listing, Role

if TYPE_CHECKING:
    from conversations.flow import Flow

V = TypeVar("V")
ROLE_NAMES = {None: "newcomer", "learner": "learner", "mentor": "mentor", "coordinator": "coordinator"}


class DuplicateRoute(ValueError):
    """Two features claim the same command, prefix, job kind, flow or list."""


@dataclass
class Routes:
    features: tuple[Feature, ...]
    commands: dict[str, Action] = field(default_factory=dict)
    buttons: dict[str, Action] = field(default_factory=dict)
    group_buttons: dict[str, Action] = field(default_factory=dict)
    group_commands: dict[str, Action] = field(default_factory=dict)
    lists: dict[str, Listing] = field(default_factory=dict)
    jobs: dict[str, JobAction] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, key) → feature

    @classmethod
    def merge(cls, features: Sequence[Feature]) -> Routes:
        routes = cls(tuple(features))
        for feature in features:
            for command in feature.commands:
                routes._claim("command", command.name, feature, routes.commands, command.action)
            for prefix, action in feature.buttons.items():
                routes._claim("button", prefix, feature, routes.buttons, action)
            for prefix, action in feature.group_buttons.items():
                routes._claim("group button", prefix, feature, routes.group_buttons, action)
            for name, action in feature.group_commands.items():
                routes._claim("group command", name, feature, routes.group_commands, action)
            for listing in feature.lists:
                routes._claim("list", listing.name, feature, routes.lists, listing)
            for kind, job in feature.jobs.items():
                routes._claim("job", kind, feature, routes.jobs, job)
            for flow in feature.flows:
                routes._claim("flow", flow.name, feature, {}, flow)
                routes.flows.append(flow)
        return routes

    def _claim(self, kind: str, key: str, feature: Feature, table: dict[str, V], value: V) -> None:
        earlier = self.owner.get((kind, key))
        if earlier is not None:
            raise DuplicateRoute(f"{kind} {key!r} is claimed by both {earlier!r} and {feature.name!r}")
        self.owner[(kind, key)] = feature.name
        table[key] = value

    def table(self) -> list[tuple[str, str, str, str]]:
        """Every route as (kind, key, feature, roles), for ``tandem routes``."""
        rows = []
        for feature in self.features:
            for command in feature.commands:
                rows.append(("command", f"/{command.name}", feature.name, _roles(command)))
            for prefix in feature.buttons:
                rows.append(("button", prefix, feature.name, "checked on press"))
            for prefix in feature.group_buttons:
                rows.append(("group button", prefix, feature.name, "checked on press"))
            for name in feature.group_commands:
                rows.append(("group command", f"/{name}", feature.name, "checked when sent"))
            for listing in feature.lists:
                rows.append(("list", listing.name, feature.name, "paged by ls1"))
            for kind in feature.jobs:
                rows.append(("job", kind, feature.name, "—"))
            for flow in feature.flows:
                rows.append(("flow", flow.name, feature.name, "—"))
        return rows


def _roles(command: CommandEntry) -> str:
    roles: tuple[Role, ...] = command.menu
    return ", ".join(ROLE_NAMES[r] for r in roles) if roles else "anyone (not in menus)"
