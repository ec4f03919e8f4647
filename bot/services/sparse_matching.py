"""Matching a national cohort: feasible candidates first, then an exact solve of the sparse problem.

The dense assignment (``matching.assign``) needs every learner against every mentor seat, which
grows past memory well before 100,000 learners. Most of those pairs are impossible anyway: beyond
the mentor's radius, no time in common, or closed before. So:

1. ``candidates``: a KD-tree over the homes of mentors who meet in person finds, for a block of
   learners living close together, the mentors whose radius can reach them; mentors who meet
   online (or gave no place) are a pool every learner sees. Each block is ranked by the criteria
   of the dense matrix (``Ranking``, float32); each learner keeps their best K mentors and each
   mentor their best K learners, and these pairs get their exact score from ``matching.criteria``.
2. ``solve``: a minimum-cost flow over the candidates (OR-Tools), mentors' capacities as arcs
   with the same seat preference as ``assign``, one group of connected components at a time.
   scipy's sparse ``min_weight_full_bipartite_matching`` needed every seat as a column and
   did not finish at 100,000 learners.

Learners left over get the same reasons as ``matching.why_unmatched`` gives.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from bot.rules import MatchingWeights
from bot.services.matching import (
    EARTH_KM,
    HELP,
    INTERESTS,
    LANGUAGES,
    NO_TIME,
    SLOTS,
    TOO_FAR,
    TRADES,
    Learner,
    Mentor,
    criteria,
    learner_columns,
    mentor_columns,
    scores,
    take,
)

K = 12  # candidates per learner and per mentor: 99.97 % of the exact optimum in the benchmark (README)
BLOCK = 256  # learners scored together: enough to amortise numpy, small enough for memory
CELL_KM = 5.0  # learners of one block live in one cell of this size
SOLVE_ROWS = 5000  # small components are solved together up to this many learners

Index = NDArray[np.int64]


@dataclass
class Candidates:
    """The candidate pairs, as three index-aligned arrays, and what tells why a learner got nobody."""

    learner: Index
    mentor: Index
    score: NDArray[np.float64]  # exactly the dense matrix's score of the pair
    reach: NDArray[np.bool_]  # per learner: a free mentor is within reach
    timed: NDArray[np.bool_]  # per learner: a free mentor has time in common
    fits: NDArray[np.bool_]  # per learner: a free mentor is neither too far nor without time
    any_free: bool


@dataclass
class Matching:
    pairs: list[tuple[int, int]]  # (learner index, mentor index)
    score: list[float]  # each pair's score
    unmatched: dict[int, str]  # learner index: why (as ``matching.why_unmatched``)
    candidates: Candidates


def match_cohort(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    programme_language: str,
    w: MatchingWeights,
    k: int = K,
    closed: Collection[tuple[int, int]] = (),
) -> Matching:
    """The best assignment over the candidates (each learner's ``k`` best mentors, each mentor's ``k``
    best learners); ``closed`` holds (learner index, mentor index) pairs never to propose again."""
    found = candidates(learners, mentors, programme_language, w, k, closed)
    pairs = solve(found, mentors, w)
    matched = {i for i, _ in pairs}
    unmatched = {i: why(found, i) for i in range(len(learners)) if i not in matched}
    return Matching(pairs, pair_scores(found, pairs).tolist(), unmatched, found)


def pair_scores(found: Candidates, pairs: Sequence[tuple[int, int]]) -> NDArray[np.float64]:
    """The score of each of ``pairs``, all of them among the candidates."""
    width = int(found.mentor.max(initial=0)) + 1
    key = found.learner * width + found.mentor
    order = np.argsort(key)
    wanted = np.asarray([i * width + j for i, j in pairs], np.int64)
    return found.score[order[np.searchsorted(key[order], wanted)]]


def scored(found: Candidates, pairs: Sequence[tuple[int, int]]) -> float:
    return float(pair_scores(found, pairs).sum())


def why(found: Candidates, learner: int) -> str:
    """The most telling reason a learner got nobody, in ``matching.why_unmatched``'s order."""
    if not found.any_free:
        return "no_mentor"
    if not found.reach[learner]:
        return TOO_FAR
    if not found.timed[learner]:
        return NO_TIME
    if not found.fits[learner]:
        return "no_fit"
    return "taken"


def on_sphere(lat: Any, lon: Any) -> Any:
    """Homes as points in space (km): the straight line between two is never longer than the way
    round the earth, so a search within r km of straight line finds everyone within r km."""
    phi, lam = np.radians(lat), np.radians(lon)
    return EARTH_KM * np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def candidates(
    learners: Sequence[Learner],
    mentors: Sequence[Mentor],
    programme_language: str,
    w: MatchingWeights,
    k: int = K,
    closed: Collection[tuple[int, int]] = (),
) -> Candidates:
    """Each learner's ``k`` best feasible mentors among those with a free seat, and each such
    mentor's ``k`` best learners."""
    people, volunteers = learner_columns(learners), mentor_columns(mentors)
    free = np.flatnonzero(np.asarray([m.capacity > 0 for m in mentors], bool))
    placed = free[~np.isnan(volunteers["lat"][free]) & ~np.isnan(volunteers["lon"][free])]
    everywhere = np.setdiff1d(free, placed)  # online only, or no place given: no distance to keep
    never: dict[int, list[int]] = {}
    for i, j in closed:
        never.setdefault(i, []).append(j)
    n = len(learners)
    reach, fits = np.zeros(n, bool), np.zeros(n, bool)
    picked_learner, picked_mentor = [], []
    mentors_best = Leaders(len(mentors), k)
    ranking = Ranking(people, volunteers, programme_language, w)
    for block, columns, near in _blocks(people, volunteers, placed, everywhere, free):
        score, too_far = ranking.block(block, columns, near)
        reach[block] = ~too_far.all(axis=1) if columns.size else False
        fits[block] = (score > 0).any(axis=1)
        _close(score, block, columns, never, len(mentors))
        row, column = best_in_rows(score, k)
        picked_learner.append(block[row])
        picked_mentor.append(columns[column])
        mentors_best.offer(score, block, columns)
    learner, mentor = mentors_best.pairs()
    size = max(len(mentors), 1)
    pair = np.unique(
        np.concatenate((*picked_learner, learner)) * size + np.concatenate((*picked_mentor, mentor))
    )
    learner, mentor = pair // size, pair % size
    exact = scores(criteria(take(people, learner), take(volunteers, mentor), programme_language), w)
    feasible = exact > 0  # ranking measured distance along the straight line: a hair generous
    return Candidates(
        learner[feasible],
        mentor[feasible],
        exact[feasible].astype(np.float64),
        reach,
        _timed(people["slots"], volunteers["slots"][free]),
        fits,
        any_free=free.size > 0,
    )


def best_in_rows(score: Any, k: int) -> tuple[Index, Index]:
    """(row, column) of each row's ``k`` best positive entries. Rather than partition every long
    row: the maxima of 4k slices of a row are distinct entries, so the row's k-th best is at least
    their k-th best; only entries above that are sorted."""
    slices = 4 * k
    if score.shape[1] > 2 * slices:
        maxima = np.maximum.reduceat(
            score, np.linspace(0, score.shape[1], slices, endpoint=False).astype(np.int64), axis=1
        )
        floor = np.partition(maxima, slices - k, axis=1)[:, slices - k]
    else:
        floor = np.zeros(score.shape[0], score.dtype)
    row, column = np.nonzero((score >= floor[:, None]) & (score > 0))
    order = np.lexsort((-score[row, column], row))
    row, column = row[order], column[order]
    first = np.searchsorted(row, row)  # where each row's run starts
    keep = np.arange(row.size) - first < k
    return row[keep].astype(np.int64), column[keep].astype(np.int64)


def _bits(masks: Any, width: int, scale: Any = 1.0) -> Any:
    """Bit masks as rows of 0/1 (times ``scale``), so that shared bits are a matrix product."""
    return ((masks[:, None] >> np.arange(width)) & 1).astype(np.float32) * np.asarray(
        scale, np.float32
    ).reshape(-1, 1)


class Ranking:
    """The pair score of ``matching.scores`` in float32, for blocks of learners against many mentors:
    each criterion a product of 0/1 features (one matrix product for the linear ones), distance
    along the straight line between homes. Only ranks: the exact score is computed afterwards."""

    def __init__(
        self, people: dict[str, Any], volunteers: dict[str, Any], language: str, w: MatchingWeights
    ) -> None:
        help_count = np.maximum(np.bitwise_count(people["help"]), 1)
        slot_count = np.maximum(np.bitwise_count(people["slots"]), 1)
        wants, gender = people["wants"].astype(np.int64), volunteers["gender"].astype(np.int64)
        self.linear = (  # field, help, the gender asked for, background, times in common
            np.hstack((
                _bits(people["trade"], len(TRADES), w.field),
                _bits(people["help"], len(HELP), w.help / help_count),
                _bits(np.where((wants > 0) & (wants < 8), 1 << wants, 0), 8, w.preferences),
                _bits(people["background"].astype(np.int64), 1, w.preferences / 2),
                _bits(people["slots"], len(SLOTS), w.availability / slot_count),
            )),
            np.hstack((
                _bits(volunteers["expertise"], len(TRADES)),
                _bits(volunteers["offers"], len(HELP)),
                _bits(np.where((gender > 0) & (gender < 8), 1 << gender, 0), 8),
                _bits(volunteers["background"].astype(np.int64), 1),
                _bits(volunteers["slots"], len(SLOTS)),
            )),
        )  # fmt: skip
        home = ((1 << len(LANGUAGES)) - 1) & ~(1 << LANGUAGES.index(language) if language in LANGUAGES else 0)
        self.interests = (
            _bits(people["interests"], len(INTERESTS)),
            _bits(volunteers["interests"], len(INTERESTS)),
        )
        self.spoken = _bits(people["spoken"], len(LANGUAGES)), _bits(volunteers["spoken"], len(LANGUAGES))
        self.home = _bits(people["spoken"] & home, len(LANGUAGES)), self.spoken[1]
        self.slots = _bits(people["slots"], len(SLOTS)), _bits(volunteers["slots"], len(SLOTS))
        self.timed = people["slots"] != 0, volunteers["slots"] != 0
        self.needs_home = people["needs_home"]
        self.homes = on_sphere(people["lat"], people["lon"])
        self.spots = on_sphere(volunteers["lat"], volunteers["lon"])
        self.radius = volunteers["radius"].astype(np.float32)
        self.w = w

    def block(self, rows: Index, columns: Index, near: int) -> tuple[Any, Any]:
        """Scores (0 when impossible) and "too far" of learners ``rows`` against mentors ``columns``,
        the first ``near`` of whom meet in person at a known place."""
        w = self.w

        def product(pair: tuple[Any, Any]) -> Any:
            return pair[0][rows] @ pair[1][columns].T

        score = product(self.linear)
        score += np.float32(1.0)
        score += np.float32(w.interests / 2) * np.minimum(product(self.interests), 2)
        score += np.float32(w.languages) * (product(self.spoken) > 0.5)
        score += np.float32(w.home_language) * ((product(self.home) > 0.5) & self.needs_home[rows, None])
        impossible = (product(self.slots) < 0.5) & self.timed[0][rows, None] & self.timed[1][None, columns]
        too_far = np.zeros(score.shape, bool)
        if near:
            homes = self.homes[rows]
            centre = homes.mean(axis=0)
            mine = (homes - centre).astype(np.float32)
            theirs = (self.spots[columns[:near]] - centre).astype(np.float32)
            squared = (mine**2).sum(axis=1)[:, None] + (theirs**2).sum(axis=1)[None, :] - 2 * mine @ theirs.T
            distance = np.sqrt(np.maximum(squared, 0))
            radius = self.radius[columns[:near]][None, :]
            too_far[:, :near] = distance > radius
            score[:, :near] += np.float32(w.distance) * np.maximum(1 - distance / radius, 0)
        score[impossible | too_far] = 0
        return score, too_far


class Leaders:
    """Each mentor's ``k`` best learners so far, kept while blocks of learners are scored: a mentor
    whom nobody ranks among their best (a popular one is always ahead) still gets candidates."""

    def __init__(self, mentors: int, k: int) -> None:
        self.score = np.zeros((mentors, k), np.float32)
        self.learner = np.full((mentors, k), -1, np.int64)
        self.k = k

    def offer(self, score: Any, block: Index, columns: Index) -> None:
        better = score.max(axis=0) > self.score[columns].min(axis=1)  # most mentors have their k already
        score, columns = score[:, better].T, columns[better]  # columns × learners, contiguous
        if not columns.size:
            return
        rows = min(self.k, block.size)
        top = np.argpartition(score, -rows, axis=1)[:, -rows:]
        merged_score = np.concatenate((self.score[columns], np.take_along_axis(score, top, axis=1)), axis=1)
        merged_learner = np.concatenate((self.learner[columns], block[top]), axis=1)
        keep = np.argpartition(merged_score, -self.k, axis=1)[:, -self.k :]
        self.score[columns] = np.take_along_axis(merged_score, keep, axis=1)
        self.learner[columns] = np.take_along_axis(merged_learner, keep, axis=1)

    def pairs(self) -> tuple[Index, Index]:
        mentor, slot = np.nonzero(self.score > 0)
        return self.learner[mentor, slot], mentor.astype(np.int64)


def _blocks(
    people: dict[str, Any], volunteers: dict[str, Any], placed: Index, everywhere: Index, free: Index
) -> Iterator[tuple[Index, Index, int]]:
    """Blocks of learners living in one small cell, each with the free mentors who may reach them."""
    located = np.flatnonzero(~np.isnan(people["lat"]) & ~np.isnan(people["lon"]))
    elsewhere = np.setdiff1d(np.arange(len(people["lat"])), located)
    for start in range(0, elsewhere.size, BLOCK):  # no place: any mentor, at no distance
        yield elsewhere[start : start + BLOCK], free, 0
    if located.size == 0:
        return
    homes = on_sphere(people["lat"][located], people["lon"][located])
    if placed.size:
        spots = on_sphere(volunteers["lat"][placed], volunteers["lon"][placed])
        tree, radius = cKDTree(spots), volunteers["radius"][placed]
    cell = np.floor(homes / CELL_KM).astype(np.int64)
    order = np.lexsort(cell.T[::-1])
    edges = np.flatnonzero((np.diff(cell[order], axis=0) != 0).any(axis=1)) + 1
    for run in np.split(order, edges):
        for start in range(0, run.size, BLOCK):
            rows = run[start : start + BLOCK]
            if not placed.size:
                yield located[rows], everywhere, 0
                continue
            centre = homes[rows].mean(axis=0)
            spread = float(np.sqrt(((homes[rows] - centre) ** 2).sum(axis=1)).max())
            near = np.asarray(tree.query_ball_point(centre, spread + float(radius.max())), np.int64)
            near = near[np.sqrt(((spots[near] - centre) ** 2).sum(axis=1)) <= spread + radius[near]]
            yield located[rows], np.concatenate((placed[np.sort(near)], everywhere)), near.size


def _close(score: Any, block: Index, columns: Index, never: dict[int, list[int]], mentors: int) -> None:
    """Pairs declined or ended before score 0 here, as they do in /match."""
    if not never:
        return
    position = np.full(mentors, -1)
    position[columns] = np.arange(columns.size)
    for row, learner in enumerate(block.tolist()):
        for mentor in never.get(learner, ()):
            if position[mentor] >= 0:
                score[row, position[mentor]] = 0.0


def _timed(learner_slots: Any, free_slots: Any) -> NDArray[np.bool_]:
    """Whether some free mentor has time in common with each learner (or either gave no times)."""
    untimed = bool((free_slots == 0).any())
    offered = np.bitwise_or.reduce(free_slots) if free_slots.size else 0
    result: NDArray[np.bool_] = (learner_slots == 0) | untimed | ((learner_slots & offered) != 0)
    if not free_slots.size:
        result[:] = False
    return result


def solve(found: Candidates, mentors: Sequence[Mentor], w: MatchingWeights) -> list[tuple[int, int]]:
    """The maximum-total assignment over the candidates: (learner index, mentor index) pairs.

    A minimum-cost flow: one unit from each learner, through one candidate pair (cost: minus its
    score, in thousandths of a point) to its mentor, then through one of the mentor's seats (the
    second and third cost ``w.capacity`` points each more, as in ``assign``) or, for a learner
    left without, straight to the end at no cost. (Unlike ``assign``, which keeps every seat worth
    0.01 at least, a pair scoring less than its seat's extra cost waits; no pair scores that little
    in the benchmark.) Learners who share no mentor, even through
    others, are independent problems: each component is solved on its own (small ones together).
    """
    if found.learner.size == 0:
        return []
    capacity = np.asarray([max(m.capacity, 0) for m in mentors], np.int64)
    pairs: list[tuple[int, int]] = []
    for learners in _groups(found, len(mentors)):
        pairs += _solve_group(learners, found, capacity, w)
    return sorted(pairs)


def _groups(found: Candidates, mentors: int) -> Iterator[Index]:
    """The learners of each connected component, small components gathered up to ``SOLVE_ROWS``."""
    n = int(found.learner.max()) + 1
    graph = coo_array(
        (np.ones(found.learner.size), (found.learner, n + found.mentor)), shape=(n + mentors, n + mentors)
    )
    _, label = connected_components(graph, directed=False)
    learners = np.unique(found.learner)
    learners = learners[np.argsort(label[learners], kind="stable")]
    labels = label[learners]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    group_start = 0
    for end in [*starts[1:].tolist(), learners.size]:
        if end - group_start >= SOLVE_ROWS or end == learners.size:
            yield learners[group_start:end]
            group_start = end


def _solve_group(
    learners: Index, found: Candidates, capacity: Index, w: MatchingWeights
) -> list[tuple[int, int]]:
    """One exact solve of the flow for ``learners`` and the mentors they could have."""
    learners = np.sort(learners)
    inside = np.isin(found.learner, learners)
    person = np.searchsorted(learners, found.learner[inside])
    mentors, mentor = np.unique(found.mentor[inside], return_inverse=True)
    seats = capacity[mentors]
    seat_of = np.repeat(np.arange(mentors.size), seats)  # one arc per seat, not per pair and seat
    rank = np.arange(seat_of.size) - np.repeat(np.cumsum(seats) - seats, seats)
    n, m = learners.size, mentors.size
    start, end = n + m, n + m + 1
    tails = np.concatenate((np.full(n, start), person, n + seat_of, [start]))
    heads = np.concatenate((np.arange(n), n + mentor, np.full(seat_of.size, end), [end]))
    capacities = np.concatenate((np.ones(n + person.size + seat_of.size, np.int64), [n]))
    costs = np.concatenate((
        np.zeros(n, np.int64),
        -np.round(found.score[inside] * 1000).astype(np.int64),
        np.round(w.capacity * rank * 1000).astype(np.int64),
        [0],
    ))  # fmt: skip
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(np.asarray([start, end]), np.asarray([n, -n]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the matching flow ended {status}")
    used = flow.flows(arcs[n : n + person.size]) > 0
    return list(zip(learners[person[used]].tolist(), mentors[mentor[used]].tolist(), strict=True))


def greedy(found: Candidates, mentors: Sequence[Mentor]) -> list[tuple[int, int]]:
    """The hand-made baseline over the same candidates: best remaining pair first."""
    left = [m.capacity for m in mentors]
    taken: set[int] = set()
    pairs = []
    for edge in np.argsort(-found.score, kind="stable").tolist():
        learner, mentor = int(found.learner[edge]), int(found.mentor[edge])
        if learner in taken or left[mentor] <= 0:
            continue
        taken.add(learner)
        left[mentor] -= 1
        pairs.append((learner, mentor))
    return pairs
