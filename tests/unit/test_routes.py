"""The features' records, merged: every route has one owner, and `tandem routes` shows them all."""

from __future__ import annotations

import pytest

from bot.app import FEATURES, routes
from bot.cli import main
from bot.context import Context
from bot.events import Inbound
from bot.feature import CommandEntry, Feature
from bot.runtime.routes import DuplicateRoute, Routes


async def nothing(ctx: Context, event: Inbound) -> None:
    return None


async def no_job(ctx: Context, payload: dict[str, object]) -> None:
    return None


CLAIMS = {
    "command 'x'": {"commands": (CommandEntry("x", nothing),)},
    "button 'zz1'": {"buttons": {"zz1": nothing}},
    "job 'k'": {"jobs": {"k": no_job}},
}


@pytest.mark.parametrize("claimed", CLAIMS)
def test_a_route_claimed_twice_stops_start_up(claimed: str) -> None:
    first, second = Feature("a", **CLAIMS[claimed]), Feature("b", **CLAIMS[claimed])  # type: ignore[arg-type]
    with pytest.raises(DuplicateRoute, match=f"{claimed} is claimed by both 'a' and 'b'"):
        Routes.merge([first, second])


def test_a_flow_named_twice_stops_start_up() -> None:
    welcome = next(f for f in FEATURES if f.name == "joining").flows[0]
    with pytest.raises(DuplicateRoute, match="flow 'welcome'"):
        Routes.merge([*FEATURES, Feature("copy", flows=(welcome,))])


def test_the_shipped_features_merge(capsys: pytest.CaptureFixture[str]) -> None:
    """`tandem routes` prints every command, prefix, job and flow with its feature."""
    merged = routes()
    assert main(["routes"]) == 0
    printed = {tuple(line.split()[:2]) for line in capsys.readouterr().out.splitlines()}
    expected = (
        {("command", f"/{name}") for name in merged.commands}
        | {("button", prefix) for prefix in merged.buttons}
        | {("job", kind) for kind in merged.jobs}
        | {("flow", flow.name) for flow in merged.flows}
    )
    assert expected <= printed
    # The callback prefixes already sent to people keep their handlers.
    assert {
        "f1",
        "cn1",
        "cc1",
        "ss1",
        "sw1",
        "g1",
        "pg1",
        "iv1",
        "gd1",
        "sc1",
        "tr1",
        "mp1",
        "pc1",
        "pe1",
    } <= set(merged.buttons)
    # only alerts (of concerns, and of held messages) and a pair's request to go on longer are
    # pressed in the coordinators' group
    assert set(merged.group_buttons) == {"cn1", "rh1", "cx1"}
