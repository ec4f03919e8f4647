"""Scoring criteria one by one, exclusions, and the assignment against brute force."""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules import MatchingWeights
from bot.services import sparse_matching
from bot.services.matching import (
    HELP,
    INTERESTS,
    LANGUAGES,
    SLOTS,
    TRADES,
    Learner,
    Mentor,
    assign,
    bits,
    components,
    greedy,
    reasons,
    scores,
    total,
    why_unmatched,
)

W = MatchingWeights()
EVENINGS = bits(["weekday_evening"], SLOTS)
BERLIN = (52.52, 13.40)


def score_of(learner: Learner, mentor: Mentor) -> float:
    return float(scores(components([learner], [mentor], "de"), W)[0, 0])


def base_learner(**changes: object) -> Learner:
    values = {"id": 1, "availability": EVENINGS, **changes}
    return Learner(**values)  # type: ignore[arg-type]


def base_mentor(**changes: object) -> Mentor:
    values = {"id": 2, "availability": EVENINGS, "radius_km": 10.0, **changes}
    return Mentor(**values)  # type: ignore[arg-type]


def test_each_criterion_adds_its_weight() -> None:
    plain = score_of(base_learner(), base_mentor())
    assert plain == 1 + W.availability  # a possible pair, times in common
    field = score_of(base_learner(trade="electrical"), base_mentor(expertise=bits(["electrical"], TRADES)))
    assert field - plain == W.field
    helped = score_of(
        base_learner(help=bits(["exams", "career"], HELP)), base_mentor(offers=bits(["exams"], HELP))
    )
    assert helped - plain == W.help / 2  # half of what the learner asked for
    liked = score_of(
        base_learner(interests=bits(["sport", "music"], INTERESTS)),
        base_mentor(interests=bits(["sport", "music", "art"], INTERESTS)),
    )
    assert liked - plain == W.interests
    arabic = bits(["ar", "de"], LANGUAGES)
    spoken = score_of(base_learner(spoken=arabic), base_mentor(spoken=arabic))
    assert spoken - plain == W.languages
    home = score_of(base_learner(spoken=arabic, needs_home_language=True), base_mentor(spoken=arabic))
    assert home - plain == W.languages + W.home_language
    german_only = score_of(
        base_learner(spoken=arabic, needs_home_language=True), base_mentor(spoken=bits(["de"], LANGUAGES))
    )
    assert german_only - plain == W.languages  # German is the programme's, not the learner's own
    woman = score_of(base_learner(wants_gender="woman"), base_mentor(gender="woman"))
    assert woman - plain == W.preferences
    assert score_of(base_learner(wants_gender="woman"), base_mentor(gender="man")) == plain
    near = score_of(base_learner(lat=52.52, lon=13.40), base_mentor(lat=52.52, lon=13.40))
    assert near - plain == W.distance
    five_km = score_of(base_learner(lat=52.52, lon=13.40), base_mentor(lat=52.52 + 5 / 111.2, lon=13.40))
    assert abs(five_km - plain - W.distance / 2) < 0.1  # halfway to the edge of a 10 km radius


def test_exclusions_score_zero_and_say_why() -> None:
    far = components(
        [base_learner(lat=52.52, lon=13.40)], [base_mentor(lat=48.86, lon=2.35, radius_km=50)], "de"
    )
    assert scores(far, W)[0, 0] == 0 and why_unmatched(far, 0, [base_mentor()]) == "too_far"
    online = components(
        [base_learner(lat=52.52, lon=13.40)], [base_mentor(lat=48.86, lon=2.35, online_only=True)], "de"
    )
    assert scores(online, W)[0, 0] > 0  # online only: distance does not count
    no_time = components([base_learner()], [base_mentor(availability=bits(["sunday"], SLOTS))], "de")
    assert scores(no_time, W)[0, 0] == 0 and why_unmatched(no_time, 0, [base_mentor()]) == "no_time"


def test_reasons_name_what_the_pair_shares() -> None:
    c = components(
        [base_learner(trade="electrical", lat=52.52, lon=13.40, spoken=bits(["ar"], LANGUAGES))],
        [
            base_mentor(
                expertise=bits(["electrical"], TRADES),
                lat=52.55,
                lon=13.40,
                spoken=bits(["ar", "de"], LANGUAGES),
            )
        ],
        "de",
    )
    found = dict(reasons(c, 0, 0))
    assert found["distance"] == {"km": 3}
    assert found["languages"] == {"languages": ["ar"]}
    assert found["time"] == {"slots": ["weekday_evening"]}
    assert "field" in found


def brute_force(score: np.ndarray, capacity: list[int]) -> float:
    """The best total over every way to give each learner one mentor or none (exhaustive,
    remembering each (learner, loads left) state once)."""

    @functools.cache
    def best(learner: int, left: tuple[int, ...]) -> float:
        if learner == score.shape[0]:
            return 0.0
        value = best(learner + 1, left)  # this learner gets nobody
        for mentor, free in enumerate(left):
            if free and score[learner, mentor] > 0:
                fewer = (*left[:mentor], free - 1, *left[mentor + 1 :])
                value = max(value, score[learner, mentor] + best(learner + 1, fewer))
        return value

    return best(0, tuple(capacity))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_assignment_is_optimal_and_keeps_capacities_and_exclusions(data: st.DataObject) -> None:
    n_learners = data.draw(st.integers(1, 7))
    n_mentors = data.draw(st.integers(1, 7))
    values = st.one_of(st.just(0.0), st.floats(1, 100, allow_nan=False))
    score = np.asarray(
        [[data.draw(values) for _ in range(n_mentors)] for _ in range(n_learners)], dtype=float
    )
    capacity = [data.draw(st.integers(0, 3)) for _ in range(n_mentors)]
    mentors = [Mentor(id=j, capacity=c) for j, c in enumerate(capacity)]
    flat = MatchingWeights(capacity=0)  # seat preference off: the optimum is the plain one
    pairs = assign(score, mentors, flat)
    assert len({learner for learner, _ in pairs}) == len(pairs)  # one mentor per learner at most
    for mentor, cap in enumerate(capacity):
        assert sum(1 for _, m in pairs if m == mentor) <= cap
    assert all(score[i, j] > 0 for i, j in pairs)  # never an excluded pair
    assert abs(total(score, pairs) - brute_force(score, capacity)) < 1e-6
    assert total(score, pairs) >= total(score, greedy(score, mentors)) - 1e-6


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_the_flow_over_candidates_is_optimal_too(data: st.DataObject) -> None:
    n_learners = data.draw(st.integers(1, 7))
    n_mentors = data.draw(st.integers(1, 7))
    values = st.one_of(st.just(0.0), st.floats(1, 100, allow_nan=False))
    score = np.asarray([[data.draw(values) for _ in range(n_mentors)] for _ in range(n_learners)])
    capacity = [data.draw(st.integers(0, 3)) for _ in range(n_mentors)]
    mentors = [Mentor(id=j, capacity=c) for j, c in enumerate(capacity)]
    learner, mentor = np.nonzero(score > 0)
    everyone = np.ones(n_learners, bool)
    found = sparse_matching.Candidates(
        learner, mentor, score[learner, mentor], everyone, everyone, everyone, any_free=True
    )
    pairs = sparse_matching.solve(found, mentors, MatchingWeights(capacity=0))
    assert len({i for i, _ in pairs}) == len(pairs)
    for j, cap in enumerate(capacity):
        assert sum(1 for _, m in pairs if m == j) <= cap
    assert all(score[i, j] > 0 for i, j in pairs)
    assert abs(total(score, pairs) - brute_force(score, capacity)) <= 0.0005 * n_learners + 1e-9


def test_the_seat_preference_spreads_learners_when_it_costs_nothing() -> None:
    score = np.asarray([[50.0, 50.0], [50.0, 50.0]])
    pairs = assign(score, [Mentor(id=1, capacity=2), Mentor(id=2, capacity=2)], W)
    assert sorted(m for _, m in pairs) == [0, 1]


def test_reasons_read_in_each_language_of_the_reader() -> None:
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from bot.features.matchmaking import say_reasons
    from bot.i18n import Translator

    learner = SimpleNamespace(profile={"trade": "electrical"})
    found = [
        ("field", {}),
        ("distance", {"km": 8}),
        ("languages", {"languages": ["ar"]}),
        ("time", {"slots": ["weekday_evening", "saturday"]}),
    ]
    said = {
        code: say_reasons(Translator(code, ZoneInfo("Europe/Berlin")), learner, found)  # type: ignore[arg-type]
        for code in ("en", "de", "fr")
    }
    assert said["en"] == (
        "both in electrical and electronics; 8 km apart; both speak العربية; "
        "both free: weekday evenings, Saturdays"
    )
    assert "Elektro und Elektronik" in said["de"] and "8 km" in said["de"] and "العربية" in said["de"]
    assert "électricité et électronique" in said["fr"] and "8 km" in said["fr"] and "samedi" in said["fr"]
    assert len({said["en"], said["de"], said["fr"]}) == 3
