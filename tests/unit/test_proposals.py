"""What /match proposes, by the dense matrix and by the sparse path: where both fit, the same pairs,
scores, reasons, next best mentors and reasons for the unmatched."""

from __future__ import annotations

import dataclasses

import pytest

from bot.devtools.bench_matching import cohort
from bot.rules import MatchingWeights
from bot.services.matching import Learner, Mentor
from bot.services.proposals import ALTERNATIVES, DENSE_UP_TO, propose

W = MatchingWeights()


def in_person(mentors: list[Mentor]) -> list[Mentor]:
    """Mentors who all meet at home: distances make every score distinct. (Online-only mentors
    give whole groups of learners the same score, and then the two paths may choose different
    assignments of the same total.)"""
    return [dataclasses.replace(mentor, online_only=False) for mentor in mentors]


@pytest.mark.parametrize("seed", [3, 5, 6])
def test_the_sparse_path_proposes_what_the_dense_matrix_does(seed: int) -> None:
    learners, mentors = cohort(300, 120, seed)
    mentors = in_person(mentors)
    closed = [(0, 1), (3, 2), (5, 5), (7, 0)]
    dense = propose(learners, mentors, "de", W, closed, dense_up_to=10**9)
    sparse = propose(learners, mentors, "de", W, closed, dense_up_to=0)
    assert not dense.sparse and sparse.sparse
    assert len(dense.proposals) > 150 and dense.unmatched  # a cohort with both kinds
    assert [(p.learner, p.mentor) for p in sparse.proposals] == [
        (p.learner, p.mentor) for p in dense.proposals
    ]
    for mine, theirs in zip(sparse.proposals, dense.proposals, strict=True):
        assert mine.score == pytest.approx(theirs.score, abs=1e-9)
        assert mine.reasons == theirs.reasons
        assert [(k, r) for k, _, r in mine.alternatives] == [(k, r) for k, _, r in theirs.alternatives]
        assert [s for _, s, _ in mine.alternatives] == pytest.approx([s for _, s, _ in theirs.alternatives])
        assert len(mine.alternatives) <= ALTERNATIVES
    assert sparse.unmatched == dense.unmatched
    assert all((i, j) not in closed for i, j, *_ in ((p.learner, p.mentor) for p in sparse.proposals))


def test_the_path_is_chosen_by_learners_times_seats() -> None:
    learners = [Learner(id=i) for i in range(10)]
    mentors = [Mentor(id=j, capacity=2) for j in range(5)]
    assert not propose(learners, mentors, "de", W, dense_up_to=100).sparse  # 10 × 10 seats
    assert propose(learners, mentors, "de", W, dense_up_to=99).sparse
    assert DENSE_UP_TO >= 1000 * 500  # a programme of some hundreds stays on the exact dense path


def test_alternatives_leave_out_full_mentors_and_closed_pairs_on_both_paths() -> None:
    learners = [Learner(id=i, availability=1) for i in range(2)]
    mentors = [
        Mentor(id=0, availability=1, capacity=1),
        Mentor(id=1, availability=1, capacity=0),  # full
        Mentor(id=2, availability=1, capacity=1, interests=1),
        Mentor(id=3, availability=1, capacity=1),
    ]
    for limit in (10**6, 0):
        found = propose(learners, mentors, "de", W, closed=[(0, 3), (1, 3)], dense_up_to=limit)
        assert len(found.proposals) == 2
        for proposal in found.proposals:
            others = {k for k, _, _ in proposal.alternatives}
            assert 1 not in others and 3 not in others and proposal.mentor not in others
