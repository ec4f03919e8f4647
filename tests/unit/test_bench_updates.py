"""``tandem bench updates`` runs end to end, tiny: per framework the echo bot and Tandem with the
limits off, /start at 50 new people a second, and people at a human pace with production limits."""

from __future__ import annotations

import json

import pytest

from bot.devtools.bench_updates import Sizes, bench_updates

pytestmark = pytest.mark.single_pass  # its own SQLite file, not the database under test


async def test_a_tiny_run_reports_each_framework_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    sizes = Sizes(users=3, paced=10, people=6, gap=1.0, rounds=2)
    assert await bench_updates(sizes, ("aiogram", "ptb")) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["framework"] for line in lines] == ["aiogram", "ptb"]
    for result in lines:
        assert result["updates"] == 30  # two rounds of five updates from each of three people, all answered
        assert result["tandem_ups"] > 0 and result["echo_ups"] > 0 and result["ratio"] > 0
        assert result["p99_ms"] >= result["p50_ms"] > 0
        assert result["paced_p99_ms"] >= result["paced_p50_ms"] > 0
        human = result["human_pace"]
        assert human["people"] == 6 and human["offered_ups"] > 0
        assert human["p99_ms"] >= human["p50_ms"] > 0
        assert human["http_429"] == 0 and human["gave_up"] == 0, "six people at a human pace are all served"
