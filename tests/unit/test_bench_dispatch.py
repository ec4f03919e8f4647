"""``tandem bench dispatch`` runs end to end, tiny: reminders due at once, each inside a window,
sent through a Tandem against an emulator with Telegram's limits, while people chat."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.devtools.bench_dispatch import bench_dispatch, window_of

pytestmark = pytest.mark.single_pass  # its own SQLite file, not the database under test


def test_a_window_reads_as_people_write_it() -> None:
    assert [window_of(w) for w in ("90s", "5m", "1h", "30")] == [
        timedelta(seconds=90),
        timedelta(minutes=5),
        timedelta(hours=1),
        timedelta(seconds=30),
    ]
    with pytest.raises(ValueError, match="not a window"):
        window_of("five minutes")


async def test_a_tiny_run_sends_every_reminder_once_inside_its_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await bench_dispatch(40, "aiogram", timedelta(minutes=1)) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (result["messages"], result["window"], result["limit"]) == (40, "60s", 25.0)
    assert result["rate"] > 0 and result["ratio"] > 0
    wrong = {key: result[key] for key in ("http_429", "duplicates", "missing", "late", "early", "paid")}
    assert wrong == dict.fromkeys(wrong, 0)
    assert result["replies"] >= 5 and result["replies_p99_ms"] > 0, "people chatted meanwhile"
