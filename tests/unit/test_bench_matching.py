"""``tandem bench matching`` runs end to end, tiny: the candidates' result against the dense exact
assignment and greedy, and the line it prints."""

from __future__ import annotations

import json

import pytest

from bot.devtools import bench_matching
from bot.devtools.bench_matching import bench_matching as bench


def test_the_bench_prints_the_gap_to_the_exact_optimum(capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench(600, 240, seed=1, compare_exact=True)
    assert json.loads(capsys.readouterr().out) == figures
    assert figures["matched"] > 0 and figures["candidates"] > 0 and figures["peak_rss_mb"] > 0
    assert 0 <= float(figures["gap_percent"]) <= 0.5
    assert float(figures["score"]) >= max(
        float(figures["dense_greedy_score"]), float(figures["greedy_score"])
    )


def test_the_exact_comparison_is_left_out_where_the_dense_matrix_would_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench_matching, "DENSE_LIMIT", 1000)
    figures = bench(100, 40, seed=1, compare_exact=True)
    assert figures["exact_score"] == "too large for the dense matrix"
    assert "gap_percent" not in figures
