"""Matching a national cohort: candidates against the dense matrix, and the whole against the dense
exact assignment and greedy (the flow against brute force is in test_matching.py)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.devtools.bench_matching import cohort
from bot.rules import MatchingWeights
from bot.services import sparse_matching
from bot.services.matching import (
    SLOTS,
    Learner,
    Mentor,
    assign,
    bits,
    components,
    greedy,
    learner_columns,
    mentor_columns,
    scores,
    total,
    why_unmatched,
)
from bot.services.sparse_matching import Ranking, candidates, match_cohort, solve, why

W = MatchingWeights()


def test_candidates_carry_the_dense_matrixs_scores_and_the_ranking_agrees() -> None:
    learners, mentors = cohort(300, 120, seed=4)
    dense = scores(components(learners, mentors, "de"), W)
    found = candidates(learners, mentors, "de", W, k=8)
    assert found.learner.size > 8 * 300
    assert np.allclose(found.score, dense[found.learner, found.mentor], rtol=0, atol=1e-9)
    assert (found.score > 0).all()  # never an impossible pair
    ranked, _ = Ranking(learner_columns(learners), mentor_columns(mentors), "de", W).block(
        np.arange(300), np.arange(120), 0
    )
    online = np.asarray([m.online_only for m in mentors])
    # distance counts only for mentors who meet in person; for the others the ranking is the score
    assert np.allclose(ranked[:, online], dense[:, online], atol=1e-3)
    # each learner's candidates are their best: none left out scores more than the worst kept
    for learner in range(0, 300, 37):
        kept = found.mentor[found.learner == learner]
        left_out = np.setdiff1d(np.flatnonzero(dense[learner] > 0), kept)
        if left_out.size:
            assert dense[learner, left_out].max() <= np.sort(dense[learner, kept])[-8] + 1e-3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_result_is_the_exact_optimum_with_k_large_enough_and_never_below_greedy(seed: int) -> None:
    learners, mentors = cohort(400, 160, seed)
    dense = scores(components(learners, mentors, "de"), W)
    exact = total(dense, assign(dense, mentors, W))
    baseline = total(dense, greedy(dense, mentors))
    everything = match_cohort(learners, mentors, "de", W, k=160)
    assert abs(total(dense, everything.pairs) - exact) < 0.001 * len(everything.pairs)
    for k in (5, 8, sparse_matching.K):
        result = match_cohort(learners, mentors, "de", W, k=k)
        assert total(dense, result.pairs) >= baseline
        assert len({i for i, _ in result.pairs}) == len(result.pairs)
        for j, mentor in enumerate(mentors):
            assert sum(1 for _, m in result.pairs if m == j) <= mentor.capacity
        assert all(dense[i, j] > 0 for i, j in result.pairs)
        assert result.score == pytest.approx([dense[i, j] for i, j in result.pairs])
    assert total(dense, result.pairs) >= 0.995 * exact  # the default K


def test_learners_left_over_get_the_reasons_match_gives() -> None:
    learners, mentors = cohort(120, 40, seed=5)
    sunday = bits(["sunday"], SLOTS)
    learners += [
        Learner(id=900, lat=48.86, lon=2.35, availability=sunday),  # Paris: nobody travels so far
        Learner(id=901, lat=52.52, lon=13.40, availability=sunday),
    ]
    mentors = [
        Mentor(
            id=m.id,
            lat=m.lat,
            lon=m.lon,
            radius_km=m.radius_km,
            expertise=m.expertise,
            availability=m.availability & ~sunday or bits(["saturday"], SLOTS),  # nobody on Sundays
            capacity=0 if m.id % 5 == 0 else m.capacity,
        )
        for m in mentors
        if not m.online_only
    ]
    c = components(learners, mentors, "de")
    closed = {(3, j) for j in range(len(mentors))}  # everyone once declined learner 3
    result = match_cohort(learners, mentors, "de", W, k=5, closed=closed)
    said = [why(result.candidates, i) for i in range(len(learners))]
    assert said == [why_unmatched(c, i, mentors) for i in range(len(learners))]
    assert {"too_far", "no_time"} <= set(said)
    assert (
        result.unmatched[len(learners) - 2] == "too_far" and result.unmatched[len(learners) - 1] == "no_time"
    )
    assert result.unmatched[3] == "taken" and all(i != 3 for i, _ in result.pairs)
    assert all(mentors[j].capacity > 0 for _, j in result.pairs)
    nobody = match_cohort(learners, [Mentor(id=1, capacity=0)], "de", W)
    assert set(nobody.unmatched.values()) == {"no_mentor"} and not nobody.pairs


def test_towns_apart_are_solved_apart_and_still_exactly() -> None:
    learners, mentors = cohort(200, 80, seed=6)
    mentors = [m for m in mentors if not m.online_only]  # online mentors would join the towns
    found = candidates(learners, mentors, "de", W, k=80)
    groups = list(sparse_matching._groups(found, len(mentors)))
    assert len(groups) == 1  # small components are solved together
    sparse_matching.SOLVE_ROWS, before = 1, sparse_matching.SOLVE_ROWS
    try:
        apart = list(sparse_matching._groups(found, len(mentors)))
        pairs = solve(found, mentors, W)
    finally:
        sparse_matching.SOLVE_ROWS = before
    assert len(apart) >= 5  # one a town at least
    dense = scores(components(learners, mentors, "de"), W)
    assert abs(total(dense, pairs) - total(dense, assign(dense, mentors, W))) < 0.001 * len(pairs)
