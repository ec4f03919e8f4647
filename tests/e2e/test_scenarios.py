"""Every scenario under tests/scenarios/ and scenarios/, through both adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.simulate_command import simulate

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted([*(ROOT / "tests" / "scenarios").glob("*.yaml"), *(ROOT / "scenarios").glob("*.yaml")])


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_scenario(path: Path, framework: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = await simulate(path, framework, None, None)  # type: ignore[arg-type]
    assert code == 0, capsys.readouterr().err
