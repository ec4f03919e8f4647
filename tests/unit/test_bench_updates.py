"""``tandem bench updates`` runs end to end, tiny: the echo bot, then Tandem, on one emulator process."""

from __future__ import annotations

import json

import pytest

from bot.devtools.bench import bench_updates

pytestmark = pytest.mark.single_pass  # its own SQLite file, not the database under test


async def test_a_tiny_run_reports_tandem_echo_and_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert await bench_updates(3, "aiogram") == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["updates"] == 15  # five updates from each of three people, every one answered
    assert result["tandem_ups"] > 0 and result["echo_ups"] > 0 and result["ratio"] > 0
    assert result["p99_ms"] >= result["p50_ms"] > 0
