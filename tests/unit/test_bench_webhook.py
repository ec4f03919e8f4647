"""``tandem bench webhook`` runs end to end, tiny: replicas as processes, PostgreSQL, the emulator."""

from __future__ import annotations

import json

import pytest

from bot.devtools.bench_webhook import bench_webhook
from storage.scratch import POSTGRES_ENV, postgres_server

needs_postgres = pytest.mark.skipif(
    postgres_server() is None,
    reason="the webhook benchmark needs PostgreSQL (set TANDEM_TEST_POSTGRES_URL)",
)


@needs_postgres
async def test_a_tiny_run_reports_one_and_two_replicas_and_their_ratio(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await bench_webhook(40, "aiogram", None) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    *phases, summary = lines
    assert [phase["replicas"] for phase in phases] == [1, 2]
    for phase in phases:
        assert phase["updates"] == 40
        assert phase["ups"] > 0 and phase["post_p95_ms"] >= phase["post_p50_ms"] > 0
    assert summary["ratio"] > 0 and summary["cores"] >= 1


async def test_without_a_postgresql_server_it_says_so_and_stops(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    assert await bench_webhook(40, "aiogram", None) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and POSTGRES_ENV in captured.err
