"""What /match proposes, by the dense matrix and by the sparse path: where both fit, the same pairs,
scores, reasons, next best mentors and reasons for the unmatched."""

from __future__ import annotations

import dataclasses

import pytest

from bot.devtools.bench_matching import cohort
from bot.rules import MatchingWeights
from bot.services.matching import Learner, Mentor
from bot.services.proposals import ALTERNATIVES, DENSE_UP_TO, propose
from bot.services.proposals import propose_per_area as proposals_per_area

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


@pytest.mark.parametrize("dense_up_to", [10**9, 0])
def test_matching_per_area_keeps_in_person_mentors_home_and_shares_online_seats(dense_up_to: int) -> None:
    """Two areas, each with learners and in-person mentors, and online mentors who may serve
    either: no learner gets another area's in-person mentor, no online seat is given twice, and
    the indices are the whole cohort's."""
    learners, mentors = cohort(120, 60, 7)
    online = {j for j, mentor in enumerate(mentors) if mentor.online_only}
    assert online and len(online) < len(mentors)  # the cohort has both kinds
    learner_areas = ["north" if i % 2 else "south" for i in range(len(learners))]
    mentor_areas: list[str | None] = [
        None if j in online else ("north" if j % 2 else "south") for j in range(len(mentors))
    ]
    closed = [(1, 1), (2, 0)]
    found = proposals_per_area(
        learners, mentors, learner_areas, mentor_areas, "de", W, closed, dense_up_to=dense_up_to
    )
    assert found.proposals and found.unmatched
    taken: dict[int, int] = {}
    for proposal in found.proposals:
        area = mentor_areas[proposal.mentor]
        assert area is None or area == learner_areas[proposal.learner]
        assert (proposal.learner, proposal.mentor) not in closed
        for k, _, _ in proposal.alternatives:
            assert mentor_areas[k] in (None, learner_areas[proposal.learner])
        taken[proposal.mentor] = taken.get(proposal.mentor, 0) + 1
    assert all(count <= mentors[j].capacity for j, count in taken.items())
    matched = [p.learner for p in found.proposals]
    assert matched == sorted(matched) and len(set(matched)) == len(matched)
    assert set(matched).isdisjoint(found.unmatched)
    assert set(matched) | set(found.unmatched) == set(range(len(learners)))


def test_one_area_proposes_what_the_whole_cohort_does() -> None:
    learners, mentors = cohort(80, 40, 4)
    whole = propose(learners, mentors, "de", W)
    areas: list[str | None] = [None if m.online_only else "main" for m in mentors]
    one = proposals_per_area(learners, mentors, ["main"] * len(learners), areas, "de", W)
    assert [(p.learner, p.mentor, p.score) for p in one.proposals] == [
        (p.learner, p.mentor, p.score) for p in whole.proposals
    ]
    assert one.unmatched == whole.unmatched
