"""What /match proposes: each learner's mentor, with the score, the reasons and the next best
mentors ("Another mentor"), and why the others got nobody.

A cohort small enough is scored as one dense matrix (``matching.scores`` → ``assign``), exact over
every pair. Above ``DENSE_UP_TO`` learner × seat cells the matrix costs more than it gives, so the
national path takes over (``sparse_matching``: candidates, then a minimum-cost flow), and the next
best mentors are read from the learner's candidates instead of a whole row. Both score with the
same criteria and break ties by the mentor's place in the list, so where both fit they propose the
same pairs with the same reasons (``tests/unit/test_proposals.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bot.rules import MatchingWeights
from bot.services import matching, sparse_matching
from bot.services.matching import Learner, Mentor

# Learners × seats above which /match takes the sparse path. Measured on 2 cores with the
# benchmark's cohort: at 1,000 × 500 (about a million cells) the dense path takes 0.12 s and
# 48 MB more than the sparse one's 0.09 s; at 2,000 × 1,000 it takes 1.2 s and 180 MB more,
# the sparse one 0.15 s.
DENSE_UP_TO = 1_000_000
ALTERNATIVES = 3  # the next best mentors kept with a proposal

Reasons = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Proposal:
    learner: int  # index into the learners given
    mentor: int  # index into the mentors given
    score: float
    reasons: Reasons
    alternatives: list[tuple[int, float, Reasons]]  # (mentor index, score, reasons), best first


@dataclass(frozen=True)
class Proposals:
    proposals: list[Proposal]  # by learner index
    unmatched: dict[int, str]  # learner index: why (``matching.why_unmatched``'s codes)
    sparse: bool  # which path made them


def propose(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    programme_language: str,
    w: MatchingWeights,
    closed: Collection[tuple[int, int]] = (),
    dense_up_to: int = DENSE_UP_TO,
) -> Proposals:
    """The best assignment of the cohort; ``closed`` holds (learner index, mentor index) pairs
    declined or ended before, never proposed again."""
    seats = sum(max(mentor.capacity, 0) for mentor in mentors)
    if len(learners) * seats <= dense_up_to:
        return _dense(learners, mentors, programme_language, w, closed)
    return _sparse(learners, mentors, programme_language, w, closed)


def propose_per_area(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    learner_areas: Sequence[str],
    mentor_areas: Sequence[str | None],
    programme_language: str,
    w: MatchingWeights,
    closed: Collection[tuple[int, int]] = (),
    dense_up_to: int = DENSE_UP_TO,
) -> Proposals:
    """Matching run per area: each area's learners with the mentors of that area and those who
    meet online only (``mentor_areas`` None: any area), one area after the other, an online
    mentor's seats taken in one area gone for the next. Indices as ``propose``'s."""
    left = [mentor.capacity for mentor in mentors]
    found: list[Proposal] = []
    unmatched: dict[int, str] = {}
    sparse = False
    for area in sorted(set(learner_areas)):
        rows = [i for i, a in enumerate(learner_areas) if a == area]
        cols = [j for j, a in enumerate(mentor_areas) if a is None or a == area]
        at_row, at_col = {i: n for n, i in enumerate(rows)}, {j: n for n, j in enumerate(cols)}
        never = [(at_row[i], at_col[j]) for i, j in closed if i in at_row and j in at_col]
        seated = [replace(mentors[j], capacity=left[j]) for j in cols]
        part = propose([learners[i] for i in rows], seated, programme_language, w, never, dense_up_to)
        sparse = sparse or part.sparse
        for p in part.proposals:
            left[cols[p.mentor]] -= 1
            alternatives = [(cols[k], score, said) for k, score, said in p.alternatives]
            found.append(
                replace(p, learner=rows[p.learner], mentor=cols[p.mentor], alternatives=alternatives)
            )
        unmatched.update({rows[i]: why for i, why in part.unmatched.items()})
    return Proposals(sorted(found, key=lambda p: p.learner), unmatched, sparse)


def _dense(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    language: str,
    w: MatchingWeights,
    closed: Collection[tuple[int, int]],
) -> Proposals:
    comp = matching.components(learners, mentors, language)
    score = matching.scores(comp, w)
    for i, j in closed:
        score[i, j] = 0.0
    free = np.asarray([mentor.capacity > 0 for mentor in mentors], bool)
    found = []
    for i, j in matching.assign(score, mentors, w):
        row = np.where(free, score[i], 0.0)
        row[j] = 0.0
        best = [int(k) for k in np.argsort(-row, kind="stable")[:ALTERNATIVES] if row[k] > 0]
        others = [(k, float(row[k]), matching.reasons(comp, i, k)) for k in best]
        found.append(Proposal(i, j, float(score[i, j]), matching.reasons(comp, i, j), others))
    matched = {p.learner for p in found}
    unmatched = {
        i: matching.why_unmatched(comp, i, mentors) for i in range(len(learners)) if i not in matched
    }
    return Proposals(found, unmatched, sparse=False)


def _sparse(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    language: str,
    w: MatchingWeights,
    closed: Collection[tuple[int, int]],
) -> Proposals:
    result = sparse_matching.match_cohort(learners, mentors, language, w, closed=closed)
    found = result.candidates
    order = np.lexsort((found.mentor, -found.score, found.learner))  # each learner's best first
    by_learner, by_mentor, by_score = found.learner[order], found.mentor[order], found.score[order]
    chosen: list[tuple[int, int, float, list[tuple[int, float]]]] = []
    for (i, j), score in zip(result.pairs, result.score, strict=True):
        start, end = np.searchsorted(by_learner, [i, i + 1])
        others = [
            (int(k), float(s))
            for k, s in zip(by_mentor[start:end], by_score[start:end], strict=True)
            if k != j
        ]
        chosen.append((i, j, score, others[:ALTERNATIVES]))
    wanted = []
    for i, j, _, others in chosen:
        wanted += [(i, j), *((i, k) for k, _ in others)]
    said = _reasons_of(learners, mentors, language, wanted)
    proposals = [
        Proposal(i, j, score, said[i, j], [(k, s, said[i, k]) for k, s in others])
        for i, j, score, others in chosen
    ]
    return Proposals(proposals, result.unmatched, sparse=True)


def _reasons_of(
    learners: Sequence[Learner], mentors: Sequence[Mentor], language: str, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], Reasons]:
    """The reasons of each of ``pairs``, from criteria computed for those pairs only."""
    if not pairs:
        return {}
    learner = np.asarray([i for i, _ in pairs], np.int64)
    mentor = np.asarray([j for _, j in pairs], np.int64)
    people = matching.take(matching.learner_columns(learners), learner)
    volunteers = matching.take(matching.mentor_columns(mentors), mentor)
    comp = matching.criteria(people, volunteers, language)
    return {pair: matching.reasons(comp, place) for place, pair in enumerate(pairs)}
